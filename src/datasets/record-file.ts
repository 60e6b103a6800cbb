/**
 * The data record on disk (its schema: src/grounding/record.ts): written by `data convert` beside the rows,
 * copied by `train` beside the run, and found again from a data folder, a run, a checkpoint or a merged model.
 * The file is pretty JSON with one row's token counts per line, so a person can read it and `jq` can query it.
 */
import { readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, NotFoundError } from '../core/errors.js';
import { formatIssues } from '../core/options.js';
import { DATA_RECORD_FILE, DATA_RECORD_VERSION, DataRecordSchema, type DataRecord, type RowTokens } from '../grounding/record.js';

/** Levels above a start folder searched for a record: checkpoint → run → model_type (2.x) → output folder. */
const LEVELS_UP = 4;

function rowLine(row: RowTokens): string {
  return `{"prompt": ${row.prompt}, "answer": ${row.answer}, "image": ${row.image}}`;
}

/** The record as its file holds it: two-space JSON, the rows one per line. */
export function formatDataRecord(record: DataRecord): string {
  const { rows, ...rest } = record;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const list = (name: 'train' | 'val') =>
    rows[name].length === 0 ? `    "${name}": []` : `    "${name}": [\n${rows[name].map((row) => `      ${rowLine(row)}`).join(',\n')}\n    ]`;
  return `${head},\n  "rows": {\n${list('train')},\n${list('val')}\n  }\n}\n`;
}

/** Writes DIR/ocrdet-data.json. */
export function writeDataRecord(dir: string, record: DataRecord): string {
  const path = join(dir, DATA_RECORD_FILE);
  writeFileSync(path, formatDataRecord(record));
  return path;
}

/** Reads and validates a record file; ConfigError saying which field is wrong, or that a newer ocrdet wrote it. */
export function readDataRecordFile(path: string): DataRecord {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { cause: error });
    throw new ConfigError(`${path}: not a JSON data record (${(error as Error).message})`, { cause: error });
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > DATA_RECORD_VERSION) {
    throw new ConfigError(`${path}: data record version ${version} was written by a newer ocrdet (this one reads version ${DATA_RECORD_VERSION})`);
  }
  const parsed = DataRecordSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, path), { cause: parsed.error });
  return parsed.data;
}

export interface FoundRecord {
  /** The ocrdet-data.json that was read. */
  path: string;
  record: DataRecord;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The record for `start`: a record file itself, or the ocrdet-data.json in the folder `start` names or up to
 * LEVELS_UP folders above it (links followed first, so `runs/ocr/merged` finds the run's). Undefined when none.
 */
export function findDataRecord(start: string): FoundRecord | undefined {
  let dir: string;
  try {
    const real = realpathSync(start);
    if (!isDirectory(real)) return { path: real, record: readDataRecordFile(real) };
    dir = real;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  for (let level = 0; level <= LEVELS_UP; level++) {
    const path = join(dir, DATA_RECORD_FILE);
    try {
      statSync(path);
    } catch {
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
      continue;
    }
    return { path, record: readDataRecordFile(path) };
  }
  return undefined;
}

/** `findDataRecord`, but a missing record is a NotFoundError naming where it was looked for. */
export function requireDataRecord(start: string): FoundRecord {
  const found = findDataRecord(start);
  if (!found) throw new NotFoundError(`${start}: no ${DATA_RECORD_FILE} there or in the ${LEVELS_UP} folders above (\`ocrdet data convert\` writes it beside train.jsonl)`);
  return found;
}

/** The path of a record's row file, resolved against the record's folder. */
export function recordFile(found: FoundRecord, file: 'train' | 'val'): string {
  return resolve(dirname(found.path), found.record.files[file]);
}
