/**
 * The detector's health as `GET /healthz` reports it, checked at most once per `cacheMs`: load balancers and
 * orchestrators poll every few seconds, and each check of a vlm detector is a request to its model server.
 * Checks that arrive while one is running share it.
 */
import type { Detector, DetectorHealth } from '../detectors/types.js';

const ALWAYS_OK: DetectorHealth = Object.freeze({ status: 'ok' });

export class HealthCache {
  #last: { startedMs: number; health: Promise<DetectorHealth> } | undefined;

  constructor(
    private readonly detector: Detector,
    private readonly cacheMs: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** The last result if it started less than `cacheMs` ago, else a new check. Never rejects. */
  check(): Promise<DetectorHealth> {
    if (!this.detector.health) return Promise.resolve(ALWAYS_OK);
    const now = this.nowMs();
    if (this.#last && now - this.#last.startedMs < this.cacheMs) return this.#last.health;
    const health = this.detector.health().catch((error: unknown): DetectorHealth => ({
      status: 'degraded',
      reason: error instanceof Error ? error.message : String(error),
    }));
    this.#last = { startedMs: now, health };
    return health;
  }
}
