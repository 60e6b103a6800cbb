/**
 * The `vlm` detector: a multimodal LLM behind an OpenAI-compatible server, read through a grounding dialect.
 *
 *   detect(image) = plan + encode frames (./frames.ts) → ask each frame (limited, retried: ./client.ts,
 *   ./retry.ts, ./limiter.ts) → parse each answer and map it back to original pixels, merging tiles
 *   (./answers.ts) → Detection.
 *
 * An image whose requests fail after the last retry becomes a Detection with `error`; the batch goes on. An
 * answer with no content is such a failure (OCRDET_EMPTY_ANSWER), never "no text", unless `acceptEmpty`.
 * A refused key or a wrong URL/model (401/403/404), or servers that all refuse connections before any has answered,
 * throw ConfigError: no image could succeed, so the batch stops. Detection fields beyond the core ones: `dialect`,
 * `requests` (frames asked), `retries`, and with `saveRaw` the answers in `raw` (./answers.ts RawAnswer), which
 * `ocrdet reparse` reads.
 */
import { ConfigError, InterruptedError, OcrdetError, ServerError, UsageError, toOcrdetError, type ErrorCode } from '../../core/errors.js';
import { optionDetails, optionName } from '../../core/options.js';
import type { Detection, Region } from '../../core/types.js';
import { getDialect } from '../../grounding/index.js';
import type { GroundingDialect } from '../../grounding/types.js';
import { describeInput, nameInput } from '../../image/sharp.js';
import { failedDetection } from '../failed.js';
import type { DetectCallOptions, Detector, DetectorHealth } from '../types.js';
import { noBoxesWarning, regionsFromAnswers, type RawAnswer } from './answers.js';
import { vlmBackend } from './backend.js';
import { EmptyAnswerFailure, ModelClient, type ChatAnswer, type ClientOptions, type EmptyAnswerFacts } from './client.js';
import { ServerPool } from './servers.js';
import { prepareImage, type PreparedFrame, type PreparedImage } from './frames.js';
import type { SendBudget } from './plan.js';
import { RequestLimiter } from './limiter.js';
import { normaliseBaseUrl, resolveVlmOptions, type ResolvedVlmOptions, type VlmOptions } from './options.js';
import { answerTokenLimit, chatRequestBody } from './request.js';
import { withRetries, type RetryPolicy } from './retry.js';
import { splitCredentials, type BaseUrlCredentials } from './secrets.js';
import { checkRegions, createTextChecker } from './text-check.js';
import type { TextMap, TextMapper } from '../ppocr/text-map.js';
import { count } from '../../core/plural.js';

/** A Detection from the vlm backend. */
export interface VlmDetection extends Detection {
  dialect: string;
  /** Frames asked: 1, or the tiles (+ overview). */
  requests: number;
  /** Attempts repeated after a failure, over all frames. */
  retries: number;
  /** With `saveRaw`: each answer and the frame it describes. */
  raw?: RawAnswer[];
  /** With `agreement` or `snap`: the page's agreement with the embedded det model (./agreement.ts); each region has its own. */
  agreement?: number;
}

/** GET /models is small and quick: a server that takes longer is not answering (the chat timeout is for long answers). */
const MODELS_TIMEOUT_MS = 30_000;

/**
 * GET /models for `health()`: a server that cannot list its models within 2 s is not fit to answer a health
 * check (load balancers and Kubernetes probes give up after 1–10 s).
 */
const HEALTH_TIMEOUT_MS = 2000;

/**
 * Det passes (snap, agreement) at once: onnxruntime-node runs them one after another on the main thread anyway,
 * and two overlap one image's decoding with another's inference (the ppocr backend's default concurrency).
 */
const DET_PASSES_AT_ONCE = 2;

function readApiKey(envName: string | undefined): ClientOptions['key'] {
  if (!envName) return undefined;
  const value = process.env[envName];
  if (!value) throw new ConfigError(`${optionName('apiKeyEnv')} ${envName}: the environment variable ${envName} is not set or is empty`, { details: optionDetails('apiKeyEnv') });
  return { value, envName };
}

function policyOf(options: ResolvedVlmOptions): RetryPolicy {
  return { retries: options.retries, baseMs: options.retryBaseMs, maxMs: options.retryMaxMs, maxRetryAfterMs: options.maxRetryAfterMs };
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Validates options (UsageError naming each bad one), reads the key from the named variable (ConfigError),
 * and, without `model`, asks the server for its first model id (retried like any request; ServerError when
 * the server cannot be reached).
 */
export async function createVlmDetector(options: VlmOptions): Promise<VlmDetector> {
  const given = resolveVlmOptions(options);
  const key = readApiKey(given.apiKeyEnv);
  const servers = new ServerPool(
    serverUrls(given.baseUrl, Boolean(key)).map((credentials) => {
      const client = new ModelClient({
        baseUrl: credentials.url,
        ...(key ? { key } : {}),
        ...(credentials.authorization ? { authorization: credentials.authorization } : {}),
        secrets: credentials.secrets,
        maxTokens: answerTokenLimit(given),
      });
      return { url: credentials.url, client };
    }),
  );
  // From here on the options hold the base URLs without their credentials: nothing can print them.
  const resolved: ResolvedVlmOptions = Object.freeze({ ...given, baseUrl: servers.urls });
  let model = resolved.model;
  if (!model) {
    try {
      model = await withRetries(() => servers.firstModelId(Math.min(resolved.timeoutMs, MODELS_TIMEOUT_MS)), policyOf(resolved));
    } catch (error) {
      const e = toOcrdetError(error);
      if (e.code !== 'OCRDET_SERVER') throw e;
      throw new ServerError(`cannot ask ${servers.urls.join(' or ')} for its models: ${e.message} (after ${count(resolved.retries + 1, 'attempt')}; give ${optionName('model')} to skip this)`, {
        cause: error,
        details: optionDetails('model'),
      });
    }
  }
  // The embedded det model, for snapping and agreement: loaded now (its file checked), run on the first image.
  const checker = resolved.snap || resolved.agreement ? await createTextChecker() : undefined;
  return new VlmDetector(resolved, servers, model, checker);
}

/**
 * Each server's URL, normalised, without its credentials (sent as a header instead: ./secrets.ts). One given
 * twice is a mistake worth saying (it would get twice the load).
 */
function serverUrls(given: readonly string[], hasApiKey: boolean): BaseUrlCredentials[] {
  const servers = given.map((url) => splitCredentials(normaliseBaseUrl(url), hasApiKey));
  const twice = servers.find((server, i) => servers.findIndex((other) => other.url === server.url) !== i);
  if (twice) throw new UsageError(`${optionName('baseUrl')} ${twice.url} is given twice`, { details: optionDetails('baseUrl') });
  return servers;
}

/** Per-image bookkeeping of the requests. */
interface Tally {
  retries: number;
  reasons: string[];
}

export class VlmDetector implements Detector {
  readonly backend = vlmBackend.name;
  readonly dialect: GroundingDialect;
  private readonly limiter: RequestLimiter;
  private readonly budget: SendBudget;
  private readonly detPasses = new RequestLimiter(DET_PASSES_AT_ONCE);
  private closed = false;

  /** Images in flight a batch keeps by default: the backend's number per server. */
  readonly defaultConcurrency: number;

  constructor(
    readonly options: ResolvedVlmOptions,
    private readonly servers: ServerPool,
    readonly model: string,
    private readonly checker?: TextMapper,
  ) {
    this.dialect = getDialect(options.dialect);
    this.defaultConcurrency = vlmBackend.defaultConcurrency * servers.size;
    this.limiter = new RequestLimiter(options.maxConcurrentRequests ?? this.defaultConcurrency);
    this.budget = {
      rule: options.image,
      ...(options.maxInputPixels ? { maxPixels: options.maxInputPixels } : {}),
      ...(options.maxSidePx ? { maxSidePx: options.maxSidePx } : {}),
    };
  }

  /** The first server's base URL (all of them: `baseUrls`). */
  get baseUrl(): string {
    return this.servers.urls[0];
  }

  get baseUrls(): string[] {
    return this.servers.urls;
  }

  /** The prompt sent: the user's, or the dialect's default detection prompt for the task. */
  get prompt(): string {
    return this.options.prompt ?? (this.options.task === 'boxes' ? (this.dialect.prompts.boxes ?? this.dialect.prompts.text) : this.dialect.prompts[this.options.task]);
  }

  async detect(input: string | Buffer, call: DetectCallOptions = {}): Promise<VlmDetection> {
    if (this.closed) throw new UsageError('vlm detector: detect() called after close()');
    const startedMs = performance.now();
    nameInput(input, call.name);
    const name = call.name ?? describeInput(input);
    if (!this.options.maxConcurrentRequests && call.concurrency) this.limiter.setLimit(call.concurrency);
    const timings: Record<string, number> = {};
    const tally: Tally = { retries: 0, reasons: [] };
    // The det pass runs while the model answers; its failure is looked at only once the answer is in.
    const textMap = this.checker ? this.textMapOf(input, call.signal) : undefined;
    let prepared: PreparedImage;
    try {
      if (call.signal?.aborted) throw new InterruptedError(`${name}: detection aborted`);
      prepared = await prepareImage(input, this.options, this.budget);
    } catch (error) {
      if (call.signal?.aborted) throw new InterruptedError(`${name}: detection aborted`, { cause: error });
      const e = toOcrdetError(error);
      if (e.code === 'OCRDET_BAD_IMAGE' || e.code === 'OCRDET_NOT_FOUND') return this.failed(name, e.code, e.message, { total: round2(performance.now() - startedMs) }, 0, tally);
      throw error;
    }
    timings.encode = round2(performance.now() - startedMs);
    const askedMs = performance.now();
    let answers: ChatAnswer[];
    try {
      answers = await this.askAll(prepared.frames, call, tally);
    } catch (error) {
      if (call.signal?.aborted) throw new InterruptedError(`${name}: detection aborted`, { cause: error });
      const e = toOcrdetError(error);
      if (e.code !== 'OCRDET_SERVER' && e.code !== 'OCRDET_EMPTY_ANSWER') throw e;
      if (this.servers.unreachable) {
        const which = this.servers.size === 1 ? `the model server at ${this.servers.urls[0]} refuses` : `none of the ${this.servers.size} model servers (${this.servers.urls.join(', ')}) accepts`;
        // As a wrong URL (404): nothing could succeed, so the batch stops (ConfigError) instead of failing every image.
        throw new ConfigError(`${which} connections and none has answered yet: is it running, and is ${optionName('baseUrl')} right? (last: ${this.servers.redact(e.message)})`, { cause: error, details: optionDetails('baseUrl') });
      }
      timings.request = round2(performance.now() - askedMs);
      timings.total = round2(performance.now() - startedMs);
      const attempts = tally.retries > 0 ? ` (${count(tally.retries, 'retry', 'retries')} before giving up)` : '';
      const detection = this.failed(name, e.code, `${name}: ${e.message}${attempts}`, timings, prepared.frames.length, tally, prepared);
      if (error instanceof EmptyAnswerFailure) detection.warnings = [...(detection.warnings ?? []), ...this.emptyAnswerWarnings(error.facts)];
      return detection;
    }
    timings.request = round2(performance.now() - askedMs);
    const checked = textMap ? await textMap : undefined;
    // A det model that cannot run stops the batch, as it would for the ppocr backend.
    if (checked instanceof OcrdetError && checked.code === 'OCRDET_MODEL') throw checked;
    return this.finish(name, prepared, answers, tally, timings, startedMs, checked);
  }

  private finish(name: string, prepared: PreparedImage, answers: ChatAnswer[], tally: Tally, timings: Record<string, number>, startedMs: number, textMap?: TextMap | OcrdetError): VlmDetection {
    const parsedMs = performance.now();
    const raw: RawAnswer[] = prepared.frames.map((frame, i) => ({
      answer: answers[i].answer,
      frame: frame.rect,
      sent: frame.sent,
      ...(answers[i].reportedSize ? { reported: answers[i].reportedSize } : {}),
      finishReason: answers[i].finishReason,
    }));
    const { regions, warnings } = regionsFromAnswers(raw, this.dialect, { task: this.options.task, coordinateScale: this.options.coordinateScale, ...(this.options.record ? { image: this.options.image } : {}) });
    const empty = noBoxesWarning(raw, regions.length, this.dialect);
    if (empty) warnings.push(empty);
    if (tally.retries > 0) warnings.push(`${tally.retries} request(s) retried: ${tally.reasons.join('; ')}`);
    timings.parse = round2(performance.now() - parsedMs);
    const checked = this.check(regions, textMap, timings, warnings);
    timings.total = round2(performance.now() - startedMs);
    const detection: VlmDetection = {
      image: name,
      width: prepared.size.width,
      height: prepared.size.height,
      regions: checked?.regions ?? regions,
      backend: this.backend,
      model: this.model,
      dialect: this.dialect.name,
      timings,
      requests: prepared.frames.length,
      retries: tally.retries,
    };
    if (checked) detection.agreement = checked.agreement;
    if (warnings.length > 0) detection.warnings = warnings;
    if (this.options.saveRaw) detection.raw = raw;
    return detection;
  }

  /** The det pass of an image (at most DET_PASSES_AT_ONCE at a time), or why it failed. Never rejects. */
  private async textMapOf(input: string | Buffer, signal: AbortSignal | undefined): Promise<TextMap | OcrdetError> {
    try {
      const release = await this.detPasses.acquire(signal);
      try {
        return await this.checker!.textMap(input);
      } finally {
        release();
      }
    } catch (error) {
      return toOcrdetError(error);
    }
  }

  /** Agreement and snapping from the det pass (none without a checker; a warning when the pass failed on this image). */
  private check(regions: Region[], textMap: TextMap | OcrdetError | undefined, timings: Record<string, number>, warnings: string[]) {
    if (!textMap) return undefined;
    if (textMap instanceof OcrdetError) {
      warnings.push(`the embedded det model could not read the image (${textMap.message}); regions not ${this.options.snap ? 'snapped' : 'scored'}`);
      return undefined;
    }
    const started = performance.now();
    const checked = checkRegions(regions, textMap, { snap: this.options.snap });
    timings.textMap = round2(textMap.timings.decode + textMap.timings.det);
    timings[this.options.snap ? 'snap' : 'agreement'] = round2(performance.now() - started);
    return checked;
  }

  /** The Detection of an image that failed; the message never shows the API key. */
  private failed(name: string, code: ErrorCode, message: string, timings: Record<string, number>, requests: number, tally: Tally, prepared?: PreparedImage): VlmDetection {
    const redacted = new OcrdetError(code, this.servers.redact(message));
    const image = { image: name, backend: this.backend, model: this.model, timings, width: prepared?.size.width, height: prepared?.size.height };
    const detection: VlmDetection = { ...failedDetection(image, redacted), dialect: this.dialect.name, requests, retries: tally.retries };
    if (tally.reasons.length > 0) detection.warnings = [`retried after: ${tally.reasons.join('; ')}`];
    return detection;
  }

  /** What an empty answer says about the model, as warnings: cut at the token limit, or reasoning only. */
  private emptyAnswerWarnings(facts: EmptyAnswerFacts): string[] {
    const warnings: string[] = [];
    if (facts.reasoningChars > 0) {
      warnings.push(
        `the model answered only in its reasoning (${facts.reasoningChars} characters), with no content: turn its thinking off (e.g. ${optionName('extraBody')} '{"chat_template_kwargs":{"enable_thinking":false}}' for Qwen3 under vLLM) or raise ${optionName('maxTokens')}`,
      );
    }
    if (facts.finishReason === 'length') warnings.push(`the answer was cut off at the answer-token limit (${optionName('maxTokens')} ${answerTokenLimit(this.options)}) before any content`);
    return warnings;
  }

  /** Asks every frame at once (within the limiter); the first failure stops the others, and is thrown. */
  private async askAll(frames: readonly PreparedFrame[], call: DetectCallOptions, tally: Tally): Promise<ChatAnswer[]> {
    const stopOthers = new AbortController();
    const signal = call.signal ? AbortSignal.any([call.signal, stopOthers.signal]) : stopOthers.signal;
    let firstFailure: { error: unknown } | undefined;
    const settled = await Promise.allSettled(
      frames.map((frame) =>
        this.askFrame(frame, signal, call, tally).catch((error: unknown) => {
          firstFailure ??= { error };
          stopOthers.abort();
          throw error;
        }),
      ),
    );
    if (firstFailure) throw firstFailure.error;
    return settled.map((s) => (s as PromiseFulfilledResult<ChatAnswer>).value);
  }

  private askFrame(frame: PreparedFrame, signal: AbortSignal, call: DetectCallOptions, tally: Tally): Promise<ChatAnswer> {
    const returnDetails = this.options.returnDetails ?? this.dialect.grid.kind === 'input-pixels';
    const body = chatRequestBody({ model: this.model, prompt: this.prompt, system: this.options.system, imageDataUrl: frame.dataUrl, returnDetails }, this.options);
    // A request handed to another server after a failure is a retry too, without the wait.
    const countRetry = (error: Error) => {
      tally.retries++;
      tally.reasons.push(this.servers.redact(error.message.replace(/^\S+ \S+: /, '')));
      call.onCounter?.('retries', 1);
    };
    return withRetries(
      async () => {
        const release = await this.limiter.acquire(signal);
        try {
          const answer = await this.servers.chat(body, this.options.timeoutMs, { signal, acceptEmpty: this.options.acceptEmpty }, {
            onAttempt: () => call.onCounter?.('requests', 1),
            onHandover: (error) => countRetry(error),
          });
          if (answer.completionTokens) call.onCounter?.('tokens', answer.completionTokens);
          return answer;
        } finally {
          release();
        }
      },
      policyOf(this.options),
      { signal, onRetry: countRetry },
    );
  }

  /** GET /models on each server, no retry: `ok` when one answers (and accepts the key), else `degraded` and why. */
  health(): Promise<DetectorHealth> {
    return this.servers.health(Math.min(this.options.timeoutMs, HEALTH_TIMEOUT_MS));
  }

  /** With several servers: one line each (requests, failures, times set aside). */
  summary(): string[] {
    return this.servers.summaryLines();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.checker?.close();
  }
}
