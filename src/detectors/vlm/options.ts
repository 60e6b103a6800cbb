/**
 * Options of the `vlm` backend: one frozen DEFAULTS object (each default says where it comes from), one zod
 * schema that validates what users pass (flags, library calls), and `resolveVlmOptions`, which fills in the
 * defaults — from the data record the model was trained on when one is given (`record`: its dialect, task,
 * prompt, system prompt and image settings), else from DEFAULTS and the dialect.
 */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { IMAGE_DEFAULTS } from '../../image/sharp.js';
import { dialects, getDialect } from '../../grounding/index.js';
import type { ImageRule } from '../../grounding/image-rules.js';
import { DataRecordSchema } from '../../grounding/record.js';

export const DEFAULTS = Object.freeze({
  /** The reference system's model family: a LoRA fine-tune of InternVL2-8B (docs/reference.md). */
  dialect: 'internvl2',
  /** What the prompt asks for: transcribed text lines (the reference's task). */
  task: 'text' as 'text' | 'boxes' | 'objects',
  /** Deterministic answers: the same image gives the same boxes (the reference's client sampled at 0.8, top_p 0.8: not reproducible). */
  temperature: 0,
  /**
   * Room for ~60 text lines of `<ref>…</ref><box>[[…]]</box>` (~30 tokens each). ms-swift's deploy recipes use
   * --max_new_tokens 2048; servers started with a 4096-token context (the reference's --max_length 4096) reject
   * much more once the image tokens are counted. Tiling splits long answers across requests.
   */
  maxTokens: 2048,
  /** Per request attempt, including reading the whole answer (a long answer on a busy GPU can take minutes). */
  timeoutMs: 300_000,
  /** Attempts after the first, on connection errors, timeouts, 408, 429 and 5xx. */
  retries: 4,
  /** Backoff before retry n (0-based): min(retryMaxMs, retryBaseMs × 2^n), with jitter down to half of it. */
  retryBaseMs: 1000,
  retryMaxMs: 30_000,
  /** A server's Retry-After is honoured up to this long. */
  maxRetryAfterMs: 120_000,
  /** `off`, `auto` (tile when the image is more than twice the model's pixel budget) or `WxH` tile size in pixels. */
  tile: 'off',
  /** Share of a tile's side that neighbouring tiles overlap: SAHI's default overlap ratio (obss/sahi, 0.2). */
  tileOverlap: 0.2,
  /** Most tiles per image in `auto` mode (tiles grow instead). */
  maxTiles: 16,
  /** Also ask the whole image when tiling, so lines longer than a tile are seen whole. */
  tileOverview: true,
  /** Keep each raw model answer in the Detection (`raw`), for `ocrdet reparse`. */
  saveRaw: false,
  /**
   * An answer with no content is a failed attempt (retried, then the image's error OCRDET_EMPTY_ANSWER): servers
   * under load, and reasoning models that spend every token thinking, answer empty. True: it means "no text",
   * for a model trained to answer nothing on images without text (`data convert --keep-empty`, tag dialects);
   * an empty answer cut off at the token limit (finish_reason "length") is still a failure.
   */
  acceptEmpty: false,
  /** `auto`: PNG for PNG inputs up to 4 MP sent (screenshots, rendered pages stay lossless), else JPEG. */
  imageFormat: 'auto' as 'auto' | 'jpeg' | 'png',
  /** JPEG quality of images sent. */
  jpegQuality: 90,
  /** Largest input image accepted, in pixels (src/image IMAGE_DEFAULTS). */
  maxPixels: IMAGE_DEFAULTS.maxPixels,
  /**
   * Refine each answer box to the text's quadrilateral from the embedded det model's probability map (one det
   * pass per image on this machine's CPU; ./snap.ts). Implies `agreement`. Off: it costs a det pass per image.
   */
  snap: false,
  /** Score each region (and the page) by its agreement with the embedded det model (one det pass per image; ./agreement.ts). */
  agreement: false,
});

const positiveInt = z.number().int().positive();

const dialectName = z.string().refine((name) => dialects.has(name), {
  error: (issue) => `expected a grounding dialect (${dialects.names().join(', ')}), received ${JSON.stringify(issue.input)}`,
});

const tileSpec = z.string().regex(/^(auto|off|[1-9]\d*x[1-9]\d*)$/i, 'expected "auto", "off" or a tile size WxH in pixels, e.g. 1024x1024');

const serverUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://localhost:8000/v1' });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the NAME of an environment variable that holds the key (not the key itself)');

/** Options accepted by `createVlmDetector` / `createDetector({ backend: 'vlm', … })`. */
export const vlmOptionsSchema = z.strictObject({
  /**
   * The server's OpenAI-compatible base URL, e.g. http://gpu-host:8000/v1 (`/v1` is added when the path is
   * empty), or several: replicas of one model, used together (./servers.ts). Read as a list.
   */
  baseUrl: z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(serverUrl).min(1)),
  /** Served model id; default: the first id of GET /models (what the reference's client did). */
  model: z.string().min(1).optional(),
  /**
   * The data record of the model's training data (src/grounding/record.ts, `ocrdet-data.json`; `--from` reads it
   * from a data folder, a run or a model directory): the dialect, task, prompts and image settings it was trained
   * with. An option that contradicts it is a UsageError naming both values.
   */
  record: DataRecordSchema.optional(),
  /** Default: the record's, else internvl2. */
  dialect: dialectName.optional(),
  /** Default: the record's, else text. */
  task: z.enum(['text', 'boxes', 'objects']).optional(),
  /** User turn; default: the dialect's detection prompt for the task. */
  prompt: z.string().min(1).optional(),
  /** System message; default: none (the server's chat template decides). */
  system: z.string().min(1).optional(),
  /** Name of the environment variable that holds the API key. Never the key itself. */
  apiKeyEnv: envName.optional(),
  /** Longest side sent, in pixels (images are only ever shrunk). */
  maxSidePx: positiveInt.optional(),
  /** Pixels per image sent: for Qwen2/2.5/3-VL the max_pixels of smart_resize, for the others a cap; default: the dialect's image rule (src/grounding/image-rules.ts). Keep it ≤ the server's max_pixels. */
  maxInputPixels: positiveInt.optional(),
  maxTokens: positiveInt.default(DEFAULTS.maxTokens),
  temperature: z.number().min(0).max(2).default(DEFAULTS.temperature),
  timeoutMs: positiveInt.default(DEFAULTS.timeoutMs),
  retries: z.number().int().min(0).max(20).default(DEFAULTS.retries),
  retryBaseMs: z.number().int().min(0).default(DEFAULTS.retryBaseMs),
  retryMaxMs: z.number().int().min(0).default(DEFAULTS.retryMaxMs),
  maxRetryAfterMs: z.number().int().min(0).default(DEFAULTS.maxRetryAfterMs),
  /** Extra JSON fields merged into every request body last (top_p, repetition_penalty, return_details…). */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  /**
   * Ask the server for the size it resized the image to (ms-swift deploy: `return_details` → `images_size`).
   * Default: only for dialects whose coordinates are pixels of the model's input (Qwen2.5-VL).
   */
  returnDetails: z.boolean().optional(),
  tile: tileSpec.default(DEFAULTS.tile),
  tileOverlap: z.number().min(0).max(0.5).default(DEFAULTS.tileOverlap),
  maxTiles: z.number().int().min(2).max(64).default(DEFAULTS.maxTiles),
  tileOverview: z.boolean().default(DEFAULTS.tileOverview),
  saveRaw: z.boolean().default(DEFAULTS.saveRaw),
  acceptEmpty: z.boolean().default(DEFAULTS.acceptEmpty),
  imageFormat: z.enum(['auto', 'jpeg', 'png']).default(DEFAULTS.imageFormat),
  jpegQuality: z.number().int().min(1).max(100).default(DEFAULTS.jpegQuality),
  maxPixels: positiveInt.default(DEFAULTS.maxPixels),
  snap: z.boolean().default(DEFAULTS.snap),
  agreement: z.boolean().default(DEFAULTS.agreement),
  /** The value that stands for the full width/height in answers (e.g. 999 for ms-swift 2.x training data). */
  coordinateScale: z.number().positive().optional(),
  /**
   * Most requests in flight at once for this detector, tiles included. Default: the batch's concurrency
   * (DetectCallOptions.concurrency), else 8.
   */
  maxConcurrentRequests: positiveInt.optional(),
});

/** What callers pass. */
export type VlmOptions = Omit<z.input<typeof vlmOptionsSchema>, 'baseUrl'> & { baseUrl: string | readonly string[] };
/** The validated, complete, frozen options used inside the detector. */
export type ResolvedVlmOptions = Readonly<
  Omit<z.output<typeof vlmOptionsSchema>, 'dialect' | 'task'> & {
    dialect: string;
    task: 'text' | 'boxes' | 'objects';
    /** How the model sees images: the record's image settings, else the dialect's. */
    image: ImageRule;
  }
>;

type ParsedVlmOptions = z.output<typeof vlmOptionsSchema>;

/** Options that must agree with a data record, and what the record says for each. */
function contradictions(options: ParsedVlmOptions): string[] {
  const record = options.record;
  if (!record) return [];
  const found: string[] = [];
  const differ = (key: string, given: string | undefined, wanted: string | undefined) => {
    if (given !== undefined && given !== wanted) found.push(`option "${key}" ${JSON.stringify(given)} contradicts the data record, which says ${JSON.stringify(wanted ?? 'none')}`);
  };
  differ('dialect', options.dialect === undefined ? undefined : getDialect(options.dialect).name, record.dialect);
  differ('task', options.task, record.task);
  differ('prompt', options.prompt, record.prompt);
  if (record.system !== undefined) differ('system', options.system, record.system);
  if (options.maxInputPixels !== undefined) found.push(`option "maxInputPixels" ${options.maxInputPixels} contradicts the data record, whose image settings say what the model sees (${record.image.kind})`);
  return found;
}

/** Validates options (UsageError naming each bad one), applies the record or the defaults, and freezes them. */
export function resolveVlmOptions(input: VlmOptions): ResolvedVlmOptions {
  const options = parseOptions(vlmOptionsSchema, input, 'vlm');
  const conflicts = contradictions(options);
  if (conflicts.length > 0) throw new UsageError(`vlm: ${conflicts.join('; ')}`, { details: { conflicts } });
  const record = options.record;
  const dialect = getDialect(options.dialect ?? record?.dialect ?? DEFAULTS.dialect).name;
  const system = options.system ?? record?.system;
  const prompt = options.prompt ?? record?.prompt;
  return Object.freeze({
    ...options,
    dialect,
    task: options.task ?? record?.task ?? DEFAULTS.task,
    ...(prompt !== undefined ? { prompt } : {}),
    ...(system !== undefined ? { system } : {}),
    image: record?.image ?? getDialect(dialect).image,
  });
}

/** `http://host:8000` → `http://host:8000/v1`: every OpenAI-compatible server ocrdet knows serves under /v1. */
export function normaliseBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}
