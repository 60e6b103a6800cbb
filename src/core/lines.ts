/**
 * Reading a JSON-lines file line by line, streaming (any size), with the bytes of each line kept so that a
 * reader can account for them exactly (resume appends after the last whole line and cuts a torn one).
 * The one line reader of results files: resume, eval and reparse read through it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BadResultsError, NotFoundError } from './errors.js';

export interface FileLine {
  /** 1-based. Blank lines count. */
  number: number;
  /** The line as UTF-8 text, without its line end (`\n` or `\r\n`) and, on line 1, without a byte-order mark. */
  text: string;
  /** The line's bytes as stored, without the `\n`. */
  bytes: Buffer;
  /** False for a last line that has no `\n` (a file cut short, or simply written without a final newline). */
  ended: boolean;
  /** With `maxLineBytes`: the length of a line longer than that, whose text and bytes are then empty (not held). */
  tooLongBytes?: number;
}

export interface ReadLinesOptions {
  /** Lines longer than this are not held in memory: they come with `tooLongBytes` and no text. Default: no limit. */
  maxLineBytes?: number;
}

/** Yields every line of `path` (or of chunks read from it) in order; throws the file system's error when it cannot be read. */
export async function* readLines(path: string | AsyncIterable<Buffer>, options: ReadLinesOptions = {}): AsyncGenerator<FileLine> {
  const maxLineBytes = options.maxLineBytes ?? Infinity;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Bytes of the current line dropped because it is over the limit (0: not over). */
  let dropped = 0;
  let number = 0;
  const line = (bytes: Buffer, ended: boolean): FileLine => {
    number++;
    if (dropped > 0 || bytes.length > maxLineBytes) {
      const tooLongBytes = dropped + bytes.length;
      dropped = 0;
      return { number, text: '', bytes: Buffer.alloc(0), ended, tooLongBytes };
    }
    let text = bytes.toString('utf8');
    if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return { number, text, bytes, ended };
  };
  for await (const chunk of typeof path === 'string' ? (createReadStream(path) as AsyncIterable<Buffer>) : path) {
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, nl);
      yield line(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece, true);
      pending = [];
      pendingBytes = 0;
      from = nl + 1;
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingBytes += chunk.length - from;
      if (pendingBytes > maxLineBytes) {
        dropped += pendingBytes;
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pending.length > 0 || dropped > 0) yield line(Buffer.concat(pending), false);
}

/** Throws NotFoundError when the results file `path` does not exist, BadResultsError when it is not a file. */
export async function assertResultsFile(path: string): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    throw new NotFoundError(`results file ${path} does not exist`, { cause: error });
  });
  if (!info.isFile()) throw new BadResultsError(`results file ${path} is not a file (expected Detection JSONL)`);
}
