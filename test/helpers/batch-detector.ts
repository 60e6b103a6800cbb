/**
 * A small, real in-process Detector for tests of the batch engine's OWN behaviour (concurrency limits,
 * ordering with slow images, stop/abort, resume). It is not a stand-in for ppocr: it reads each image's
 * header with src/image/probe.ts (so bad files fail for real) and "detects" one region covering the whole
 * image. Tests can hold any image in flight until they release it, and wait for an image to start, which
 * makes slow-image scenarios deterministic without timers.
 */
import { basename } from 'node:path';
import type { Detection } from '../../src/core/types.js';
import { failedDetection } from '../../src/detectors/failed.js';
import type { DetectCallOptions, Detector } from '../../src/detectors/types.js';
import { probeImage } from '../../src/image/probe.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class HeaderDetector implements Detector {
  readonly backend = 'header-test';
  readonly model = 'image-header';
  inFlight = 0;
  maxInFlight = 0;
  /** Base names, in the order detect() was called. */
  readonly started: string[] = [];
  /** Base names, in the order detect() returned. */
  readonly finished: string[] = [];
  closed = false;
  private readonly holds = new Map<string, Deferred>();
  private readonly startWaiters = new Map<string, Deferred>();

  /** Images (base names) whose detect() waits until `release(name)`. */
  hold(...names: string[]): this {
    for (const name of names) this.holds.set(name, deferred());
    return this;
  }

  release(name: string): void {
    this.holds.get(name)?.resolve();
  }

  /** Resolves once detect() has been called for `name`. */
  whenStarted(name: string): Promise<void> {
    if (this.started.includes(name)) return Promise.resolve();
    const waiter = this.startWaiters.get(name) ?? deferred();
    this.startWaiters.set(name, waiter);
    return waiter.promise;
  }

  async detect(input: string | Buffer, options: DetectCallOptions = {}): Promise<Detection> {
    const image = typeof input === 'string' ? input : (options.name ?? 'buffer');
    const name = basename(image);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.started.push(name);
    this.startWaiters.get(name)?.resolve();
    const startedMs = performance.now();
    try {
      const hold = this.holds.get(name);
      if (hold) {
        await Promise.race([
          hold.promise,
          new Promise<never>((_, reject) => {
            if (options.signal?.aborted) reject(options.signal.reason);
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
          }),
        ]);
      }
      options.onCounter?.('probes', 1);
      const { width, height } = await probeImage(input);
      const region = { points: [[0, 0], [width, 0], [width, height], [0, height]] as [number, number][], box: [0, 0, width, height] as [number, number, number, number] };
      return { image, width, height, regions: [region], backend: this.backend, model: this.model, timings: { total: performance.now() - startedMs } };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return failedDetection({ image, backend: this.backend, model: this.model, timings: { total: performance.now() - startedMs } }, error);
    } finally {
      this.inFlight--;
      this.finished.push(name);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Lets every pending promise callback and I/O completion that is already due run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits (without a timer of its own) until `condition()` holds, checking after each turn of the event loop. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
