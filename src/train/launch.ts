/**
 * A training run from launch to exit: start `swift sft` in its own process group, tee its output to
 * swift.log, find the `vN-<timestamp>` directory it creates, follow that directory's logging.jsonl as it
 * grows, and report how it ended (ms-swift's exit code, the last meaningful error).
 *
 * The run directory is taken from ms-swift's `output_dir: …` log line when it prints one (2.x
 * argument.py:1165 and 3.x train_args.py:411 log it), else found by looking for a new `vN-*` directory
 * under the output directory. swift.log starts in the output directory and is moved into the run
 * directory once that exists (a rename keeps the open file).
 */
import { copyFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import { DATA_RECORD_FILE } from '../grounding/record.js';
import { followLog } from './follow.js';
import type { SwiftLogEvent } from './logging.js';
import { startProcess, type ProcessResult, type RunningProcess } from './process.js';
import { findRunDirs, newRunDirs } from './run-dir.js';
import { formatRunRecord, RUN_RECORD_FILE, type RunRecord } from './run-record.js';
import type { ExternalCommand } from './shell.js';

export interface TrainRunOptions {
  command: ExternalCommand;
  /** The recipe's output directory (ms-swift's --output_dir). */
  outDir: string;
  cwd?: string;
  baseEnv?: NodeJS.ProcessEnv;
  /** Written beside the log as ocrdet-recipe.json, so merge/deploy/status know what was trained. */
  recipeRecord?: RunRecord;
  /** The data record (ocrdet-data.json) copied beside it, so merge/deploy/detect see images as training did. */
  dataRecordPath?: string;
  onStart?: (process: RunningProcess, logPath: string) => void;
  onRunDir?: (runDir: string) => void;
  onEvent?: (event: SwiftLogEvent) => void;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  onProblem?: (message: string) => void;
  /** How often to look for the run directory and new log lines. Default 500 ms. */
  pollMs?: number;
  stopGraceMs?: number;
}

export interface TrainRunResult extends ProcessResult {
  runDir?: string;
  /** Where swift.log ended up. */
  logPath: string;
  events: SwiftLogEvent[];
}

const OUTPUT_DIR_LINE = /output_dir: (\S+)\s*$/m;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the training command to its end; never throws for a failed run (the result says how it ended). */
export async function runTraining(options: TrainRunOptions): Promise<TrainRunResult> {
  const cwd = options.cwd ?? process.cwd();
  const outDir = isAbsolute(options.outDir) ? options.outDir : resolve(cwd, options.outDir);
  makeDirectory(outDir);
  const before = new Set(await findRunDirs(outDir));
  let logPath = join(outDir, 'swift.log');
  if (options.recipeRecord) await writeRunRecords(outDir, options.recipeRecord, options.dataRecordPath);

  let announcedDir: string | undefined;
  const running = await startProcess({
    command: options.command,
    cwd,
    baseEnv: options.baseEnv,
    logPath,
    stopGraceMs: options.stopGraceMs,
    onOutput: (text, stream) => {
      const match = OUTPUT_DIR_LINE.exec(text);
      if (match && !announcedDir) announcedDir = resolve(cwd, match[1] as string);
      options.onOutput?.(text, stream);
    },
  });
  options.onStart?.(running, logPath);

  let exited = false;
  const result = running.done.then((r) => {
    exited = true;
    return r;
  });
  const pollMs = options.pollMs ?? 500;
  let runDir: string | undefined;
  while (!runDir && !exited) {
    runDir = await locateRunDir(outDir, before, announcedDir);
    if (!runDir) await delay(pollMs);
  }
  runDir ??= await locateRunDir(outDir, before, announcedDir);

  let events: SwiftLogEvent[] = [];
  if (runDir) {
    try {
      await rename(logPath, join(runDir, 'swift.log'));
      logPath = join(runDir, 'swift.log');
    } catch {
      // Another file system or the directory vanished: the log stays in the output directory.
    }
    if (options.recipeRecord) await writeRunRecords(runDir, options.recipeRecord, options.dataRecordPath).catch(() => undefined);
    options.onRunDir?.(runDir);
    const stopFollowing = new AbortController();
    void result.then(() => stopFollowing.abort());
    events = await followLog(join(runDir, 'logging.jsonl'), {
      onEvent: (event) => options.onEvent?.(event),
      onProblem: options.onProblem,
      signal: stopFollowing.signal,
      pollMs,
      stopAtFinal: false,
    });
  }
  const ended = await result;
  return { ...ended, ...(runDir ? { runDir } : {}), logPath, events };
}

/** Writes the run record (ocrdet-recipe.json) and a copy of the data record (ocrdet-data.json) into `dir`. */
export async function writeRunRecords(dir: string, record: RunRecord, dataRecordPath?: string): Promise<void> {
  await writeFile(join(dir, RUN_RECORD_FILE), formatRunRecord(record));
  if (dataRecordPath) await copyFile(dataRecordPath, join(dir, DATA_RECORD_FILE));
}

async function locateRunDir(outDir: string, before: ReadonlySet<string>, announced: string | undefined): Promise<string | undefined> {
  const fresh = await newRunDirs(outDir, before);
  if (announced && fresh.includes(announced)) return announced;
  return fresh.at(-1);
}
