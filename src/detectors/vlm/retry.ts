/**
 * The retry policy of model requests, ours rather than the SDK's so that every retry is counted and shown:
 * exponential backoff with jitter (the "equal jitter" of the AWS Architecture Blog's "Exponential Backoff
 * and Jitter": half the delay fixed, half random, so retries of many images spread out but never hammer a
 * server that just came back), and a server's Retry-After honoured when it asks for longer.
 */
import { InterruptedError } from '../../core/errors.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseMs: number;
  maxMs: number;
  /** A longer Retry-After is cut to this. */
  maxRetryAfterMs: number;
  /** 0 ≤ random() < 1; replaceable for tests. Default Math.random. */
  random?: () => number;
}

/** What a failed attempt says about itself. */
export interface AttemptError extends Error {
  /** Worth another attempt: connection errors, timeouts, 408, 429, 5xx, unusable bodies. */
  retryable: boolean;
  /** The server's Retry-After, in ms. */
  retryAfterMs?: number;
}

export function isAttemptError(error: unknown): error is AttemptError {
  return error instanceof Error && typeof (error as AttemptError).retryable === 'boolean';
}

/** The wait before retry number `retryIndex` (0-based). */
export function backoffDelayMs(retryIndex: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retryIndex);
  const random = policy.random ?? Math.random;
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  if (retryAfterMs === undefined) return Math.round(jittered);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs)));
}

/**
 * `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) or the non-standard `retry-after-ms`, in ms;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers | undefined, nowMs = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Resolves after `ms`, or rejects with InterruptedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError('stopped while waiting to retry'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError('stopped while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each wait: the failure, the retry about to happen (1-based) and the wait. */
  onRetry?: (error: AttemptError, retryNumber: number, delayMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or has failed `retries + 1` times;
 * then rethrows the last error. `attempt` receives the attempt number (0-based).
 */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (hooks.signal?.aborted) throw error;
      if (!isAttemptError(error) || !error.retryable || n >= policy.retries) throw error;
      const delayMs = backoffDelayMs(n, policy, error.retryAfterMs);
      hooks.onRetry?.(error, n + 1, delayMs);
      await sleep(delayMs, hooks.signal);
    }
  }
}
