/**
 * An ordered concurrent map: at most `concurrency` tasks in flight, never more; a slow task never holds the
 * others back (new tasks keep starting while it runs); results are delivered strictly in item order.
 *
 * Finished results that wait for an earlier, slower item are held in memory. `maxWaiting` bounds them: when
 * that many are waiting, no new task starts until the oldest one finishes (so one stalled request cannot
 * make memory grow without bound, nor put an unbounded amount of finished work at risk of a kill -9).
 *
 * A task that resolves to `undefined` produced nothing to deliver (e.g. it was aborted): its place is
 * skipped, so the results after it still flow. The first task or delivery that throws stops the pool:
 * nothing new starts, tasks in flight finish and are delivered in order where possible, then the error is
 * rethrown.
 */

export interface OrderedPoolOptions<T, R> {
  concurrency: number;
  /** Finished results allowed to wait for an earlier item before new tasks stop starting. */
  maxWaiting: number;
  /** Once aborted, no new task starts; tasks in flight finish and are delivered. */
  stopSignal?: AbortSignal;
  run(item: T, index: number): Promise<R | undefined>;
  /** Called once per result, in item order; awaited before the next delivery. */
  deliver(result: R, index: number): Promise<void> | void;
}

export interface OrderedPoolOutcome {
  /** Tasks started. Items after the last started one were never touched (stopped early). */
  started: number;
  delivered: number;
  /** True when the stop signal ended the pool before every item started. */
  stopped: boolean;
}

export async function runOrdered<T, R>(items: readonly T[], options: OrderedPoolOptions<T, R>): Promise<OrderedPoolOutcome> {
  const { concurrency, maxWaiting, stopSignal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const finished = new Map<number, R | undefined>();
  let nextToStart = 0;
  let nextToDeliver = 0;
  let inFlight = 0;
  let delivered = 0;
  let taskFailure: { error: unknown } | undefined;
  let deliveryFailure: { error: unknown } | undefined;

  // One wake-up for the loop below; `signalled` keeps a completion that happens before the loop waits.
  let signalled = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    signalled = true;
    wake?.();
  };
  stopSignal?.addEventListener('abort', notify, { once: true });

  const start = (index: number) => {
    inFlight++;
    Promise.resolve()
      .then(() => options.run(items[index], index))
      .then(
        (result) => finished.set(index, result),
        (error: unknown) => {
          taskFailure ??= { error };
          finished.set(index, undefined);
        },
      )
      .finally(() => {
        inFlight--;
        notify();
      });
  };

  const canStart = () =>
    !taskFailure &&
    !deliveryFailure &&
    !stopSignal?.aborted &&
    nextToStart < items.length &&
    inFlight < concurrency &&
    nextToStart - nextToDeliver - inFlight < maxWaiting;

  try {
    for (;;) {
      while (canStart()) start(nextToStart++);
      while (finished.has(nextToDeliver)) {
        const result = finished.get(nextToDeliver);
        finished.delete(nextToDeliver);
        // After a task failure, finished work is still delivered; after a failed delivery, nothing more is.
        if (result !== undefined && !deliveryFailure) {
          try {
            await options.deliver(result, nextToDeliver);
            delivered++;
          } catch (error) {
            deliveryFailure = { error };
          }
        }
        nextToDeliver++;
      }
      if (canStart()) continue;
      if (inFlight === 0) break;
      if (!signalled) await new Promise<void>((resolve) => (wake = resolve));
      signalled = false;
      wake = undefined;
    }
  } finally {
    stopSignal?.removeEventListener('abort', notify);
  }
  const failure = deliveryFailure ?? taskFailure;
  if (failure) throw failure.error;
  return { started: nextToStart, delivered, stopped: nextToStart < items.length };
}
