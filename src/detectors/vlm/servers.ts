/**
 * Several model servers (vLLM or `swift deploy` replicas of one model) behind the one-server client
 * (./client.ts), as one: each request goes to the server with the fewest requests in flight (a slow or busy
 * replica gets fewer; ties go to the least used). A server whose request failed on its side (no connection,
 * a timeout, 5xx, 429, an unusable body) hands the request at once to another server not yet tried for it;
 * only when every server has been tried does the request fail, and the caller's retry policy (./retry.ts)
 * waits and asks again. A server that refuses connections, or fails `failuresToSetAside` times in a row, is
 * set aside for a cool-down; back from it, one more failure sets it aside again for twice as long (up to
 * `maxCooldownMs`), one success makes it a full member again. With every server set aside the request fails
 * with a Retry-After until the first one is back, so the retry policy waits instead of hammering.
 *
 * With one server there is nothing to hand over to: no cool-down, the retry policy alone decides (as before
 * there was a pool). Errors that are about the request or the configuration (400, 401, 403, 404) are not the
 * server's fault: they are thrown as they are, on the first server.
 */
import { InterruptedError, toOcrdetError } from '../../core/errors.js';
import type { DetectorHealth, ServerHealth } from '../types.js';
import { AttemptFailure, type ChatAnswer, type ChatCallOptions, type ModelClient } from './client.js';
import { count } from '../../core/plural.js';

export const POOL_DEFAULTS = Object.freeze({
  /**
   * First cool-down of a server set aside, ms. Long enough not to spend a connection attempt per request on
   * a replica that is restarting, short enough to use it again soon after (vLLM loads an 8B model in ~1 min).
   */
  cooldownMs: 10_000,
  /** Longest cool-down: a server down for good is tried about twice a minute. */
  maxCooldownMs: 30_000,
  /** Failures in a row (timeouts, 5xx…) that set a server aside; a refused connection sets it aside at once. */
  failuresToSetAside: 3,
});

export type PoolOptions = Partial<Record<keyof typeof POOL_DEFAULTS, number>>;

/** One server, as the pool sees it. */
class Server {
  inFlight = 0;
  requests = 0;
  failures = 0;
  /** Failures that were a refused connection (nothing listens at the URL). */
  refusals = 0;
  failuresInRow = 0;
  timesSetAside = 0;
  setAsideUntilMs = 0;
  /** After a cool-down: one failure sets it aside again. */
  onProbation = false;
  nextCooldownMs: number;
  lastFailure: string | undefined;

  constructor(
    readonly url: string,
    readonly client: ModelClient,
    cooldownMs: number,
  ) {
    this.nextCooldownMs = cooldownMs;
  }
}

/** What `ServerPool.stats()` reports per server. */
export interface ServerStats {
  url: string;
  inFlight: number;
  /** Requests sent to it. */
  requests: number;
  /** Of those, the ones that failed on its side. */
  failures: number;
  timesSetAside: number;
  /** Ms until it is used again; 0 when in use. */
  setAsideForMs: number;
  lastFailure?: string;
}

export interface PoolCallHooks {
  /** A request is about to be sent (once per server tried). */
  onAttempt?: (url: string) => void;
  /** A request failed on `failed` and goes on to another server at once. */
  onHandover?: (error: AttemptFailure, failed: string) => void;
}

/** A failure that says the server cannot be reached at all (connection refused or reset, no route, DNS). */
function refusedConnection(error: AttemptFailure): boolean {
  return error.connection === true;
}

export class ServerPool {
  private readonly servers: Server[];
  private readonly settings: Record<keyof typeof POOL_DEFAULTS, number>;

  constructor(
    clients: readonly { url: string; client: ModelClient }[],
    options: PoolOptions = {},
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (clients.length === 0) throw new RangeError('ServerPool: no servers');
    this.settings = { ...POOL_DEFAULTS, ...options };
    this.servers = clients.map(({ url, client }) => new Server(url, client, this.settings.cooldownMs));
  }

  get size(): number {
    return this.servers.length;
  }

  get urls(): string[] {
    return this.servers.map((server) => server.url);
  }

  /** The first server's client: for what is asked of one server only (the model list at start-up). */
  get first(): ModelClient {
    return this.servers[0].client;
  }

  /** Removes every server's secrets (the API key, credentials in a URL) from text that leaves the pool. */
  redact(text: string): string {
    return this.servers.reduce((redacted, server) => server.client.redact(redacted), text);
  }

  private available(server: Server, now: number): boolean {
    return this.servers.length === 1 || server.setAsideUntilMs <= now;
  }

  /** The available server with the fewest requests in flight, then the fewest sent; `tried` are skipped. */
  private pick(tried: ReadonlySet<Server>): Server | undefined {
    const now = this.nowMs();
    let best: Server | undefined;
    for (const server of this.servers) {
      if (tried.has(server) || !this.available(server, now)) continue;
      if (!best || server.inFlight < best.inFlight || (server.inFlight === best.inFlight && server.requests < best.requests)) best = server;
    }
    return best;
  }

  /** Some server has answered a chat request since the pool was made. */
  private answered = false;

  /**
   * Nothing has ever answered and every server refused every connection: no model server runs at these URLs (or
   * none yet). A run stops then instead of failing each image after its retries; servers that answered before
   * and went away are waited for as usual.
   */
  get unreachable(): boolean {
    return !this.answered && this.servers.every((server) => server.failures > 0 && server.refusals === server.failures);
  }

  private succeeded(server: Server): void {
    this.answered = true;
    server.failuresInRow = 0;
    if (server.onProbation) {
      server.onProbation = false;
      server.nextCooldownMs = this.settings.cooldownMs;
    }
  }

  private failed(server: Server, error: AttemptFailure): void {
    server.failures++;
    if (refusedConnection(error)) server.refusals++;
    server.failuresInRow++;
    server.lastFailure = error.message;
    const now = this.nowMs();
    // With one server there is no other to use; a server already set aside (requests sent to it before) stays so.
    if (this.servers.length === 1 || server.setAsideUntilMs > now) return;
    if (refusedConnection(error) || server.onProbation || server.failuresInRow >= this.settings.failuresToSetAside) {
      server.setAsideUntilMs = now + server.nextCooldownMs;
      server.nextCooldownMs = Math.min(this.settings.maxCooldownMs, server.nextCooldownMs * 2);
      server.timesSetAside++;
      server.failuresInRow = 0;
      server.onProbation = true;
    }
  }

  /** Every server is set aside: fail with the wait until the first is back, so the retry policy waits that long. */
  private allSetAside(last: AttemptFailure | undefined): AttemptFailure {
    const now = this.nowMs();
    const backInMs = Math.max(0, Math.min(...this.servers.map((server) => server.setAsideUntilMs)) - now);
    const why = last ? `; last: ${last.message}` : '';
    return new AttemptFailure(`all ${this.servers.length} model servers are set aside after failures; the first is back in ${Math.ceil(backInMs / 1000)} s${why}`, true, backInMs);
  }

  /** One chat completion, handed from server to server on their failures (see the top of this file). */
  async chat(body: Record<string, unknown>, timeoutMs: number, call: ChatCallOptions = {}, hooks: PoolCallHooks = {}): Promise<ChatAnswer> {
    const { signal } = call;
    const tried = new Set<Server>();
    let last: AttemptFailure | undefined;
    for (;;) {
      if (signal?.aborted) throw new InterruptedError('stopped before the request was sent');
      const server = this.pick(tried);
      if (!server) throw tried.size === 0 ? this.allSetAside(last) : (last ?? this.allSetAside(last));
      tried.add(server);
      server.inFlight++;
      server.requests++;
      hooks.onAttempt?.(server.url);
      try {
        const answer = await server.client.chat(body, timeoutMs, call);
        this.succeeded(server);
        return answer;
      } catch (error) {
        if (!(error instanceof AttemptFailure) || !error.retryable || signal?.aborted) throw error;
        this.failed(server, error);
        last = error;
        if (this.servers.length > 1 && this.pick(tried)) hooks.onHandover?.(error, server.url);
      } finally {
        server.inFlight--;
      }
    }
  }

  /** The first model id the first server that answers lists (replicas serve the same model). */
  async firstModelId(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    let last: unknown;
    for (const server of this.servers) {
      try {
        return await server.client.firstModelId(timeoutMs, signal);
      } catch (error) {
        if (!(error instanceof AttemptFailure) || !error.retryable) throw error;
        last = error;
      }
    }
    throw last;
  }

  stats(): ServerStats[] {
    const now = this.nowMs();
    return this.servers.map((server) => ({
      url: server.url,
      inFlight: server.inFlight,
      requests: server.requests,
      failures: server.failures,
      timesSetAside: server.timesSetAside,
      setAsideForMs: Math.max(0, Math.round(server.setAsideUntilMs - now)),
      ...(server.lastFailure ? { lastFailure: server.lastFailure } : {}),
    }));
  }

  /**
   * GET /models on every server at once, no retry: `ok` when at least one answers (requests still go
   * through), `degraded` with each one's reason when none does. Each server is listed with its state.
   */
  async health(timeoutMs: number): Promise<DetectorHealth> {
    const checks = await Promise.all(
      this.servers.map(async (server): Promise<{ ok: boolean; reason?: string }> => {
        try {
          await server.client.listModels(timeoutMs);
          return { ok: true };
        } catch (error) {
          return { ok: false, reason: server.client.redact(toOcrdetError(error).message) };
        }
      }),
    );
    const stats = this.stats();
    const servers: ServerHealth[] = stats.map((stat, i) => ({
      url: stat.url,
      status: !checks[i].ok ? 'down' : stat.setAsideForMs > 0 ? 'set aside' : 'ok',
      inFlight: stat.inFlight,
      requests: stat.requests,
      failures: stat.failures,
      ...(checks[i].reason ? { reason: checks[i].reason } : stat.setAsideForMs > 0 && stat.lastFailure ? { reason: this.redact(stat.lastFailure) } : {}),
    }));
    const up = checks.filter((check) => check.ok).length;
    if (up > 0) return { status: 'ok', ...(this.servers.length > 1 ? { servers } : {}) };
    const reason = this.servers.length === 1 ? (checks[0].reason ?? 'no answer') : `none of the ${this.servers.length} model servers answers: ${servers.map((s) => `${s.url}: ${s.reason ?? 'no answer'}`).join('; ')}`;
    return { status: 'degraded', reason, ...(this.servers.length > 1 ? { servers } : {}) };
  }

  /** One line per server, for the end of a run: `http://a:8000/v1: 120 requests, 3 failed, set aside once`. */
  summaryLines(): string[] {
    if (this.servers.length === 1) return [];
    return this.stats().map((stat) => {
      const failed = stat.failures > 0 ? `, ${stat.failures} failed` : '';
      const aside = stat.timesSetAside === 0 ? '' : stat.timesSetAside === 1 ? ', set aside once' : `, set aside ${stat.timesSetAside} times`;
      const last = stat.failures > 0 && stat.lastFailure ? ` (last: ${this.redact(stat.lastFailure.replace(/^\S+ \S+: /, ''))})` : '';
      return `server ${stat.url}: ${count(stat.requests, 'request')}${failed}${aside}${last}`;
    });
  }
}
