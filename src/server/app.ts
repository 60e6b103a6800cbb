/**
 * The HTTP face of ocrdet: `POST /v1/detect`, `GET /healthz` and the web page, over any Detector.
 *
 * - `POST /v1/detect` takes the image either as the raw request body (`Content-Type: image/*` or
 *   `application/octet-stream`, optional `?name=`) or as JSON `{ "image": "<base64 or data: URL>", "name"? }`,
 *   and answers one `Detection` (the same JSON `ocrdet detect` prints). A bad image is 422, a bad request
 *   400, a body over the limit 413, an unsupported content type 415; every error body is
 *   `{ code, message, details? }` (the payload of src/core/errors.ts), so clients rebuild the same error.
 * - At most `concurrency` images are detected at once; the others wait in arrival order.
 * - The page (web/) is read once at start-up and served from memory: three small files, no static plugin.
 *
 * Tests use fastify's `inject()`; `ocrdet serve` calls `listen()`.
 */
import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { BadImageError, UsageError, toErrorPayload, toOcrdetError, type ErrorCode } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import type { Detector } from '../detectors/types.js';
import { Semaphore } from './semaphore.js';

export const SERVER_DEFAULTS = Object.freeze({
  /** Largest request body accepted, bytes. 25 MB holds any phone photo, base64-encoded. */
  maxUploadBytes: 25 * 1024 * 1024,
  /** Images detected at once; more wait in line. 2 suits the embedded detector on 2 cores. */
  concurrency: 2,
  /** Directory of the web page (index.html, app.js, style.css). Default: the package's web/. */
  webRoot: new URL('../../web/', import.meta.url).pathname,
});

const serverOptionsSchema = z
  .object({
    maxUploadBytes: z.number().int().positive().default(SERVER_DEFAULTS.maxUploadBytes),
    concurrency: z.number().int().positive().default(SERVER_DEFAULTS.concurrency),
    webRoot: z.string().min(1).default(SERVER_DEFAULTS.webRoot),
    version: z.string().default('0.0.0'),
    logger: z.boolean().default(false),
  })
  .strict();

export type ServerOptions = z.input<typeof serverOptionsSchema>;

const jsonBodySchema = z.object({ image: z.string().min(1), name: z.string().min(1).max(500).optional() }).strict();

/** HTTP status for each error code a request can end with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  OCRDET_USAGE: 400,
  OCRDET_BAD_IMAGE: 422,
  OCRDET_NOT_FOUND: 404,
  OCRDET_SERVER: 502,
  OCRDET_INTERRUPTED: 503,
};

const WEB_FILES = { '/': ['index.html', 'text/html; charset=utf-8'], '/app.js': ['app.js', 'text/javascript; charset=utf-8'], '/style.css': ['style.css', 'text/css; charset=utf-8'] } as const;

function sendError(reply: FastifyReply, error: unknown, status?: number): FastifyReply {
  const payload = toErrorPayload(error);
  return reply.code(status ?? STATUS[payload.code] ?? 500).send(payload);
}

/** Decodes `data:image/png;base64,…` or bare base64; anything else is a usage error. */
export function decodeImageField(value: string): Buffer {
  const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(value);
  if (match && !match[2]) throw new UsageError('"image": a data: URL must be base64-encoded (";base64,")');
  const base64 = (match ? match[3] : value).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) throw new UsageError('"image": expected base64 or a data: URL');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new BadImageError('"image": empty image');
  return bytes;
}

export async function buildServer(detector: Detector, options: ServerOptions = {}): Promise<FastifyInstance> {
  const config = parseOptions(serverOptionsSchema, options, 'buildServer');
  const web = new Map<string, { body: string; type: string }>();
  for (const [route, [file, type]] of Object.entries(WEB_FILES)) {
    web.set(route, { body: await readFile(new URL(file, `file://${config.webRoot.replace(/\/?$/, '/')}`), 'utf8'), type });
  }
  const gate = new Semaphore(config.concurrency);
  const app = Fastify({ logger: config.logger, bodyLimit: config.maxUploadBytes });
  const rawBody = (_request: unknown, body: string | Buffer, done: (error: null, body: Buffer) => void) => done(null, Buffer.from(body));
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, rawBody);
  app.addContentTypeParser(/^image\/[\w.+-]+$/, { parseAs: 'buffer' }, rawBody);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, new UsageError(`request body larger than ${config.maxUploadBytes} bytes`), 413);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, new UsageError('send the image as the body (Content-Type: image/*) or as JSON {"image": "<base64>"}'), 415);
    }
    if (error.statusCode && error.statusCode < 500) return sendError(reply, new UsageError(error.message), error.statusCode);
    return sendError(reply, toOcrdetError(error));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new UsageError(`no route ${request.method} ${request.url}`), 404));

  app.get('/healthz', async () => ({
    status: 'ok',
    version: config.version,
    backend: detector.backend,
    model: detector.model,
    inFlight: gate.active,
    waiting: gate.waiting,
  }));

  app.post('/v1/detect', async (request, reply) => {
    const query = request.query as { name?: unknown };
    let image: Buffer;
    let name = typeof query.name === 'string' && query.name ? query.name : 'upload';
    if (Buffer.isBuffer(request.body)) {
      image = request.body;
    } else {
      const body = parseOptions(jsonBodySchema, request.body, 'POST /v1/detect body');
      image = decodeImageField(body.image);
      if (body.name) name = body.name;
    }
    if (image.length === 0) return sendError(reply, new BadImageError(`${name}: empty request body`));
    const detection = await gate.run(() => detector.detect(image, { name }));
    if (detection.error) {
      const match = /^(OCRDET_[A-Z_]+): (.*)$/s.exec(detection.error);
      const code = (match?.[1] ?? 'OCRDET_BAD_IMAGE') as ErrorCode;
      return reply.code(STATUS[code] ?? 500).send({ code, message: match?.[2] ?? detection.error, details: { image: name } });
    }
    return detection;
  });

  for (const [route, file] of web) {
    app.get(route, async (_request, reply) => reply.type(file.type).header('cache-control', 'no-cache').send(file.body));
  }
  return app;
}
