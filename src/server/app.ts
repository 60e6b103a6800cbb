/**
 * The HTTP face of ocrdet: `POST /v1/detect`, `GET /healthz` and the web page, over any Detector.
 *
 * - `POST /v1/detect` takes the image as the raw request body (`Content-Type: image/*`, `application/pdf`
 *   or `application/octet-stream`, optional `?name=`), as JSON `{ "image": "<base64 or data: URL>", "name"? }`
 *   or as `multipart/form-data` with a file field `image` (./upload.ts), and answers one `Detection` (the
 *   same JSON `ocrdet detect` prints); a PDF or multi-page TIFF, an array of them, one per page
 *   (./documents.ts: `?dpi=`, `?pages=`, `?pictures=1`); `?format=text|hocr|alto` answers that document. A bad image is 422, a bad request 400, a body over the limit 413, an
 *   unsupported content type 415 (its message lists the accepted forms); every error body is
 *   `{ code, message, details? }` (the payload of src/core/errors.ts), so clients rebuild the same error.
 * - `GET /healthz` reports the detector's health (./health.ts; for vlm, whether its model servers answer),
 *   200 when `ok`, 503 when `degraded`. `GET /metrics`: Prometheus text (./metrics.ts).
 * - At most `concurrency` images are detected at once, at most `queue` more wait in arrival order; one more
 *   is refused with 503 and Retry-After as it arrives, before its body is read (./queue.ts). A request whose
 *   client has gone while it waited is dropped, not detected. Timeouts and a connection limit: ./limits.ts.
 * - The page (web/) is read once at start-up and served from memory: three small files, no static plugin.
 *
 * Tests use fastify's `inject()`; `ocrdet serve` calls `listen()`.
 */
import { readFile } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import { count } from '../core/plural.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadImageError, InterruptedError, ServerError, UsageError, toErrorPayload, toOcrdetError, type ErrorCode } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import type { Detector } from '../detectors/types.js';
import { OUTPUT_FORMATS, formatDetections } from '../formats/index.js';
import { detectDocument, parseDetectQuery } from './documents.js';
import { HealthCache } from './health.js';
import { closeUnusedConnections, LIMIT_DEFAULTS, serverLimitOptions, watchBodyPauses } from './limits.js';
import { ServerMetrics } from './metrics.js';
import { RecentMean, WorkQueue, clientGone, retryAfterSeconds } from './queue.js';
import { parseJsonBody, readMultipartUpload, unsupportedMediaMessage, type Upload } from './upload.js';

export { decodeImageField } from './upload.js';

export const SERVER_DEFAULTS = Object.freeze({
  /** Largest request body accepted, bytes. 25 MB holds any phone photo, base64-encoded. */
  maxUploadBytes: 25 * 1024 * 1024,
  /** Images detected at once; more wait in line. 2 suits the embedded detector on 2 cores. */
  concurrency: 2,
  /** Directory of the web page (index.html, app.js, style.css). Default: the package's web/. */
  webRoot: new URL('../../web/', import.meta.url).pathname,
  /** How long a `/healthz` result is reused, ms: polls every second cost the model server one request per 5 s. */
  healthCacheMs: 5000,
  /** Pages of one PDF (or TIFF) detected per request; more is a 400 that says to ask for some with ?pages=. */
  maxPages: 100,
  ...LIMIT_DEFAULTS,
});

const serverOptionsSchema = z
  .object({
    maxUploadBytes: z.number().int().positive().default(SERVER_DEFAULTS.maxUploadBytes),
    concurrency: z.number().int().positive().default(SERVER_DEFAULTS.concurrency),
    /** Requests waiting for a slot, at most; default `queuePerSlot` × concurrency. 0: refuse whatever cannot start at once. */
    queue: z.number().int().min(0).optional(),
    maxConnections: z.number().int().positive().default(SERVER_DEFAULTS.maxConnections),
    headersTimeoutMs: z.number().int().positive().default(SERVER_DEFAULTS.headersTimeoutMs),
    bodyTimeoutMs: z.number().int().positive().default(SERVER_DEFAULTS.bodyTimeoutMs),
    requestTimeoutMs: z.number().int().positive().default(SERVER_DEFAULTS.requestTimeoutMs),
    keepAliveTimeoutMs: z.number().int().positive().default(SERVER_DEFAULTS.keepAliveTimeoutMs),
    webRoot: z.string().min(1).default(SERVER_DEFAULTS.webRoot),
    healthCacheMs: z.number().int().min(0).default(SERVER_DEFAULTS.healthCacheMs),
    maxPages: z.number().int().positive().default(SERVER_DEFAULTS.maxPages),
    version: z.string().default('0.0.0'),
    logger: z.boolean().default(false),
    /** Receives one line per request answered (`POST /v1/detect 200 812 ms`), and 499 for one whose client left. */
    requestLog: z.custom<(line: string) => void>((value) => typeof value === 'function', 'must be a function').optional(),
  })
  .strict()
  .refine((o) => o.headersTimeoutMs <= o.requestTimeoutMs, { path: ['headersTimeoutMs'], error: 'must not be longer than option "requestTimeoutMs" (the whole request)' });

type ServerConfig = z.output<typeof serverOptionsSchema>;

export type ServerOptions = z.input<typeof serverOptionsSchema>;

/** HTTP status for each error code a request can end with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  OCRDET_USAGE: 400,
  OCRDET_BAD_IMAGE: 422,
  OCRDET_NOT_FOUND: 404,
  OCRDET_SERVER: 502,
  OCRDET_EMPTY_ANSWER: 502,
  OCRDET_INTERRUPTED: 503,
};

const WEB_FILES = { '/': ['index.html', 'text/html; charset=utf-8'], '/app.js': ['app.js', 'text/javascript; charset=utf-8'], '/style.css': ['style.css', 'text/css; charset=utf-8'] } as const;

function sendError(reply: FastifyReply, error: unknown, status?: number): FastifyReply {
  const payload = toErrorPayload(error);
  return reply.code(status ?? STATUS[payload.code] ?? 500).send(payload);
}

export async function buildServer(detector: Detector, options: ServerOptions = {}): Promise<FastifyInstance> {
  const config = parseOptions(serverOptionsSchema, options, 'buildServer');
  const web = new Map<string, { body: string; type: string }>();
  for (const [route, [file, type]] of Object.entries(WEB_FILES)) {
    web.set(route, { body: await readFile(new URL(file, `file://${config.webRoot.replace(/\/?$/, '/')}`), 'utf8'), type });
  }
  return routes(config, detector, web);
}

async function routes(config: ServerConfig, detector: Detector, web: Map<string, { body: string; type: string }>): Promise<FastifyInstance> {
  const queue = new WorkQueue(config.concurrency, config.queue ?? SERVER_DEFAULTS.queuePerSlot * config.concurrency);
  const metrics = new ServerMetrics(queue);
  const detectMs = new RecentMean();
  const app = Fastify({ logger: config.logger, bodyLimit: config.maxUploadBytes, ...serverLimitOptions(config) });
  app.server.maxConnections = config.maxConnections;
  closeUnusedConnections(app);
  // `parseAs: 'buffer'` gives the body as one Buffer already: taken as it is (a copy would double what a burst holds).
  const rawBody = (_request: unknown, body: string | Buffer, done: (error: null, body: Buffer) => void) => done(null, Buffer.isBuffer(body) ? body : Buffer.from(body));
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, rawBody);
  // The whole header is matched: parameters (`image/jpeg; charset=utf-8`, which some clients send) are allowed.
  app.addContentTypeParser(/^image\/[\w.+-]+(\s*;.*)?$/i, { parseAs: 'buffer' }, rawBody);
  app.addContentTypeParser('application/pdf', { parseAs: 'buffer' }, rawBody);
  // A request is counted and logged once: when its answer went out, or (499) when its client left and nothing could.
  const ended = new WeakSet<FastifyRequest>();
  const requestEnded = (request: FastifyRequest, status: number, elapsedMs: number) => {
    if (ended.has(request)) return;
    ended.add(request);
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, status, elapsedMs / 1000);
    config.requestLog?.(`${request.method} ${request.url} ${status} ${Math.round(elapsedMs)} ms${status === 499 ? ' (client closed request)' : ''}`);
  };
  app.addHook('onResponse', async (request, reply) => requestEnded(request, reply.statusCode, reply.elapsedTime));
  // One file per request, as large as a raw body may be; a few small text fields (`name`).
  await app.register(multipart, { limits: { files: 1, fileSize: config.maxUploadBytes, fields: 4, fieldSize: 4096, parts: 8 } });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.code === 'FST_REQ_FILE_TOO_LARGE') {
      return sendError(reply, new UsageError(`request body larger than ${config.maxUploadBytes} bytes`), 413);
    }
    if (error.code === 'FST_FILES_LIMIT' || error.code === 'FST_PARTS_LIMIT' || error.code === 'FST_FIELDS_LIMIT') {
      return sendError(reply, new UsageError('multipart/form-data: one file field "image" and at most a "name" field per request'), 413);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, new UsageError(unsupportedMediaMessage(request.headers['content-type'], request.headers.host)), 415);
    }
    if (error.statusCode && error.statusCode < 500) return sendError(reply, new UsageError(error.message), error.statusCode);
    return sendError(reply, toOcrdetError(error));
  });
  app.setNotFoundHandler((request, reply) => {
    // A known path asked with the wrong method is a 405 that says which one it takes, not a missing route.
    const path = request.url.split('?')[0];
    if (path === '/v1/detect') return sendError(reply.header('allow', 'POST'), new UsageError(`${request.method} ${path}: use POST (the image as the body, a form or JSON)`), 405);
    return sendError(reply, new UsageError(`no route ${request.method} ${request.url}`), 404);
  });

  const health = new HealthCache(detector, config.healthCacheMs);
  app.get('/healthz', async (_request, reply) => {
    const { status, reason, servers } = await health.check();
    return reply.code(status === 'ok' ? 200 : 503).send({
      status,
      ...(reason ? { reason } : {}),
      version: config.version,
      backend: detector.backend,
      model: detector.model,
      inFlight: queue.running,
      waiting: queue.waiting,
      ...(servers ? { servers } : {}),
    });
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));

  // A place in the queue is taken before the body is read: a request that would be one too many costs nothing.
  const bodyIn = new WeakMap<FastifyRequest, () => void>();
  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const release = queue.admit();
    if (!release) {
      metrics.imageEnded('refused');
      reply.header('retry-after', String(retryAfterSeconds(queue, detectMs))).header('connection', 'close');
      return sendError(reply, new ServerError(`busy: ${count(queue.running, 'image')} being detected and ${queue.waiting} waiting (the most this server takes: --queue); try again later`), 503);
    }
    reply.raw.once('close', release);
    bodyIn.set(request, watchBodyPauses(request, reply, config.bodyTimeoutMs));
  };
  // Each detection in its turn, dropped when the client has gone before it.
  const detectInTurn = (image: Buffer, name: string, signal: AbortSignal) =>
    queue.run(async () => {
      const startedMs = performance.now();
      try {
        return await detector.detect(image, { name, signal });
      } finally {
        detectMs.add(performance.now() - startedMs);
      }
    }, signal);

  app.post('/v1/detect', { onRequest }, async (request, reply) => {
    const query = parseDetectQuery(request.query);
    let upload: Upload;
    if (Buffer.isBuffer(request.body)) upload = { image: request.body };
    else if (request.isMultipart()) upload = await readMultipartUpload(request);
    else upload = parseJsonBody(request.body);
    bodyIn.get(request)?.();
    const { image } = upload;
    // A name given in the body, then ?name=, then the uploaded file's own name.
    const name = upload.name ?? (query.name ? query.name : undefined) ?? upload.fileName ?? 'upload';
    if (image.length === 0) return sendError(reply, new BadImageError(`${name}: empty request body`));
    const gone = clientGone(reply);
    let pages, detections;
    try {
      pages = await detectDocument(image, name, query, { detect: (page, pageName) => detectInTurn(page, pageName, gone.signal), maxPages: config.maxPages });
      detections = pages ?? [await detectInTurn(image, name, gone.signal)];
    } catch (error) {
      if (!(error instanceof InterruptedError) || !gone.signal.aborted) throw error;
      metrics.imageEnded('dropped');
      // 499 is nginx's "client closed request". Nobody reads the answer, and with the socket gone fastify never
      // calls onResponse: the request log and /metrics are told here.
      requestEnded(request, 499, reply.elapsedTime);
      return sendError(reply, error, 499);
    } finally {
      gone.dispose();
    }
    for (const detection of detections) metrics.imageEnded(detection.error ? 'failed' : 'done');
    const failed = pages ? undefined : detections[0].error;
    if (failed) return reply.code(STATUS[failed.code] ?? 500).send({ code: failed.code, message: failed.message, details: { image: name } });
    if (query.format !== 'json') {
      const format = OUTPUT_FORMATS.get(query.format);
      const documentText = formatDetections(format.name, detections, { software: { name: 'ocrdet', version: config.version }, files: [name] });
      return reply.type(format.mediaType).send(documentText);
    }
    // A document is answered page by page (an array), an image with its one Detection.
    return pages ?? detections[0];
  });

  for (const [route, file] of web) {
    app.get(route, async (_request, reply) => reply.type(file.type).header('cache-control', 'no-cache').send(file.body));
  }
  return app;
}
