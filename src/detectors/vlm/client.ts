/**
 * The one place that talks HTTP to model servers, through the official `openai` SDK: list models, and
 * one chat-completion attempt at a time, with its own timeout over the WHOLE exchange (the SDK's timeout
 * stops at the response headers, so a server that stalls mid-body would hang forever). The SDK's own
 * retries are off: ./retry.ts decides, and counts. No response is read past `maxAnswerBytes` (./http.ts).
 *
 * Every failure becomes an `AttemptFailure` that says whether another attempt is worth it; an answer with no
 * content is an `EmptyAnswerFailure`, retried like a failure. The API key (a bearer token) and credentials
 * of the base URL (a Basic header, ./secrets.ts) never appear in any text this module returns: error
 * messages, answers and reasoning are redacted whole, before anything is cut short.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';
import { ConfigError, EmptyAnswerError, InterruptedError, ServerError } from '../../core/errors.js';
import { optionDetails, optionName } from '../../core/options.js';
import type { ImageSize } from '../../core/types.js';
import { answerTooLarge, boundedBody, maxAnswerBytes, openAiErrorShape } from './http.js';
import { parseRetryAfter, type AttemptError } from './retry.js';
import { Secrets } from './secrets.js';

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

/** What an answer without content held instead: the finish reason and how much reasoning came. */
export interface EmptyAnswerFacts {
  /** `null`, `""` or whitespace. */
  content: 'null' | 'empty' | 'whitespace';
  finishReason: string | null;
  /** Characters of `reasoning_content` (or `reasoning`) the answer held; 0 when none. */
  reasoningChars: number;
}

/** An attempt whose answer had no content: worth another attempt (servers under load answer empty now and then). */
export class EmptyAnswerFailure extends EmptyAnswerError implements AttemptError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly facts: EmptyAnswerFacts,
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
  /** Characters of reasoning (`reasoning_content` / `reasoning`) beside the answer; absent when none. */
  reasoningChars?: number;
}

export interface ClientOptions {
  /** The server's base URL, without credentials (./secrets.ts splitCredentials). */
  baseUrl: string;
  /** The key itself and the NAME of the variable it was read from (`apiKeyEnv`); absent when none was named. */
  key?: { value: string; envName: string };
  /** `Basic …` from credentials that were in the base URL. */
  authorization?: string;
  /** Further secrets to redact (the base URL's user and password). */
  secrets?: readonly string[];
  /** The answer-token limit asked for: bounds the bytes read from each response (./http.ts). Default 2048. */
  maxTokens?: number;
}

export interface ChatCallOptions {
  signal?: AbortSignal;
  /** An answer with no content is an answer ("no text") instead of an EmptyAnswerFailure, unless cut off at the token limit. */
  acceptEmpty?: boolean;
}

/** The placeholder key sent when none is configured (vLLM's docs use "EMPTY"; servers without auth ignore it). */
const NO_KEY = 'EMPTY';

const text = z.string().nullable().optional().catch(undefined);

// Parse at the edge: what we use of an answer, checked. Servers add fields freely; they are ignored.
// Reasoning models' thoughts come as `reasoning_content` (vLLM before 0.10, DeepSeek, SGLang) or `reasoning`.
const ChatResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z
          .object({
            content: z.union([z.string(), z.null(), z.array(z.object({ text: z.string().optional() }).loose())]).optional(),
            reasoning_content: text,
            reasoning: text,
          })
          .loose(),
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

/** Why an answer is empty, in words: `content null, finish_reason "length", 1200 characters of reasoning only`. */
export function describeEmptyAnswer(facts: EmptyAnswerFacts): string {
  const content = facts.content === 'null' ? 'content null' : facts.content === 'empty' ? 'content ""' : 'content only whitespace';
  const finish = facts.finishReason ? `, finish_reason "${facts.finishReason}"` : '';
  const reasoning = facts.reasoningChars > 0 ? `, ${facts.reasoningChars} characters of reasoning only` : '';
  return `the answer has no content (${content}${finish}${reasoning})`;
}

export class ModelClient {
  private readonly sdk: OpenAI;
  private readonly secrets: Secrets;
  /** The most bytes read from one response. */
  readonly maxAnswerBytes: number;

  constructor(private readonly options: ClientOptions) {
    this.secrets = new Secrets([options.key?.value, ...(options.secrets ?? [])]);
    this.maxAnswerBytes = maxAnswerBytes(options.maxTokens ?? 2048);
    this.sdk = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.key?.value ?? NO_KEY,
      // Sent after the SDK's own bearer header, so it wins: the base URL's credentials as HTTP Basic.
      ...(options.authorization ? { defaultHeaders: { Authorization: options.authorization } } : {}),
      maxRetries: 0,
      fetch: async (url: string | URL | Request, init?: RequestInit) => openAiErrorShape(await boundedBody(await fetch(url, init), this.maxAnswerBytes)),
      // Library code never prints: the SDK would log to the console (and OPENAI_LOG could turn that on).
      logLevel: 'off',
    });
  }

  /** Removes every secret (key, the base URL's credentials) from a text, whole: redact first, then cut. */
  redact(text: string): string {
    return this.secrets.redact(text);
  }

  /** A server's text for a message: redacted, then flattened and cut. */
  private quote(text: string): string {
    return snippet(this.redact(text));
  }

  /** GET /models, one attempt: the server's model list as it came (a cheap sign that the server answers). */
  listModels(timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.attempt('GET /models', timeoutMs, signal, (s) => this.sdk.models.list({ signal: s, timeout: timeoutMs }).then((page) => ({ data: page.data })));
  }

  /** The first model id the server lists (GET /models), as the reference's client did (`client.models.list().data[0].id`). */
  async firstModelId(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const list = await this.listModels(timeoutMs, signal);
    const parsed = ModelListSchema.safeParse(list);
    if (!parsed.success) throw new AttemptFailure(`GET ${this.options.baseUrl}/models: not a model list (${this.quote(JSON.stringify(list) ?? String(list))})`, true);
    const first = parsed.data.data[0]?.id;
    if (!first) throw new ConfigError(`GET ${this.options.baseUrl}/models lists no model; give one with ${optionName('model')}`, { details: optionDetails('model') });
    return this.redact(first);
  }

  /**
   * One chat-completion attempt. Throws AttemptFailure, EmptyAnswerFailure (no content, unless
   * `acceptEmpty`), ConfigError (401/403/404: nothing will work) or InterruptedError.
   */
  async chat(body: Record<string, unknown>, timeoutMs: number, call: ChatCallOptions = {}): Promise<ChatAnswer> {
    const create = this.sdk.chat.completions.create.bind(this.sdk.chat.completions) as (b: unknown, o: unknown) => Promise<unknown>;
    const raw = await this.attempt('POST /chat/completions', timeoutMs, call.signal, (s) => create({ ...body, stream: false }, { signal: s, timeout: timeoutMs }));
    return this.readAnswer(raw, call.acceptEmpty ?? false);
  }

  private readAnswer(raw: unknown, acceptEmpty: boolean): ChatAnswer {
    const where = `POST ${this.options.baseUrl}/chat/completions`;
    if (typeof raw === 'string') throw new AttemptFailure(`${where}: the server answered with a body that is not JSON ("${this.quote(raw)}")`, true);
    const parsed = ChatResponseSchema.safeParse(raw);
    if (!parsed.success) throw new AttemptFailure(`${where}: not a chat completion (${this.quote(JSON.stringify(raw) ?? String(raw))})`, true);
    const choice = parsed.data.choices[0];
    const content = choice.message.content;
    const answer = this.redact(typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => part.text ?? '').join('') : '');
    const reasoningChars = (choice.message.reasoning_content ?? choice.message.reasoning ?? '').length;
    const finishReason = choice.finish_reason ?? null;
    // Even a model that may answer nothing did not, when it was cut off at the token limit first.
    if (answer.trim() === '' && (!acceptEmpty || finishReason === 'length')) {
      const facts: EmptyAnswerFacts = { content: content === null || content === undefined ? 'null' : answer === '' ? 'empty' : 'whitespace', finishReason, reasoningChars };
      throw new EmptyAnswerFailure(`${where}: ${describeEmptyAnswer(facts)}`, facts);
    }
    const size = parsed.data.images_size?.[0];
    return {
      answer,
      finishReason,
      promptTokens: parsed.data.usage?.prompt_tokens,
      completionTokens: parsed.data.usage?.completion_tokens,
      ...(size && size[0] > 0 && size[1] > 0 ? { reportedSize: { width: size[0], height: size[1] } } : {}),
      ...(reasoningChars > 0 ? { reasoningChars } : {}),
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
    const tooLarge = answerTooLarge(error);
    if (tooLarge) {
      // Not retried: a server that sent that much once will do it again, and each attempt costs the bytes.
      return new AttemptFailure(`${method} ${url}: ${tooLarge.message}, more than an answer of ${this.options.maxTokens ?? 2048} tokens can be (${optionName('maxTokens')}); stopped reading`, false);
    }
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? ((error.cause as { cause?: Error }).cause?.message ?? error.cause.message) : error.message;
      return new AttemptFailure(`${method} ${url}: connection failed (${this.quote(cause)})`, true, undefined, undefined, true);
    }
    if (error instanceof APIError && typeof error.status === 'number') return this.httpFailure(error, method, url);
    // A body that broke off mid-way, or JSON that does not parse: the exchange failed, another may not.
    const message = error instanceof Error ? error.message : String(error);
    return new AttemptFailure(`${method} ${url}: unusable answer (${this.quote(message)})`, true);
  }

  /** What to do about a refused request: name a key variable, or check the one that was named. */
  private keyHint(): string {
    if (this.options.authorization) return `check the user and password in ${optionName('baseUrl')}`;
    const name = this.options.key?.envName;
    if (!name) return `the server wants an API key: put it in an environment variable and name it with ${optionName('apiKeyEnv')}`;
    return `check the API key variable named by ${optionName('apiKeyEnv')} (${name})`;
  }

  private httpFailure(error: APIError, method: string, url: string): Error {
    const status = error.status as number;
    const detail = this.quote(error.message.replace(/^\d{3}\s*/, '') || 'no message');
    const prefix = `${method} ${url}: HTTP ${status}`;
    if (status === 401 || status === 403) {
      return new ConfigError(`${prefix}, the server refused the request (${detail}); ${this.keyHint()}`, { details: optionDetails(this.options.authorization ? 'baseUrl' : 'apiKeyEnv') });
    }
    if (status === 404) {
      return new ConfigError(`${prefix} (${detail}); check ${optionName('baseUrl')} (it usually ends in /v1) and ${optionName('model')}`, { details: optionDetails('baseUrl', 'model') });
    }
    if (retryableStatus(status)) return new AttemptFailure(`${prefix} (${detail})`, true, parseRetryAfter(error.headers), status);
    return new AttemptFailure(`${prefix} (${detail}); not retried`, false, undefined, status);
  }
}
