/**
 * A detector run in worker threads: N workers, each with its own detector (and so its own model sessions),
 * behind the one Detector interface. The embedded ppocr backend runs onnxruntime synchronously on the
 * thread that calls it, so in one thread a detection holds the event loop for the length of each model run
 * (a server's health checks, metrics and "busy" answers waited up to a second under load, bench/serve.bench.js);
 * in workers the calling thread stays free, and N workers use more cores than one thread's sessions can.
 *
 * Each call goes to the worker with the fewest detections in flight. Images are copied to the worker (a
 * path is sent as it is); Detections come back as data, errors as `{ code, message, details }` rebuilt into
 * the same class (src/core/errors.ts). A worker that dies fails only the detections it had in flight
 * (OCRDET_MODEL) and is started again for the next one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ModelError, UsageError, fromErrorPayload, type ErrorPayload } from '../core/errors.js';
import type { Detection } from '../core/types.js';
import { rawImageSize } from '../image/sharp.js';
import type { DetectCallOptions, Detector } from './types.js';

/** Messages from a worker (./worker.ts). */
export type FromWorker =
  | { type: 'ready'; model: string }
  | { type: 'failed'; error: ErrorPayload }
  | { type: 'result'; id: number; detection: Detection }
  | { type: 'error'; id: number; error: ErrorPayload }
  | { type: 'counter'; id: number; name: string; increment: number };

/** Messages to a worker. */
export type ToWorker =
  | { type: 'detect'; id: number; input: string | Uint8Array; raw?: { width: number; height: number }; name?: string; concurrency?: number }
  | { type: 'abort'; id: number }
  | { type: 'close' };

export interface WorkerSetup {
  backend: string;
  /** The backend's options for the detector inside each worker (without `workers`). */
  options: Record<string, unknown>;
}

/**
 * The worker script, built beside this module (dist/detectors/worker.js). Tests run the TypeScript sources,
 * where no .js sits beside this file: they use the build's (`npm test` builds first).
 */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/detectors/worker.js', import.meta.url);
}

interface Call {
  resolve: (detection: Detection) => void;
  reject: (error: Error) => void;
  options: DetectCallOptions;
}

class DetectorThread {
  readonly calls = new Map<number, Call>();
  readonly ready: Promise<string>;
  private readonly worker: Worker;
  dead = false;

  constructor(setup: WorkerSetup) {
    this.worker = new Worker(workerScript(), { workerData: setup });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve(message.model);
        else if (message.type === 'failed') reject(fromErrorPayload(message.error));
        else this.receive(message);
      });
      this.worker.once('error', (error) => reject(new ModelError(`detector worker failed to start: ${error.message}`, { cause: error })));
    });
    this.ready.catch(() => undefined);
    this.worker.once('exit', (code) => {
      this.dead = true;
      for (const call of this.calls.values()) call.reject(new ModelError(`detector worker stopped (exit code ${code}) during a detection`));
      this.calls.clear();
    });
  }

  private receive(message: Exclude<FromWorker, { type: 'ready' | 'failed' }>): void {
    const call = this.calls.get(message.id);
    if (!call) return;
    if (message.type === 'counter') return void call.options.onCounter?.(message.name, message.increment);
    this.calls.delete(message.id);
    if (message.type === 'result') call.resolve(message.detection);
    else call.reject(fromErrorPayload(message.error));
  }

  detect(id: number, input: string | Buffer, options: DetectCallOptions): Promise<Detection> {
    return new Promise((resolve, reject) => {
      const onAbort = () => this.post({ type: 'abort', id });
      const done = () => options.signal?.removeEventListener('abort', onAbort);
      this.calls.set(id, { resolve: (detection) => (done(), resolve(detection)), reject: (error) => (done(), reject(error)), options });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // A Buffer is copied into the worker (transferring it could detach a pool other Buffers share).
      const raw = rawImageSize(input);
      this.post({
        type: 'detect',
        id,
        input: typeof input === 'string' ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength),
        // Decoded pixels (a rendered PDF page) are marked as such again in the worker.
        ...(raw ? { raw } : {}),
        name: options.name,
        concurrency: options.concurrency,
      });
      if (options.signal?.aborted) onAbort();
    });
  }

  post(message: ToWorker): void {
    if (!this.dead) this.worker.postMessage(message);
  }

  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export class WorkerDetector implements Detector {
  private readonly threads: DetectorThread[] = [];
  private nextId = 0;
  private closed = false;
  /**
   * One image per worker at a time by default: a second one in the same worker overlaps its decoding with the
   * other's model runs (+15 % images/s on seed-test photos) but holds two decoded images at once (a 19 MP upload
   * is ~200 MB while it is detected: bench/serve.bench.js).
   */
  readonly defaultConcurrency: number;

  private constructor(
    readonly backend: string,
    readonly model: string,
    private readonly setup: WorkerSetup,
    readonly workers: number,
  ) {
    this.defaultConcurrency = workers;
  }

  /** Starts `count` workers, each with a detector made from `setup`; resolves when all are ready. */
  static async start(setup: WorkerSetup, count: number): Promise<WorkerDetector> {
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`workers: expected a positive integer, received ${count}`);
    const threads = Array.from({ length: count }, () => new DetectorThread(setup));
    try {
      const [model] = await Promise.all(threads.map((thread) => thread.ready));
      const detector = new WorkerDetector(setup.backend, model, setup, count);
      detector.threads.push(...threads);
      return detector;
    } catch (error) {
      await Promise.all(threads.map((thread) => thread.close()));
      throw error;
    }
  }

  /** The living worker with the fewest detections in flight (a dead one, whose calls have failed, is replaced first). */
  private pick(): DetectorThread {
    for (let i = 0; i < this.threads.length; i++) {
      if (this.threads[i].dead) this.threads[i] = new DetectorThread(this.setup);
    }
    return this.threads.reduce((best, thread) => (thread.calls.size < best.calls.size ? thread : best));
  }

  async detect(input: string | Buffer, options: DetectCallOptions = {}): Promise<Detection> {
    if (this.closed) throw new UsageError(`${this.backend} detector: detect() called after close()`);
    const thread = this.pick();
    await thread.ready;
    return thread.detect(this.nextId++, input, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
