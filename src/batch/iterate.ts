/**
 * `detectMany`: the batch engine as an async iterable, for programs.
 *
 *   for await (const detection of detectMany(['photos/'], { concurrency: 2 })) console.log(detection.regions.length);
 *
 * Same engine as `runBatch` (concurrency, input order, resumable `out`, overlays); results arrive in input
 * order. Leaving the loop early (break, throw) stops the batch: nothing new starts, the images in flight
 * finish (and are written to `out`, if given), and the detector created here is closed.
 */
import type { Detection } from '../core/types.js';
import { runBatch, type BatchSummary, type RunBatchOptions } from './run.js';

export type DetectManyOptions = Omit<RunBatchOptions, 'inputs' | 'onDetection'>;

export async function* detectMany(inputs: readonly string[], options: DetectManyOptions = {}): AsyncGenerator<Detection, BatchSummary | undefined> {
  const stop = new AbortController();
  const stopSignal = options.stopSignal ? AbortSignal.any([options.stopSignal, stop.signal]) : stop.signal;
  const ready: { detection: Detection; taken: () => void }[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let summary: BatchSummary | undefined;
  let failure: { error: unknown } | undefined;

  // Delivery waits until the consumer takes the result: the engine runs ahead by at most its window.
  const batch = runBatch({
    ...options,
    inputs,
    stopSignal,
    onDetection: (detection) => new Promise<void>((taken) => {
      ready.push({ detection, taken });
      wake?.();
    }),
  }).then(
    (result) => (summary = result),
    (error: unknown) => (failure = { error }),
  ).finally(() => {
    finished = true;
    wake?.();
  });

  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        next.taken();
        yield next.detection;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure) throw failure.error;
    return summary;
  } finally {
    if (!finished) {
      stop.abort();
      // Results still arriving are released unread so the engine can finish and close.
      const drain = () => {
        for (const item of ready.splice(0)) item.taken();
      };
      drain();
      wake = drain;
      await batch;
    }
  }
}
