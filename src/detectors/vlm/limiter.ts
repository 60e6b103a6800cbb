/**
 * A first-come-first-served limit on requests in flight, shared by every image a detector works on, so
 * that tiles of one image and whole images of others together never exceed the limit.
 */
import { InterruptedError } from '../../core/errors.js';

interface Waiter {
  grant: () => void;
  reject: (error: Error) => void;
}

export class RequestLimiter {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(private limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`request limit must be a positive integer, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get maxInFlight(): number {
    return this.limit;
  }

  /** Changes the limit; a larger one lets waiting requests start at once. */
  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1 || limit === this.limit) return;
    this.limit = limit;
    this.drain();
  }

  /** Waits for a free slot; returns the function that frees it (call it exactly once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new InterruptedError('stopped before the request was sent'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.active--;
            this.drain();
          });
        },
        reject,
      };
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index !== -1) this.queue.splice(index, 1);
        reject(new InterruptedError('stopped before the request was sent'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.drain();
    });
  }

  private drain(): void {
    while (this.active < this.limit && this.queue.length > 0) this.queue.shift()!.grant();
  }
}
