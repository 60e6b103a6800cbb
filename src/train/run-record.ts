/**
 * What a run left behind about itself, for the commands that come after training (merge, deploy, status):
 * ocrdet's own run record, `ocrdet-recipe.json`, written by `ocrdet train` into the output and run directories
 * (its schema below: the recipe, the ms-swift version and the command), the data record copied beside it
 * (ocrdet-data.json, src/grounding/record.ts), and ms-swift's args file in a run or checkpoint directory (2.x
 * `sft_args.json`, 3.x/4.x `args.json`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { formatIssues } from '../core/options.js';
import { RecipeFieldsSchema } from './recipe.js';
import { parseSwiftVersion } from './version.js';

export const RUN_RECORD_FILE = 'ocrdet-recipe.json';
export const RUN_RECORD_VERSION = 1;

const swiftVersionText = z.string().refine(
  (text) => {
    try {
      parseSwiftVersion(text);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected an ms-swift version such as 2.4.2 or 3.12.6' },
);

/**
 * ocrdet-recipe.json. Records written before the version field carry the same fields; a field this ocrdet
 * does not know (a newer one's) is kept, not refused.
 */
export const RunRecordSchema = z.looseObject({
  version: z.literal(RUN_RECORD_VERSION).optional(),
  /** The resolved recipe (recipe.ts). */
  recipe: RecipeFieldsSchema.partial().loose(),
  /** The ms-swift version the command was built for. */
  swiftVersion: swiftVersionText.optional(),
  command: z.strictObject({ env: z.record(z.string(), z.string()), program: z.string(), args: z.array(z.string()) }).optional(),
  /** The data record copied beside this file, when the data had one. */
  dataRecord: z.string().optional(),
});

export type RunRecord = z.infer<typeof RunRecordSchema>;

/** The text of a run record, as `train` writes it. */
export function formatRunRecord(record: RunRecord): string {
  return `${JSON.stringify({ version: RUN_RECORD_VERSION, ...record }, null, 2)}\n`;
}

/** A JSON object from a file; undefined when the file is missing or not a JSON object. */
export async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface FoundRunRecord {
  /** The ocrdet-recipe.json that was read. */
  path: string;
  record: RunRecord;
}

/** Reads and validates one run record; ConfigError naming the file and field when it is not one. */
export async function readRunRecord(path: string): Promise<RunRecord | undefined> {
  const data = await readJsonObject(path);
  if (!data) return undefined;
  const parsed = RunRecordSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, path, { nameOf: (p) => `"${p}"` }), { cause: parsed.error });
  return parsed.data;
}

/** ocrdet-recipe.json in `start` or up to four levels above (checkpoint, run dir, model_type dir, output dir). */
export async function findRunRecord(start: string): Promise<FoundRunRecord | undefined> {
  let dir = start;
  for (let level = 0; level < 5; level++) {
    const path = join(dir, RUN_RECORD_FILE);
    const record = await readRunRecord(path);
    if (record) return { path, record };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** ms-swift's own args file in `dir`: 3.x/4.x args.json, else 2.x sft_args.json. */
export async function readSwiftArgs(dir: string): Promise<{ path: string; args: Record<string, unknown> } | undefined> {
  for (const name of ['args.json', 'sft_args.json']) {
    const args = await readJsonObject(join(dir, name));
    if (args) return { path: join(dir, name), args };
  }
  return undefined;
}

export interface RecordedVersion {
  /** A version as resolveSwiftVersion reads it ("2.4.2", or a bare major "3"). */
  version: string;
  /** Why: "the version runs/ocr/ocrdet-recipe.json records". */
  why: string;
}

/** The ms-swift major a checkpoint's args file shows: 2.x writes sft_args.json; 3.x args.json has train_type, 4.x tuner_type. */
export function majorOfArgs(found: { path: string; args: Record<string, unknown> }): '2' | '3' | '4' | undefined {
  if (found.path.endsWith('sft_args.json')) return '2';
  return 'tuner_type' in found.args ? '4' : 'train_type' in found.args ? '3' : undefined;
}

/**
 * The ms-swift version a run was trained with, as far as the files tell: the `swiftVersion` ocrdet recorded in
 * ocrdet-recipe.json (exact), else the args file ms-swift wrote (major only). Looked for in `dirs`, in order.
 */
export async function recordedSwiftVersion(dirs: readonly string[]): Promise<RecordedVersion | undefined> {
  for (const dir of dirs) {
    const found = await findRunRecord(dir);
    const version = found?.record.swiftVersion ?? found?.record.recipe.swiftVersion;
    if (found && version) return { version, why: `the version ${found.path} records` };
  }
  for (const dir of dirs) {
    const found = await readSwiftArgs(dir);
    const major = found ? majorOfArgs(found) : undefined;
    if (found && major) return { version: major, why: `${found.path} is written by ms-swift ${major}.x` };
  }
  return undefined;
}
