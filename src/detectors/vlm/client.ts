/**
 * The one place that talks HTTP to model servers, through the official `openai` SDK: list models, and
 * one chat-completion attempt at a time, with its own timeout over the WHOLE exchange (the SDK's timeout
 * stops at the response headers, so a server that stalls mid-body would hang forever). The SDK's own
 * retries are off: ./retry.ts decides, and counts.
 *
 * Every failure becomes an `AttemptFailure` that says whether another attempt is worth it. The API key is
 * sent as a bearer token and never appears in an error message, even when a server echoes it back.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';
import { ConfigError, InterruptedError, ServerError } from '../../core/errors.js';
import { optionDetails, optionName } from '../../core/options.js';
import type { ImageSize } from '../../core/types.js';
import { parseRetryAfter, type AttemptError } from './retry.js';

/** A failed attempt: a ServerError that knows whether to retry. */
export class AttemptFailure extends ServerError implements AttemptError {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly status?: number,
    /** The server could not be reached at all (refused, reset before an answer, no route, no such host). */
    readonly connection = false,
  ) {
    super(message);
  }
}

export interface ChatAnswer {
  answer: string;
  finishReason: string | null;
  promptTokens?: number;
  completionTokens?: number;
  /** The size the server resized the image to, when it says (ms-swift `images_size` with `return_details`). */
  reportedSize?: ImageSize;
}

export interface ClientOptions {
  baseUrl: string;
  /** The key itself and the NAME of the variable it was read from (`apiKeyEnv`); absent when none was named. */
  key?: { value: string; envName: string };
}

/** The placeholder key sent when none is configured (vLLM's docs use "EMPTY"; servers without auth ignore it). */
const NO_KEY = 'EMPTY';

// Parse at the edge: what we use of an answer, checked. Servers add fields freely; they are ignored.
const ChatResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.union([z.string(), z.null(), z.array(z.object({ text: z.string().optional() }).loose())]).optional() }).loose(),
        finish_reason: z.string().nullable().optional(),
      }).loose(),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).loose().nullable().optional(),
  images_size: z.array(z.tuple([z.number(), z.number()])).nullable().optional(),
}).loose();

const ModelListSchema = z.object({ data: z.array(z.object({ id: z.string() }).loose()) }).loose();

/** HTTP statuses worth another attempt (RFC 9110: 408 Request Timeout, 429 Too Many Requests; 5xx). */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function snippet(text: string, maxChars = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

/**
 * vLLM and ms-swift deploy put an error's message at the top level of the body (`{"object": "error",
 * "message": …}`); OpenAI, and so the SDK, expect it under `error`. Failed responses are rewritten to the
 * OpenAI shape so that the server's message (e.g. "maximum context length is 4096 tokens") reaches the user.
 */
async function openAiErrorShape(response: Response): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  const message = record && record.error === undefined ? (record.message ?? record.detail) : undefined;
  const fixed = message !== undefined ? JSON.stringify({ error: { message: typeof message === 'string' ? message : JSON.stringify(message) } }) : text;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  if (message !== undefined) headers.set('content-type', 'application/json');
  return new Response(fixed, { status: response.status, statusText: response.statusText, headers });
}

export class ModelClient {
  private readonly sdk: OpenAI;

  constructor(private readonly options: ClientOptions) {
    this.sdk = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.key?.value ?? NO_KEY,
      maxRetries: 0,
      fetch: async (url: string | URL | Request, init?: RequestInit) => openAiErrorShape(await fetch(url, init)),
      // Library code never prints: the SDK would log to the console (and OPENAI_LOG could turn that on).
      logLevel: 'off',
    });
  }

  /** Removes the key from any text that leaves this module. */
  redact(text: string): string {
    const key = this.options.key?.value;
    return key && key.length >= 4 ? text.split(key).join('***') : text;
  }

  /** GET /models, one attempt: the server's model list as it came (a cheap sign that the server answers). */
  listModels(timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.attempt('GET /models', timeoutMs, signal, (s) => this.sdk.models.list({ signal: s, timeout: timeoutMs }).then((page) => ({ data: page.data })));
  }

  /** The first model id the server lists (GET /models), as the reference's client did (`client.models.list().data[0].id`). */
  async firstModelId(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const list = await this.listModels(timeoutMs, signal);
    const parsed = ModelListSchema.safeParse(list);
    if (!parsed.success) throw new AttemptFailure(`GET ${this.options.baseUrl}/models: not a model list (${snippet(JSON.stringify(list))})`, true);
    const first = parsed.data.data[0]?.id;
    if (!first) throw new ConfigError(`GET ${this.options.baseUrl}/models lists no model; give one with ${optionName('model')}`, { details: optionDetails('model') });
    return first;
  }

  /** One chat-completion attempt. Throws AttemptFailure, ConfigError (401/403/404: nothing will work) or InterruptedError. */
  async chat(body: Record<string, unknown>, timeoutMs: number, signal?: AbortSignal): Promise<ChatAnswer> {
    const create = this.sdk.chat.completions.create.bind(this.sdk.chat.completions) as (b: unknown, o: unknown) => Promise<unknown>;
    const raw = await this.attempt('POST /chat/completions', timeoutMs, signal, (s) => create({ ...body, stream: false }, { signal: s, timeout: timeoutMs }));
    return this.readAnswer(raw);
  }

  private readAnswer(raw: unknown): ChatAnswer {
    const where = `POST ${this.options.baseUrl}/chat/completions`;
    if (typeof raw === 'string') throw new AttemptFailure(`${where}: the server answered with a body that is not JSON ("${this.redact(snippet(raw))}")`, true);
    const parsed = ChatResponseSchema.safeParse(raw);
    if (!parsed.success) throw new AttemptFailure(`${where}: not a chat completion (${this.redact(snippet(JSON.stringify(raw) ?? String(raw)))})`, true);
    const choice = parsed.data.choices[0];
    const content = choice.message.content;
    const answer = typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => part.text ?? '').join('') : '';
    const size = parsed.data.images_size?.[0];
    return {
      answer,
      finishReason: choice.finish_reason ?? null,
      promptTokens: parsed.data.usage?.prompt_tokens,
      completionTokens: parsed.data.usage?.completion_tokens,
      ...(size && size[0] > 0 && size[1] > 0 ? { reportedSize: { width: size[0], height: size[1] } } : {}),
    };
  }

  /** Runs one SDK call under a timeout that covers the whole exchange, and classifies what went wrong. */
  private async attempt<T>(what: string, timeoutMs: number, signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new InterruptedError(`${what}: stopped`);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await call(controller.signal);
    } catch (error) {
      throw this.classify(error, what, timeoutMs, timedOut, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private classify(error: unknown, what: string, timeoutMs: number, timedOut: boolean, signal: AbortSignal | undefined): Error {
    const url = `${this.options.baseUrl}${what.slice(what.indexOf(' ') + 1)}`;
    const method = what.slice(0, what.indexOf(' '));
    if (signal?.aborted && !timedOut) return new InterruptedError(`${method} ${url}: stopped`, { cause: error });
    if (timedOut || (error instanceof APIConnectionError && /timed? ?out/i.test(error.message))) {
      return new AttemptFailure(`${method} ${url}: no complete answer within ${timeoutMs} ms (timeout)`, true);
    }
    if (error instanceof APIUserAbortError) return new InterruptedError(`${method} ${url}: stopped`, { cause: error });
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? ((error.cause as { cause?: Error }).cause?.message ?? error.cause.message) : error.message;
      return new AttemptFailure(`${method} ${url}: connection failed (${this.redact(snippet(cause))})`, true, undefined, undefined, true);
    }
    if (error instanceof APIError && typeof error.status === 'number') return this.httpFailure(error, method, url);
    // A body that broke off mid-way, or JSON that does not parse: the exchange failed, another may not.
    const message = error instanceof Error ? error.message : String(error);
    return new AttemptFailure(`${method} ${url}: unusable answer (${this.redact(snippet(message))})`, true);
  }

  /** What to do about a refused request: name a key variable, or check the one that was named. */
  private keyHint(): string {
    const name = this.options.key?.envName;
    if (!name) return `the server wants an API key: put it in an environment variable and name it with ${optionName('apiKeyEnv')}`;
    return `check the API key variable named by ${optionName('apiKeyEnv')} (${name})`;
  }

  private httpFailure(error: APIError, method: string, url: string): Error {
    const status = error.status as number;
    const detail = this.redact(snippet(error.message.replace(/^\d{3}\s*/, '') || 'no message'));
    const prefix = `${method} ${url}: HTTP ${status}`;
    if (status === 401 || status === 403) return new ConfigError(`${prefix}, the server refused the request (${detail}); ${this.keyHint()}`, { details: optionDetails('apiKeyEnv') });
    if (status === 404) {
      return new ConfigError(`${prefix} (${detail}); check ${optionName('baseUrl')} (it usually ends in /v1) and ${optionName('model')}`, { details: optionDetails('baseUrl', 'model') });
    }
    if (retryableStatus(status)) return new AttemptFailure(`${prefix} (${detail})`, true, parseRetryAfter(error.headers), status);
    return new AttemptFailure(`${prefix} (${detail}); not retried`, false, undefined, status);
  }
}
