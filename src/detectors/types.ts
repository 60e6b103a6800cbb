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
   * The caller's limit on images in flight (the batch's `concurrency`). A backend that sends several
   * requests per image (vlm tiles) keeps all its requests in flight within it. Optional.
   */
  concurrency?: number;
}

/** Whether a detector can work right now (`GET /healthz`). */
export interface DetectorHealth {
  /** `degraded`: requests would fail (e.g. the model server does not answer); `reason` says why. */
  status: 'ok' | 'degraded';
  reason?: string;
  /** With several model servers (vlm): each one's state. */
  servers?: ServerHealth[];
}

/** One model server of a detector that has several. */
export interface ServerHealth {
  url: string;
  /** `ok`; `down`: it does not answer now; `set aside`: it answers, but is resting after failures. */
  status: 'ok' | 'down' | 'set aside';
  inFlight: number;
  requests: number;
  failures: number;
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
  /**
   * Images in flight a batch keeps when its caller does not say, when this detector wants another number than
   * its backend's `defaultConcurrency` (vlm with several servers: that many per server). Optional.
   */
  readonly defaultConcurrency?: number;
  /** Lines worth printing when a run ends (vlm with several servers: each one's requests and failures). Optional. */
  summary?(): string[];
  /** Releases sessions, sockets and workers. */
  close(): Promise<void>;
}

/**
 * One command-line flag of a backend, as plain data (no commander here: detectors must not import cli/).
 * `ocrdet detect` and `ocrdet serve` add it under the backend's help heading and pass the value as
 * `options[key]`, only when the user gave it (the backend's own defaults apply otherwise).
 */
export interface BackendFlag {
  /** Commander syntax: `--model-dir <dir>`, `--threads <n>`, `--no-text` (a negatable boolean). */
  readonly flags: string;
  /** What the flag does; the help adds the default (from the backend's `defaults`, or `defaultText`). */
  readonly description: string;
  /** The key in the backend's options that receives the value, e.g. `intraOpThreads` for `--threads`. */
  readonly key: string;
  /**
   * How the flag's text becomes a value before the backend validates it. Default: `string`. `data-record`: a
   * path whose data record (ocrdet-data.json, found as src/datasets/record-file.ts finds it) is the value.
   */
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'json' | 'data-record';
  /** The default in words, for one that is not a plain value of `defaults` (computed, or decided elsewhere). */
  readonly defaultText?: string;
  /** May be given several times; the option receives the list of values, in order. */
  readonly repeatable?: boolean;
}

/** How the batch progress line shows a counter a backend reports (DetectCallOptions.onCounter). */
export type CounterDisplay = 'total' | 'rate';

/**
 * A backend, declared once (./ppocr/backend.ts, ./vlm/backend.ts) and registered in ./index.ts. The record is
 * light: importing it loads neither onnxruntime-node nor the OpenAI SDK; `create` imports what it needs.
 */
export interface DetectorBackend<Options = never> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly description: string;
  /** Flags `ocrdet detect` and `ocrdet serve` add for this backend. Two backends may share a flag if they declare it alike. */
  readonly flags: readonly BackendFlag[];
  /** The backend's option defaults (its frozen DEFAULTS): the help of each flag shows its own from here. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Images in flight at once when the caller does not say (the batch's `concurrency`). */
  readonly defaultConcurrency: number;
  /** Options a long-running server (`ocrdet serve`) uses unless given (ppocr: one worker thread). */
  readonly serverDefaults?: Readonly<Record<string, unknown>>;
  /** Counters the backend reports while it works (e.g. `retries`: 'total', `tokens`: 'rate'). */
  readonly counters?: Readonly<Record<string, CounterDisplay>>;
  /** Validates the options (UsageError naming each bad one) and creates a detector. */
  create(options: Options): Promise<Detector>;
}
