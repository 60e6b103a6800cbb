/**
 * The work a server takes on: at most `concurrency` images detected at once, at most `queue` more waiting
 * in arrival order, and nothing beyond: a request that would be one too many is refused when it arrives,
 * before its body is read (so a burst of large uploads costs only the bodies of the requests admitted).
 *
 * A place is taken with `admit()` when a request arrives and given back when its response ends (however it
 * ends); `run()` waits for a detection slot, first come first served, and a request whose client has gone
 * while it waited (its `signal` aborted) leaves the line without being run.
 */
import { InterruptedError } from '../core/errors.js';

interface Waiter {
  start: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class WorkQueue {
  #admitted = 0;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(
    /** Images detected at once. */
    readonly concurrency: number,
    /** Requests waiting beyond those, at most. */
    readonly queue: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`WorkQueue concurrency must be a positive integer, got ${concurrency}`);
    if (!Number.isInteger(queue) || queue < 0) throw new RangeError(`WorkQueue queue must be a non-negative integer, got ${queue}`);
  }

  /** Requests being detected now. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for a detection slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Requests holding a place: being received, waiting or being detected. */
  get admitted(): number {
    return this.#admitted;
  }

  /** Takes a place, or returns undefined when all `concurrency + queue` are taken. The function gives it back (once). */
  admit(): (() => void) | undefined {
    if (this.#admitted >= this.concurrency + this.queue) return undefined;
    this.#admitted++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#admitted--;
    };
  }

  /**
   * Runs `task` when a slot is free (at once if one is). Rejects with InterruptedError, without running it,
   * when `signal` aborts before its turn.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new InterruptedError('the client went away before its turn');
    // A finishing task hands its slot straight to the next waiter, so a newcomer can never slip in between.
    if (this.#running >= this.concurrency) await this.#wait(signal);
    else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) {
        if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
        next.start();
      } else this.#running--;
    }
  }

  #wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { start: resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.#waiting.indexOf(waiter);
          if (at !== -1) this.#waiting.splice(at, 1);
          reject(new InterruptedError('the client went away before its turn'));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiting.push(waiter);
    });
  }
}

/** A mean of the last few detection times, for Retry-After. */
export class RecentMean {
  private readonly values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
    if (this.values.length > 20) this.values.shift();
  }

  /** The mean, or 1 s before anything was measured. */
  get ms(): number {
    return this.values.length === 0 ? 1000 : this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }
}

/** When a refused client should come back: the time the line ahead of it takes, at least 1 s, at most a minute. */
export function retryAfterSeconds(queue: WorkQueue, detectMs: RecentMean): number {
  const seconds = ((queue.waiting + queue.running) * detectMs.ms) / queue.concurrency / 1000;
  return Math.min(60, Math.max(1, Math.ceil(seconds)));
}

/**
 * A signal that aborts when the client has gone: its response closed before it was written. (The request's own
 * 'close' fires as soon as a POST body has been read, even for a client that still waits: fastify/fastify#6725.)
 */
export function clientGone(reply: { raw: { writableEnded: boolean; once(event: 'close', listener: () => void): unknown; off(event: 'close', listener: () => void): unknown } }): { signal: AbortSignal; dispose: () => void } {
  const gone = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) gone.abort();
  };
  reply.raw.once('close', onClose);
  return { signal: gone.signal, dispose: () => void reply.raw.off('close', onClose) };
}
