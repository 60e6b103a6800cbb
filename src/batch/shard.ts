/**
 * Shards: one of N disjoint parts of a batch's inputs, for job arrays (SLURM `--array`, Kubernetes Indexed
 * Jobs) where N copies of the same command each do their own part.
 *
 * An input belongs to part `hash(path) mod N`, where the path is the input file's as the batch records it
 * (`ImageInput.path`: the input joined with the path found under it, `./` and `\` aside) and the hash is the
 * first 32 bits of its SHA-256. So each file's part depends on its own path only: adding or removing files
 * never moves the others, and the N parts together are exactly the inputs. (Changing N reassigns everything;
 * the tasks of one job run the same command from the same folder, so they see the same paths.) The part is
 * decided per file, never per page or tile: the pages of a PDF share its path, and stay in one part.
 *
 * Parts are written 1-based (`3/16` is the third of sixteen), as `split -n`, Jest and Playwright number them;
 * inside, `index` is 0-based.
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { ImageInput } from './inputs.js';

export interface Shard {
  /** 0-based: 0 … count − 1. */
  index: number;
  count: number;
}

/** More parts than this is a typo (SLURM's own default MaxArraySize is 1001). */
export const MAX_SHARDS = 100_000;

/** `3/16` for the third of sixteen parts. */
export function shardLabel(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}

/** The shard, checked (UsageError naming `where`) and frozen. */
export function checkShard(shard: Shard, where: string): Shard {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new UsageError(`${where}: the number of parts must be 1 to ${MAX_SHARDS}, got ${count}`, { details: optionDetails('shard') });
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new UsageError(`${where}: part ${index + 1} of ${count} does not exist (parts are 1 to ${count})`, { details: optionDetails('shard') });
  return Object.freeze({ index, count });
}

/** `K/N` (1-based K) → the shard; anything else is a UsageError that shows the form. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new UsageError(`${optionName('shard')} "${text}": expected K/N, e.g. 3/16 for the third of 16 parts (or auto)`, { details: optionDetails('shard') });
  return checkShard({ index: Number(match[1]) - 1, count: Number(match[2]) }, `${optionName('shard')} ${text}`);
}

/** Environment variables `shardFromEnvironment` reads. */
export type ShardEnvironment = Readonly<Record<string, string | undefined>>;

function integerVariable(env: ShardEnvironment, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${optionName('shard')} auto: ${name}="${value}" is not a whole number`, { details: optionDetails('shard') });
  return n;
}

/**
 * The part a job-array task does, from the scheduler's variables:
 * - SLURM: `SLURM_ARRAY_TASK_ID` within the array as submitted (`(ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP`)
 *   of `SLURM_ARRAY_TASK_COUNT` parts; `--array=0-15` and `--array=1-16` both make 16 parts. `count`, when given,
 *   must agree.
 * - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0-based) of `count` parts (the Job's `completions`: Kubernetes
 *   does not put it in the environment, so it must be given).
 */
export function shardFromEnvironment(env: ShardEnvironment, count?: number): Shard {
  const where = `${optionName('shard')} auto`;
  const taskId = integerVariable(env, 'SLURM_ARRAY_TASK_ID');
  if (taskId !== undefined) {
    const min = integerVariable(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const step = integerVariable(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    const tasks = integerVariable(env, 'SLURM_ARRAY_TASK_COUNT');
    if (tasks === undefined) throw new UsageError(`${where}: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give the part as K/N`, { details: optionDetails('shard') });
    if (step < 1 || (taskId - min) % step !== 0) {
      throw new UsageError(`${where}: SLURM_ARRAY_TASK_ID ${taskId} is not on the array's steps (min ${min}, step ${step}); give the part as K/N`, { details: optionDetails('shard') });
    }
    if (count !== undefined && count !== tasks) {
      throw new UsageError(`${where}: ${optionName('shards')} ${count} contradicts the array's ${tasks} tasks (SLURM_ARRAY_TASK_COUNT); give the part as K/N to redo some parts`, { details: optionDetails('shard', 'shards') });
    }
    return checkShard({ index: (taskId - min) / step, count: tasks }, `${where} (SLURM_ARRAY_TASK_ID ${taskId}, SLURM_ARRAY_TASK_MIN ${min}, SLURM_ARRAY_TASK_COUNT ${tasks})`);
  }
  const completionIndex = integerVariable(env, 'JOB_COMPLETION_INDEX');
  if (completionIndex !== undefined) {
    if (count === undefined) {
      throw new UsageError(`${where}: Kubernetes sets JOB_COMPLETION_INDEX (${completionIndex}) but not the number of parts; give ${optionName('shards')} N, the Job's completions`, { details: optionDetails('shard', 'shards') });
    }
    return checkShard({ index: completionIndex, count }, `${where} (JOB_COMPLETION_INDEX ${completionIndex})`);
  }
  throw new UsageError(`${where}: neither SLURM_ARRAY_TASK_ID (a SLURM job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give the part as K/N`, { details: optionDetails('shard') });
}

/** The part (0-based) an input path belongs to among `count`. */
export function shardOfPath(path: string, count: number): number {
  const normalised = path.split('\\').join('/').replace(/^(\.\/)+/, '');
  return createHash('sha256').update(normalised, 'utf8').digest().readUInt32BE(0) % count;
}

/** Whether an input (or a page of one: pages share their document's path) belongs to `shard`. */
export function inShard(image: Pick<ImageInput, 'path'>, shard: Shard): boolean {
  return shard.count === 1 || shardOfPath(image.path, shard.count) === shard.index;
}

/**
 * The results file of one part: `dets.jsonl` → `dets.3-of-16.jsonl` (the part before the extension, so globs
 * like `dets.*-of-16.jsonl` find them all and each part resumes from its own file).
 */
export function shardResultsPath(out: string, shard: Shard): string {
  const ext = extname(out);
  const stem = ext ? out.slice(0, -ext.length) : out;
  return `${stem}.${shard.index + 1}-of-${shard.count}${ext}`;
}
