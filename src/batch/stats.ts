/**
 * What a running batch reports to its progress callback: counts, the recent throughput, an ETA, and the
 * counters the backend reports (retries, tokens…).
 */

export interface BatchProgress {
  /** Images in the input list. */
  total: number;
  /** Images already in the results file (skipped by this run). */
  skipped: number;
  /** Images this run has to do: total − skipped. */
  todo: number;
  /** Images finished by this run, with regions or with an error. */
  done: number;
  /** Images finished by this run with an error. */
  failed: number;
  inFlight: number;
  /** Since the run started. */
  elapsedMs: number;
  /** Images per second over the last `RATE_WINDOW_MS` (over the whole run until that has a few images). */
  imagesPerSecond: number;
  /** Time left at the current rate; undefined until the first image is done. */
  etaMs: number | undefined;
  /** Totals of the counters the backend reported (DetectCallOptions.onCounter). */
  counters: Readonly<Record<string, number>>;
  /** A stop was requested: no new image starts, the ones in flight finish. */
  stopping: boolean;
}

/** The rate is measured over this recent window so a slow start (model loading) does not skew the ETA. */
const RATE_WINDOW_MS = 30_000;
/** Fewer completions than this in the window: use the whole-run average instead. */
const MIN_WINDOW_SAMPLES = 5;

export class BatchStats {
  readonly counters: Record<string, number> = {};
  done = 0;
  failed = 0;
  inFlight = 0;
  stopping = false;
  private readonly startedMs = performance.now();
  private readonly recentMs: number[] = [];

  constructor(
    readonly total: number,
    readonly skipped: number,
  ) {}

  started(): void {
    this.inFlight++;
  }

  finished(failed: boolean): void {
    this.inFlight--;
    this.done++;
    if (failed) this.failed++;
    this.recentMs.push(performance.now());
  }

  /** An image given up on (hard abort): not done, not counted. */
  dropped(): void {
    this.inFlight--;
  }

  count(name: string, increment: number): void {
    if (!Number.isFinite(increment)) return;
    this.counters[name] = (this.counters[name] ?? 0) + increment;
  }

  elapsedMs(): number {
    return performance.now() - this.startedMs;
  }

  private rate(nowMs: number): number {
    while (this.recentMs.length > 0 && nowMs - this.recentMs[0] > RATE_WINDOW_MS) this.recentMs.shift();
    const elapsed = nowMs - this.startedMs;
    if (this.recentMs.length >= MIN_WINDOW_SAMPLES && elapsed > RATE_WINDOW_MS) {
      return (this.recentMs.length / RATE_WINDOW_MS) * 1000;
    }
    return elapsed > 0 ? (this.done / elapsed) * 1000 : 0;
  }

  snapshot(): BatchProgress {
    const nowMs = performance.now();
    const todo = this.total - this.skipped;
    const imagesPerSecond = this.rate(nowMs);
    const left = todo - this.done;
    return {
      total: this.total,
      skipped: this.skipped,
      todo,
      done: this.done,
      failed: this.failed,
      inFlight: this.inFlight,
      elapsedMs: nowMs - this.startedMs,
      imagesPerSecond,
      etaMs: this.done > 0 && imagesPerSecond > 0 ? (left / imagesPerSecond) * 1000 : undefined,
      counters: { ...this.counters },
      stopping: this.stopping,
    };
  }
}
