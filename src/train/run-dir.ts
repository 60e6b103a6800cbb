/**
 * Finding ms-swift's run directories and checkpoints on disk.
 *
 * ms-swift writes each run to `<output_dir>/vN-YYYYMMDD-HHMMSS` (3.x/4.x, add_version) or
 * `<output_dir>/<model_type>/vN-YYYYMMDD-HHMMSS` (2.x, add_output_dir_suffix): v2.6.1
 * swift/utils/utils.py:107-116 and swift/llm/utils/argument.py:1158-1165; v3.12.6
 * swift/llm/argument/train_args.py:409-411. Checkpoints are `checkpoint-<step>` inside the run directory,
 * merged models `checkpoint-<step>-merged` beside them.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NotFoundError } from '../core/errors.js';

export const RUN_DIR_NAME = /^v(\d+)-(\d{8}-\d{6})$/;
const CHECKPOINT_NAME = /^checkpoint-(\d+)$/;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function subdirectories(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Orders run directory names by version number, then timestamp. */
function compareRuns(a: string, b: string): number {
  const ma = RUN_DIR_NAME.exec(basename(a));
  const mb = RUN_DIR_NAME.exec(basename(b));
  if (!ma || !mb) return a.localeCompare(b);
  return Number(ma[1]) - Number(mb[1]) || (ma[2] as string).localeCompare(mb[2] as string);
}

/** Every run directory at `root`: root itself when it holds a logging.jsonl, else `vN-*` up to two levels down. */
export async function findRunDirs(root: string): Promise<string[]> {
  if (existsSync(join(root, 'logging.jsonl')) || RUN_DIR_NAME.test(basename(root))) return [root];
  const found: string[] = [];
  for (const child of await subdirectories(root)) {
    const path = join(root, child);
    if (RUN_DIR_NAME.test(child)) found.push(path);
    else for (const grandchild of await subdirectories(path)) if (RUN_DIR_NAME.test(grandchild)) found.push(join(path, grandchild));
  }
  return found.sort(compareRuns);
}

/** The newest run directory at `root`; NotFoundError naming what was looked for. */
export async function latestRunDir(root: string): Promise<string> {
  if (!(await isDirectory(root))) throw new NotFoundError(`${root}: no such directory`);
  const runs = await findRunDirs(root);
  const latest = runs.at(-1);
  if (!latest) throw new NotFoundError(`${root}: no ms-swift run here (looked for logging.jsonl, vN-YYYYMMDD-HHMMSS/ and <model_type>/vN-…/)`);
  return latest;
}

export interface Checkpoint {
  step: number;
  path: string;
}

/** `checkpoint-<step>` directories of a run, by step. */
export async function listCheckpoints(runDir: string): Promise<Checkpoint[]> {
  const names = await subdirectories(runDir);
  return names
    .map((name) => ({ name, match: CHECKPOINT_NAME.exec(name) }))
    .filter((e) => e.match)
    .map((e) => ({ step: Number(e.match?.[1]), path: join(runDir, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/** New run directories that appeared under `root` since `before` (names found by findRunDirs). */
export async function newRunDirs(root: string, before: ReadonlySet<string>): Promise<string[]> {
  return (await findRunDirs(root)).filter((dir) => !before.has(dir) && dir !== root);
}
