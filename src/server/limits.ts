/**
 * What a server holds before it says no: the connections it keeps, how long a client may take to send its
 * request, and how much work it queues (./queue.ts). Node enforces the header and request timeouts itself,
 * but only when it checks its connections, every `connectionsCheckingInterval` (30 s by default: a limit
 * could fire 30 s late), so the check runs every second here. A connection beyond `maxConnections` is closed
 * by Node as it is accepted (the client sees a reset, not a 503: there is no request yet to answer).
 */
import { STATUS_CODES, type ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const LIMIT_DEFAULTS = Object.freeze({
  /**
   * Requests waiting for a detection slot, per slot (`queue` = this × concurrency unless given): 4 keeps a
   * client's wait under ~5 detections while a burst of 64 uploads on 2 slots gets most of them refused at once.
   */
  queuePerSlot: 4,
  /** Open connections at once (keep-alive ones included); more are closed as they arrive. */
  maxConnections: 128,
  /** All the request's headers must arrive within this long, ms (Node's default: 60 s). */
  headersTimeoutMs: 10_000,
  /** While the body is being received, a pause longer than this ends the request with 408, ms. */
  bodyTimeoutMs: 30_000,
  /** The whole request (headers and body) must arrive within this long, ms: 25 MB at 2 Mbit/s takes 100 s. */
  requestTimeoutMs: 120_000,
  /**
   * An idle keep-alive connection is closed after this long, ms. fastify's default, 72 s: longer than the
   * 60 s idle timeout of common load balancers, so the balancer, not the server, closes idle connections.
   */
  keepAliveTimeoutMs: 72_000,
  /** How often Node checks the header and request timeouts, ms. */
  connectionsCheckingIntervalMs: 1000,
});

export interface Limits {
  maxConnections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** The fastify (and Node http) options that carry the limits; `maxConnections` is set on the server after. */
export function serverLimitOptions(limits: Limits): { requestTimeout: number; keepAliveTimeout: number; http: ServerOptions; clientErrorHandler: (error: NodeJS.ErrnoException, socket: Duplex) => void } {
  return {
    clientErrorHandler: answerClientError,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: LIMIT_DEFAULTS.connectionsCheckingIntervalMs },
  };
}

/** A raw HTTP answer in ocrdet's error shape, `{code, message}`, closing the connection. */
function rawErrorAnswer(status: number, message: string): string {
  const body = JSON.stringify({ code: 'OCRDET_USAGE', message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const REQUEST_TIMEOUT = rawErrorAnswer(408, 'the request body stopped coming (--body-timeout)');

/**
 * What Node reports on a connection before any route sees it (headers or request too slow, headers too large, a
 * request that is not HTTP), answered in ocrdet's error shape instead of fastify's `{error, statusCode}`.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request did not arrive in time (--headers-timeout for its headers, --request-timeout for all of it)']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request headers too large']
        : [400, `not a well-formed HTTP request (${error.code ?? error.message})`];
  if (socket.writable) socket.write(rawErrorAnswer(status, message));
  socket.destroy();
}

/**
 * Ends the request with 408 when its body stops coming for `timeoutMs` (Node has no such limit: its request
 * timeout only bounds the whole). Returns the function to call once the body is in.
 */
export function watchBodyPauses(request: FastifyRequest, reply: FastifyReply, timeoutMs: number): () => void {
  const socket = request.raw.socket as (typeof request.raw.socket | undefined);
  // fastify's inject() has no real socket: nothing to watch.
  if (!socket || typeof socket.setTimeout !== 'function' || timeoutMs <= 0) return () => undefined;
  const onPause = () => {
    if (reply.raw.headersSent || !socket.writable) return void socket.destroy();
    // As Node answers its own request timeout: 408, then the connection closes once the answer is out.
    socket.end(REQUEST_TIMEOUT, () => socket.destroy());
  };
  // Heard on the request: Node's own handler of the socket's timeout destroys the socket unless the request
  // (or the response, or the server) listens for it.
  request.raw.once('timeout', onPause);
  socket.setTimeout(timeoutMs);
  return () => {
    socket.setTimeout(0);
    request.raw.off('timeout', onPause);
  };
}

/**
 * On close, ends the connections that carry no request: idle keep-alive ones and those a browser opened ahead
 * of a request it never sent. fastify closes only the idle keep-alive ones, and Node stops checking its header
 * timeout once the server closes, so one unused connection of a browser held `close()` for as long as the
 * browser kept it (over a minute). Connections with a request in flight finish it first.
 */
export function closeUnusedConnections(app: FastifyInstance): void {
  const open = new Set<Socket>();
  const busy = new Map<Socket, number>();
  let closing = false;
  const endIfUnused = (socket: Socket) => {
    if (closing && !busy.has(socket)) socket.destroy();
  };
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
    });
  });
  app.server.on('request', (request: { socket: Socket }, response: { once(event: 'close', listener: () => void): unknown }) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) busy.set(socket, left);
      else busy.delete(socket);
      endIfUnused(socket);
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of open) endIfUnused(socket);
  });
}
