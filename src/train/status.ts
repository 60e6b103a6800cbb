/**
 * `train status`: the figures of any run directory — live or finished, from this machine or another —
 * read from its logging.jsonl alone.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { parseLogText, type SwiftLogEvent } from './logging.js';
import { latestRunDir } from './run-dir.js';
import { summarizeRun, type RunSummary } from './summary.js';

export interface RunStatus {
  runDir: string;
  summary: RunSummary;
  events: SwiftLogEvent[];
  /** Lines that could not be read, one message each. */
  problems: string[];
}

/** Reads the newest run at `target` (a run directory, or an output directory holding runs). */
export async function readRunStatus(target: string): Promise<RunStatus> {
  const runDir = await latestRunDir(target);
  const logPath = join(runDir, 'logging.jsonl');
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch (error) {
    throw new NotFoundError(`${logPath}: no log yet (ms-swift writes it at the first logging step)`, { cause: error });
  }
  const { events, problems } = parseLogText(text, logPath);
  return { runDir, summary: summarizeRun(events), events, problems };
}
