/**
 * `GET /metrics` in the Prometheus text format, with prom-client (the Node client of the field; 15.1.3 is
 * its last release for Node 20 — its successor, @prometheus-io/client, needs Node 22). One registry per
 * server, so several servers in one process (tests, a program) keep their own counts.
 *
 * Requests are counted by route (the route's pattern, never the raw URL, which a client could make unique
 * per request) and status; images by how they ended; the queue and the process (memory, event-loop delay,
 * CPU: prom-client's default metrics) as they are when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueue } from './queue.js';

/** How an image sent to `POST /v1/detect` ended. */
export type ImageOutcome = 'done' | 'failed' | 'dropped' | 'refused';

/** images/s is measured over this window. */
const RATE_WINDOW_MS = 60_000;

/** Request latency buckets, s: from a small image on the embedded detector to a long model answer. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route'>;
  private readonly images: Counter<'outcome'>;
  private readonly finishedMs: number[] = [];

  constructor(queue: WorkQueue, private readonly nowMs: () => number = () => performance.now()) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'ocrdet_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new Histogram({ name: 'ocrdet_http_request_duration_seconds', help: 'Time from a request\'s arrival to its response, by route pattern', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    this.images = new Counter({ name: 'ocrdet_images_total', help: 'Images sent to POST /v1/detect, by how they ended: done, failed (a bad image, a model server error), dropped (the client left while it waited), refused (the queue was full)', labelNames: ['outcome'], registers });
    for (const outcome of ['done', 'failed', 'dropped', 'refused'] as const) this.images.inc({ outcome }, 0);
    const gauge = (name: string, help: string, read: () => number) => new Gauge({ name, help, registers, collect() { this.set(read()); } });
    gauge('ocrdet_in_flight', 'Images being detected now', () => queue.running);
    gauge('ocrdet_queue_depth', 'Requests waiting for a detection slot', () => queue.waiting);
    gauge('ocrdet_concurrency', 'Images detected at once, at most (--concurrency)', () => queue.concurrency);
    gauge('ocrdet_queue_limit', 'Requests allowed to wait, at most (--queue)', () => queue.queue);
    gauge('ocrdet_images_per_second', `Images done or failed per second over the last ${RATE_WINDOW_MS / 1000} s`, () => this.imagesPerSecond());
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One answered request; `route` is the route's pattern, or "unmatched". */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  imageEnded(outcome: ImageOutcome): void {
    this.images.inc({ outcome });
    if (outcome === 'done' || outcome === 'failed') this.finishedMs.push(this.nowMs());
  }

  private imagesPerSecond(): number {
    const now = this.nowMs();
    while (this.finishedMs.length > 0 && now - this.finishedMs[0] > RATE_WINDOW_MS) this.finishedMs.shift();
    return this.finishedMs.length / (RATE_WINDOW_MS / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
