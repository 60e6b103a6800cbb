/**
 * The resumable results file: one Detection JSON per line, appended, never rewritten in place.
 *
 * Crash safety: each line goes to the file in one write() call, ending with its newline, so after a kill -9
 * the file is complete lines plus, at worst, one partial last line. `scanResults` finds that broken tail and
 * `cutBrokenTail` removes exactly it (and nothing else) before a rerun appends. Data written with write() is
 * in the kernel's page cache and survives the process being killed; fsync (at most once per
 * `syncIntervalMs`, and at close) only bounds what an OS crash or power loss can take.
 *
 * A disk that fills up (or turns read-only, or fails) mid-line: the writer cuts the file back to its last
 * complete line and throws FileSystemError naming the file, so a rerun on a good disk finds only complete
 * lines and goes on from there.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkResultLine } from '../core/detection.js';
import { BadResultsError, toFileSystemError } from '../core/errors.js';
import { readLines } from '../core/lines.js';
import { optionDetails, optionName } from '../core/options.js';
import type { Detection } from '../core/types.js';
import { quoteLine } from '../datasets/problems.js';

/** Every line starts with this: `image` is written first so a torn line is recognisable as ours. */
const LINE_START = '{"image":';

export interface RecordedImage {
  /** The image as recorded in the file. */
  image: string;
  /** Its page, for a page of a document. */
  page?: number;
  /** At least one line for this image has no `error`. */
  ok: boolean;
}

export interface ResultsScan {
  /** Recorded images, keyed by `imageKey`: absolute path (resolved against the working directory) and page. */
  images: Map<string, RecordedImage>;
  /** Complete, valid lines. */
  lines: number;
  /** Bytes of complete, valid lines: where a rerun appends. */
  validBytes: number;
  /** Bytes after `validBytes`: the half-written tail of an interrupted run (0 when the file is clean). */
  brokenTailBytes: number;
}

/** The key results and inputs are matched by: the absolute path, and `#page` for a page of a document. */
export function imageKey(image: string, page?: number): string {
  return page === undefined ? resolve(image) : `${resolve(image)}#${page}`;
}

/** A torn line is a prefix of one of our lines, or the NUL bytes some filesystems leave after a crash. */
function looksLikeTornLine(bytes: Buffer): boolean {
  const text = bytes.toString('utf8');
  if (/^\0+$/.test(text)) return true;
  const head = text.slice(0, LINE_START.length);
  return LINE_START.startsWith(head) && !text.includes('\n');
}

/**
 * Reads a results file line by line (streaming: any size). A partial last line (no newline) is reported as
 * the broken tail. Anything else that is not a Detection line throws BadResultsError naming the line:
 * ocrdet never cuts or rewrites what it did not write itself.
 */
export async function scanResults(path: string): Promise<ResultsScan> {
  const scan: ResultsScan = { images: new Map(), lines: 0, validBytes: 0, brokenTailBytes: 0 };
  for await (const { number, text, bytes, ended } of readLines(path)) {
    if (!ended) {
      if (!looksLikeTornLine(bytes)) throw new BadResultsError(`${path}:${number}: the last line is not a Detection line ocrdet wrote; is ${optionName('out')} the right file?`, { details: optionDetails('out') });
      scan.brokenTailBytes = bytes.length;
      break;
    }
    scan.validBytes += bytes.length + 1;
    if (text.trim() === '') continue;
    const { line } = checkResultLine(text);
    if (!line) {
      throw new BadResultsError(`${path}:${number}: not a Detection JSON line (${quoteLine(text)}); is ${optionName('out')} the right file? ocrdet only appends to its own results`, {
        details: optionDetails('out'),
      });
    }
    const key = imageKey(line.image, line.page);
    const known = scan.images.get(key);
    scan.images.set(key, { image: line.image, ...(line.page === undefined ? {} : { page: line.page }), ok: line.error === undefined || Boolean(known?.ok) });
    scan.lines++;
  }
  return scan;
}

/** Truncates the file to its valid part (only ever the broken tail found by `scanResults`). */
export async function cutBrokenTail(path: string, scan: ResultsScan): Promise<void> {
  if (scan.brokenTailBytes === 0) return;
  try {
    const handle = await open(path, 'r+');
    try {
      await handle.truncate(scan.validBytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw toFileSystemError(error, path);
  }
}

/**
 * For `retryErrors`: rewrites the file without the error lines of `dropImages` (absolute keys). The kept
 * lines are copied byte for byte to a temporary file, synced, then renamed over the original: at every
 * instant the file on disk is either the old one or the new one, never a mix.
 */
export async function dropErrorLines(path: string, dropImages: ReadonlySet<string>): Promise<number> {
  const temporary = `${path}.ocrdet-tmp-${process.pid}`;
  const out = await open(temporary, 'w');
  let dropped = 0;
  try {
    for await (const { text, bytes } of readLines(path)) {
      const { line } = bytes.length > 0 ? checkResultLine(text) : {};
      if (line && line.error !== undefined && dropImages.has(imageKey(line.image, line.page))) dropped++;
      else if (bytes.length > 0) await out.write(Buffer.concat([bytes, Buffer.from('\n')]));
    }
    await out.sync();
    await out.close();
    await rename(temporary, path);
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw toFileSystemError(error, temporary, `nothing was changed in ${path}; free some space (or fix the folder) and run again`);
  }
  return dropped;
}

/** One Detection as one line, `image` first (see LINE_START). */
export function detectionLine(detection: Detection): string {
  const { image, ...rest } = detection;
  return `${JSON.stringify({ image, ...rest })}\n`;
}

export interface JsonlWriterOptions {
  /** Longest time between fsyncs while lines are being appended. */
  syncIntervalMs?: number;
}

/**
 * Appends Detection lines to a file, one write() each. Lines are fsynced together at most `syncIntervalMs`
 * after they were written (a timer covers a pause after the last line), and at close.
 */
export class JsonlWriter {
  private lastSyncMs = performance.now();
  private unsynced = false;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  /** Set once a write failed: the file ends with its last complete line, and nothing more is written. */
  private failure: unknown;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    /** Bytes of complete lines in the file: where the next line starts. */
    private size: number,
    private readonly syncIntervalMs: number,
  ) {}

  static async open(path: string, options: JsonlWriterOptions = {}): Promise<JsonlWriter> {
    try {
      const handle = await open(path, 'a');
      const { size } = await handle.stat();
      return new JsonlWriter(path, handle, size, options.syncIntervalMs ?? 1000);
    } catch (error) {
      throw toFileSystemError(error, path);
    }
  }

  async append(detection: Detection): Promise<void> {
    if (this.failure) throw this.failure;
    const line = Buffer.from(detectionLine(detection), 'utf8');
    let bytes = line;
    try {
      // One call writes the whole line in practice; the loop only covers a short write (e.g. disk nearly full).
      for (;;) {
        const { bytesWritten } = await this.handle.write(bytes);
        if (bytesWritten >= bytes.length) break;
        bytes = bytes.subarray(bytesWritten);
      }
    } catch (error) {
      // Cut the part of the line that made it to the file: the file ends with complete lines only.
      await this.handle.truncate(this.size).catch(() => undefined);
      this.failure = toFileSystemError(error, this.path, 'the lines written before are kept: run the same command again once the disk has room (or is fixed) to finish');
      throw this.failure;
    }
    this.size += line.length;
    this.unsynced = true;
    if (performance.now() - this.lastSyncMs >= this.syncIntervalMs) await this.sync();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.sync().catch(() => undefined), this.syncIntervalMs);
      this.timer.unref();
    }
  }

  async sync(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.syncing;
    if (!this.unsynced) return;
    this.unsynced = false;
    this.syncing = this.handle.datasync();
    try {
      await this.syncing;
    } catch (error) {
      this.unsynced = true; // close() tries again and reports it
      throw toFileSystemError(error, this.path);
    } finally {
      this.syncing = undefined;
      this.lastSyncMs = performance.now();
    }
  }

  async close(): Promise<void> {
    try {
      if (!this.failure) await this.sync();
    } finally {
      await this.handle.close();
    }
  }
}
