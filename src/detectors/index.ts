/**
 * The detector backends, one registry entry each, and `createDetector`, the one way to get a Detector.
 *
 * An entry is light: name, description, the CLI flags the backend understands and a `load()` that imports
 * the backend module only when it is used, so `ocrdet detect --help` and `import { createDetector }` never
 * load onnxruntime or the OpenAI SDK. Adding a backend (issue 5's `vlm`) is one entry here plus its flags:
 * `ocrdet detect` builds its per-backend option groups from `BACKENDS`, and the batch engine only ever sees
 * the `Detector` interface.
 */
import { UsageError } from '../core/errors.js';
import { createRegistry, type Named } from '../core/registry.js';
import type { PpocrOptions } from './ppocr/options.js';
import { VLM_ENTRY } from './vlm/entry.js';
import type { VlmOptions } from './vlm/options.js';
import type { Detector, DetectorBackend } from './types.js';

export type { Detector, DetectorBackend, DetectCallOptions, DetectorHealth } from './types.js';

/**
 * One command-line flag of a backend, as plain data (no commander here: detectors must not import cli/).
 * `ocrdet detect` adds it under the backend's help heading and passes the value as `options[key]`, only
 * when the user gave it (the backend's own DEFAULTS apply otherwise).
 */
export interface BackendFlag {
  /** Commander syntax: `--model-dir <dir>`, `--threads <n>`, `--no-text` (a negatable boolean). */
  readonly flags: string;
  readonly description: string;
  /** The key in the backend's options that receives the value, e.g. `intraOpThreads` for `--threads`. */
  readonly key: string;
  /**
   * How the flag's text becomes a value before the backend validates it. Default: `string`. `data-record`: a
   * path whose data record (ocrdet-data.json, found as src/datasets/record-file.ts finds it) is the value.
   */
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'json' | 'data-record';
}

/** How the batch progress line shows a counter a backend reports (DetectCallOptions.onCounter). */
export type CounterDisplay = 'total' | 'rate';

export interface BackendEntry extends Named {
  readonly description: string;
  /** Flags `ocrdet detect` adds for this backend. Two backends may share a flag if they declare it alike. */
  readonly flags: readonly BackendFlag[];
  /** `--concurrency` when not given: images in flight at once for this backend. */
  readonly defaultConcurrency: number;
  /** Counters the backend reports while it works (e.g. `retries`: 'total', `tokens`: 'rate'). */
  readonly counters?: Readonly<Record<string, CounterDisplay>>;
  /** Imports the backend module (lazily: it may pull onnxruntime-node or an HTTP client). */
  load(): Promise<DetectorBackend<never>>;
}

/** The flags of the embedded PP-OCRv4 backend; the keys are those of PpocrOptions (ppocr/options.ts). */
const PPOCR_FLAGS: readonly BackendFlag[] = [
  { flags: '--no-text', key: 'text', type: 'boolean', description: 'detection only: skip text recognition (much faster)' },
  { flags: '--model-dir <dir>', key: 'modelDir', description: 'directory of PP-OCR ONNX models (+ dictionary) instead of the bundled PP-OCRv4 ones' },
  { flags: '--threads <n>', key: 'intraOpThreads', type: 'integer', description: 'onnxruntime threads per model (default: all cores, up to 4)' },
  { flags: '--max-pixels <n>', key: 'maxPixels', type: 'integer', description: 'largest image accepted, in pixels (default 100000000); larger ones get an error' },
];

export const PPOCR_ENTRY: BackendEntry = {
  name: 'ppocr',
  aliases: ['paddle', 'pp-ocr'],
  description: 'embedded PaddleOCR PP-OCRv4 det + rec on CPU (onnxruntime-node)',
  flags: PPOCR_FLAGS,
  // onnxruntime-node runs inference synchronously on the main thread (its backend.js calls session.run inside
  // setImmediate), so images in flight overlap only libvips work (decode, resize, overlays) with inference.
  // Measured on 2 vCPUs, 50 seed-test images (README "Concurrency"): 2 ≈ 1 with the default threads, +5–20 %
  // with --overlay or --threads 1, ~10 MB more memory.
  defaultConcurrency: 2,
  load: async () => (await import('./ppocr/index.js')).ppocrBackend as DetectorBackend<never>,
};

/**
 * Every backend: the embedded PP-OCRv4 pipeline, and multimodal LLMs over OpenAI-compatible servers
 * (`VLM_ENTRY`, src/detectors/vlm/entry.ts). Their options are `BackendOptions` below.
 */
export const BACKENDS = createRegistry<BackendEntry>('detector backend', [PPOCR_ENTRY, VLM_ENTRY]);

export const DEFAULT_BACKEND = 'ppocr';

/** The options each backend accepts, by backend name. */
export interface BackendOptions {
  ppocr: PpocrOptions;
  vlm: VlmOptions;
}

type NonDefaultBackend = Exclude<keyof BackendOptions, typeof DEFAULT_BACKEND>;

/** `createDetector` options: `backend` picks the entry (default ppocr), the other keys go to that backend. */
export type CreateDetectorOptions =
  | ({ backend?: typeof DEFAULT_BACKEND } & BackendOptions[typeof DEFAULT_BACKEND])
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
  const entry = BACKENDS.get(backendName);
  const backend = (await entry.load()) as DetectorBackend<Record<string, unknown>>;
  return backend.create(options);
}
