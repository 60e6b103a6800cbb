/**
 * The detector backends, registered by name, and `createDetector`, the one way to get a Detector.
 *
 * Each backend is one record (./ppocr/backend.ts, ./vlm/backend.ts): name, description, the CLI flags it
 * understands, its defaults, its default concurrency, and a `create` that imports the heavy modules only
 * when called, so the CLI's help and `import { createDetector }` never load onnxruntime or the
 * OpenAI SDK. Adding a backend is one record registered here: `ocrdet detect` and `ocrdet serve` build
 * their per-backend option groups from `BACKENDS`, and the batch engine only ever sees `Detector`.
 */
import { UsageError } from '../core/errors.js';
import { createRegistry } from '../core/registry.js';
import { ppocrBackend } from './ppocr/backend.js';
import type { PpocrOptions } from './ppocr/options.js';
import type { Detector, DetectorBackend } from './types.js';
import { vlmBackend } from './vlm/backend.js';
import type { VlmOptions } from './vlm/options.js';

export type { BackendFlag, CounterDisplay, Detector, DetectorBackend, DetectCallOptions, DetectorHealth, ServerHealth } from './types.js';
export { failedDetection, type FailedImage } from './failed.js';

/** Every backend: the embedded PP-OCRv4 pipeline, and multimodal LLMs over OpenAI-compatible servers. */
export const BACKENDS = createRegistry<DetectorBackend<never>>('detector backend', [ppocrBackend, vlmBackend]);

export const DEFAULT_BACKEND = ppocrBackend.name;

/** The options each backend accepts, by backend name. */
export interface BackendOptions {
  ppocr: PpocrOptions;
  vlm: VlmOptions;
}

type NonDefaultBackend = Exclude<keyof BackendOptions, 'ppocr'>;

/** `createDetector` options: `backend` picks the backend (default ppocr), the other keys go to it. */
export type CreateDetectorOptions =
  | ({ backend?: 'ppocr' } & BackendOptions['ppocr'])
  | { [B in NonDefaultBackend]: { backend: B } & BackendOptions[B] }[NonDefaultBackend];

/**
 * Creates a detector: `await createDetector()` is the embedded PP-OCRv4 pipeline with its defaults;
 * `createDetector({ backend: 'ppocr', text: false })` detection only. Options are validated by the backend
 * (UsageError naming each bad option). Call `close()` when done.
 */
export async function createDetector(options: CreateDetectorOptions = {}): Promise<Detector> {
  const { backend, ...rest } = options as { backend?: string } & Record<string, unknown>;
  return createBackendDetector(backend ?? DEFAULT_BACKEND, rest);
}

/** The untyped form the CLI uses: a backend name and the options collected from its flags. */
export async function createBackendDetector(backendName: string, options: Record<string, unknown>): Promise<Detector> {
  if (typeof backendName !== 'string' || !backendName) {
    throw new UsageError(`createDetector: option "backend" expected a backend name (${BACKENDS.names().join(', ')}), received ${JSON.stringify(backendName)}`);
  }
  return BACKENDS.get(backendName).create(options as never);
}
