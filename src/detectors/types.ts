/**
 * The one interface every detection backend implements (the embedded PP-OCRv4 pipeline, multimodal LLMs
 * over OpenAI-compatible servers). The batch engine, the CLI and the server only ever see this.
 */
import type { Detection } from '../core/types.js';

export interface DetectCallOptions {
  /** Aborts the work for this image (Ctrl-C, timeouts). */
  signal?: AbortSignal;
  /** Path or name recorded as `Detection.image` when the input is a buffer. */
  name?: string;
  /**
   * Reports work a backend did beyond images, for the batch progress line (e.g. `retries` +1,
   * `tokens` +312). Optional; which names a backend reports is declared in its registry entry.
   */
  onCounter?: (name: string, increment: number) => void;
  /**
   * The caller's limit on images in flight (the batch's --concurrency). A backend that sends several
   * requests per image (vlm tiles) keeps all its requests in flight within it. Optional.
   */
  concurrency?: number;
}

/** Whether a detector can work right now (`GET /healthz`). */
export interface DetectorHealth {
  /** `degraded`: requests would fail (e.g. the model server does not answer); `reason` says why. */
  status: 'ok' | 'degraded';
  reason?: string;
}

export interface Detector {
  /** Backend name as written into each Detection (`ppocr`, `vlm`). */
  readonly backend: string;
  /** Model identity as written into each Detection (file names or served model id). */
  readonly model: string;
  /**
   * Detects text in one image. Never throws for a bad image: returns a Detection with `error` set
   * (`{ code, message }`, made by ./failed.ts) and no regions. Throws InterruptedError when `signal` aborts,
   * and otherwise only for misuse or a broken detector (e.g. closed).
   */
  detect(input: string | Buffer, options?: DetectCallOptions): Promise<Detection>;
  /**
   * Checks what the detector depends on outside the process (the vlm backend: its model server), quickly
   * and without throwing. Optional: a detector without it (the embedded ppocr) is always `ok`.
   */
  health?(): Promise<DetectorHealth>;
  /** Releases sessions, sockets and workers. */
  close(): Promise<void>;
}

/** One registry entry per backend (src/detectors/index.ts). */
export interface DetectorBackend<Options = Record<string, unknown>> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly description: string;
  create(options: Options): Promise<Detector>;
}
