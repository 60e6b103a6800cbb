/**
 * What a run left behind about itself, for the commands that come after training (merge, deploy):
 * ocrdet's own `ocrdet-recipe.json` (written by `ocrdet train` into the output and run directories:
 * `{ recipe, swiftVersion, command }`), and ms-swift's args file in a run or checkpoint directory
 * (2.x `sft_args.json`, 3.x/4.x `args.json`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseSwiftVersion } from './version.js';

/** A JSON object from a file; undefined when the file is missing or not a JSON object. */
export async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface RecipeRecord {
  /** The ocrdet-recipe.json that was read. */
  path: string;
  record: Record<string, unknown>;
}

/** ocrdet-recipe.json in `start` or up to four levels above (checkpoint, run dir, model_type dir, output dir). */
export async function findRecipeRecord(start: string): Promise<RecipeRecord | undefined> {
  let dir = start;
  for (let level = 0; level < 5; level++) {
    const path = join(dir, 'ocrdet-recipe.json');
    const record = await readJsonObject(path);
    if (record) return { path, record };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The `recipe` object of a record ({} when there is none). */
export function recipeOf(found: RecipeRecord | undefined): Record<string, unknown> {
  const recipe = found?.record.recipe;
  return recipe && typeof recipe === 'object' ? (recipe as Record<string, unknown>) : {};
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

function validVersion(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    parseSwiftVersion(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The ms-swift version a run was trained with, as far as the files tell: the `swiftVersion` ocrdet
 * recorded in ocrdet-recipe.json (exact), else the args file ms-swift wrote (major only: 2.x writes
 * sft_args.json; 3.x args.json has `train_type`, 4.x renamed it `tuner_type`). Looked for in `dirs`, in order.
 */
export async function recordedSwiftVersion(dirs: readonly string[]): Promise<RecordedVersion | undefined> {
  for (const dir of dirs) {
    const found = await findRecipeRecord(dir);
    const version = found?.record.swiftVersion ?? recipeOf(found).swiftVersion;
    if (found && validVersion(version)) return { version, why: `the version ${found.path} records` };
  }
  for (const dir of dirs) {
    const found = await readSwiftArgs(dir);
    if (!found) continue;
    const major = found.path.endsWith('sft_args.json') ? '2' : 'tuner_type' in found.args ? '4' : 'train_type' in found.args ? '3' : undefined;
    if (major) return { version: major, why: `${found.path} is written by ms-swift ${major}.x` };
  }
  return undefined;
}
