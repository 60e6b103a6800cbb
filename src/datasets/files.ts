/**
 * File-system helpers for readers: streamed directory walks (never a whole listing in memory), annotation
 * text read whole within a size limit and decoded in its own encoding (./text.ts), line reading, the first
 * bytes of a file for format sniffing, and case-insensitive lookup.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open, opendir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import { FileSystemError, UsageError, fileSystemErrno } from '../core/errors.js';
import { readLines as readFileLines } from '../core/lines.js';
import { optionDetails, optionName } from '../core/options.js';
import type { DatasetFormat, ReaderContext } from './reader.js';
import { UnknownEncodingError, decodeText } from './text.js';

const MiB = 1024 * 1024;

/**
 * The largest annotation file each format reads whole, in bytes (ReadDatasetOptions.maxAnnotationBytes
 * replaces them all); a larger one is a `bad-file` problem, read no further. Memory stays bounded below it.
 */
export const ANNOTATION_SIZE_LIMITS: Readonly<Record<DatasetFormat, number>> = Object.freeze({
  /**
   * One image's objects take kilobytes. fast-xml-parser holds ~30× the file while parsing: 16 MiB of VOC XML
   * (101,266 objects) peaked at 0.5 GB of RSS, 50 MB at 1.35 GB, and a 768 MB heap died on 50 MB.
   */
  'voc-quad': 16 * MiB,
  /** One image's lines; as VOC. */
  icdar2015: 16 * MiB,
  /** LabelMe may embed the image itself (`imageData`, base64): a 12-megapixel PNG takes ~25 MB. */
  labelme: 64 * MiB,
  /** One LINE of Label.txt (one image's annotations); the file itself is streamed, at any size. */
  ppocr: 16 * MiB,
  /** V8's longest string is 2^29 − 24 characters (~512 MB): one JSON document cannot be larger. */
  coco: 500 * MiB,
  /**
   * One line of ocrdet's results (one image's Detection: 10,000 regions with text take ~2 MB), or a whole file
   * that is one JSON document (a pretty Detection, or an array of them); JSONL files are streamed at any size.
   */
  results: 64 * MiB,
});

/** `16 MiB`, `1.5 MiB`, `900 bytes`. */
export function describeBytes(bytes: number): string {
  if (bytes < MiB) return `${bytes} bytes`;
  const mib = bytes / MiB;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/**
 * The text of one annotation file read whole: refused above the format's size limit, decoded in its own
 * encoding (BOM, UTF-16, the XML declaration; ./text.ts). Problems are reported through `context`: a file
 * that cannot be used is a `bad-file` (and undefined comes back), bytes not valid in its encoding an
 * `encoding` warning naming the line (the text keeps U+FFFD there). Synchronous, as readTextFile.
 */
export function readAnnotationText(path: string, context: Pick<ReaderContext, 'report' | 'options'>, options: { xml?: boolean } = {}): string | undefined {
  const limit = context.options.maxAnnotationBytes;
  let bytes: Buffer;
  try {
    const { size } = statSync(path);
    if (size > limit) {
      context.report({ kind: 'bad-file', file: path, message: `${size} bytes, more than an annotation file may be (${describeBytes(limit)}); not read`, skipped: true });
      return undefined;
    }
    bytes = readFileSync(path);
  } catch (error) {
    context.report({ kind: 'bad-file', file: path, message: `cannot read (${(error as Error).message})`, skipped: true });
    return undefined;
  }
  try {
    const decoded = decodeText(bytes, options);
    if (decoded.warning) context.report({ kind: 'encoding', file: path, line: decoded.warning.line, message: decoded.warning.message });
    return decoded.text;
  } catch (error) {
    if (!(error instanceof UnknownEncodingError)) throw error;
    context.report({ kind: 'bad-file', file: path, message: error.message, skipped: true });
    return undefined;
  }
}

/** Image file extensions readers try, lower case, in the order tried. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif'] as const;

export function isImageName(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

export type PathKind = 'file' | 'dir' | 'missing';

export async function pathKind(path: string): Promise<PathKind> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * Whether a file exists. Synchronous on purpose: readers probe several candidate names per image, most of
 * them absent, and a non-throwing stat costs microseconds where a rejected promise costs an exception and a
 * thread-pool round trip (a 5,000-file dataset without images spent 2 s there).
 */
export function isFile(path: string): boolean {
  return statOrUndefined(path)?.isFile() ?? false;
}

export function isDir(path: string): boolean {
  return statOrUndefined(path)?.isDirectory() ?? false;
}

/** A path in a folder we may not look into (EACCES), or under a file (ENOTDIR), is no file we can use: not there. */
function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Creates an output folder (and its parents). A file in the way, or a path that cannot exist, is a usage
 * error naming the `option` it came from; the disk's refusal (permission, read-only, full) is FileSystemError.
 */
export function makeOutputDir(path: string, option = 'out'): void {
  const info = statOrUndefined(path);
  const details = optionDetails(option);
  if (info && !info.isDirectory()) throw new UsageError(`${optionName(option)} ${path}: exists and is not a folder`, { details });
  try {
    makeDirectory(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const ErrorClass = fileSystemErrno(error) ? FileSystemError : UsageError;
    throw new ErrorClass(`${optionName(option)} ${path}: cannot create the folder (${code ?? (error as Error).message})`, { cause: error, details });
  }
}

export interface WalkedFile {
  path: string;
  /** Folder of the file relative to the walk's root, '/'-separated; '' at the root. */
  relDir: string;
  name: string;
}

/**
 * Streams the files under `root` whose name `accept`s, depth first, without holding a listing: only the
 * open directory handles of the current path are kept. Hidden folders (".git") are skipped.
 */
export async function* walkFiles(
  root: string,
  accept: (name: string) => boolean,
  maxDepth = 8,
  relDir = '',
): AsyncGenerator<WalkedFile> {
  const dir = await opendir(relDir ? join(root, relDir) : root);
  for await (const entry of dir) {
    if (entry.name.startsWith('.')) continue;
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (maxDepth > 0) yield* walkFiles(root, accept, maxDepth - 1, rel);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && accept(entry.name)) {
      yield { path: join(root, rel), relDir, name: entry.name };
    }
  }
}

/** Up to `max` entry names of a folder (for sniffing; never the whole of a large folder). */
export async function firstEntries(dir: string, max = 400): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  const handle = await opendir(dir);
  try {
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      (entry.isDirectory() ? dirs : files).push(entry.name);
      if (files.length + dirs.length >= max) break;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { files, dirs };
}

/** The first `bytes` of a file as text, decoded as readAnnotationText would (BOM, UTF-16, XML declaration); '' when unreadable. */
export async function readHead(path: string, bytes = 65_536): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      const head = buffer.subarray(0, bytesRead);
      try {
        return decodeText(head, { xml: head[0] === 0x3c }).text;
      } catch {
        return stripBom(head.toString('utf8'));
      }
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The text of one annotation file (UTF-8, BOM dropped). Synchronous on purpose, as isFile: readers read one
 * small file per sample, and fs/promises' readFile makes four thread-pool round trips (open, stat, read,
 * close) — 150 µs for a 1 KB XML file here, against 15–20 µs read synchronously — while nothing else waits
 * on this thread. Throws the file system's error (ENOENT, EISDIR, …).
 */
export function readTextFile(path: string): string {
  return stripBom(readFileSync(path, 'utf8'));
}

/** The lines of a text as readLines gives them: CR LF, LF or CR ends a line; no empty line after the last break. */
export function* textLines(text: string): Generator<{ text: string; line: number }> {
  if (text === '') return;
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) yield { text: lines[i], line: i + 1 };
}

export interface TextLine {
  text: string;
  /** 1-based. */
  line: number;
  /** Bytes that are not valid UTF-8 (or UTF-16) on this line became U+FFFD. */
  invalid?: true;
  /** With `maxLineBytes`: the length of a line over the limit, whose text is then empty (it was not held). */
  tooLongBytes?: number;
}

/**
 * Streams a text file's lines (UTF-8, or UTF-16 with a BOM or its NUL bytes; BOM dropped; CR LF, LF or a
 * lone CR ends a line, as in node:readline) with 1-based numbers. UTF-8 goes through the one line reader of
 * core/lines.ts; each line's bytes are checked (`invalid`). Lines over `maxLineBytes` are not held.
 */
export async function* readLines(path: string, options: { maxLineBytes?: number } = {}): AsyncGenerator<TextLine> {
  // The encoding is told from the first chunk, which is then read on with the rest: a named pipe is read once.
  const chunks = (createReadStream(path) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return;
  const all = (async function* () {
    yield first.value as Buffer;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value as Buffer;
  })();
  const utf16 = utf16Encoding(first.value as Buffer);
  if (utf16) {
    yield* readUtf16Lines(all, utf16, options.maxLineBytes ?? Infinity);
    return;
  }
  const strict = new TextDecoder('utf-8', { fatal: true });
  let line = 0;
  for await (const { text, bytes, tooLongBytes } of readFileLines(all, options)) {
    if (tooLongBytes !== undefined) {
      yield { text: '', line: ++line, tooLongBytes };
      continue;
    }
    let invalid = false;
    if (text.includes('\uFFFD')) {
      try {
        strict.decode(bytes);
      } catch {
        invalid = true;
      }
    }
    for (const part of text.split('\r')) yield { text: part, line: ++line, ...(invalid ? { invalid: true as const } : {}) };
  }
}

/** UTF-16 (by a BOM or NUL bytes, ./text.ts's rules) from a file's first bytes, or undefined. */
function utf16Encoding(head: Buffer): string | undefined {
  const even = head.subarray(0, Math.min(head.length, 128) & ~1);
  try {
    const { encoding } = decodeText(even);
    return encoding.startsWith('utf-16') ? encoding : undefined;
  } catch {
    return undefined;
  }
}

/** UTF-16 lines, decoded as they stream in (a line break in UTF-16 is two bytes: the bytes cannot be split). */
async function* readUtf16Lines(chunks: AsyncIterable<Buffer>, encoding: string, maxLineBytes: number): AsyncGenerator<TextLine> {
  const decoder = new TextDecoder(encoding);
  let pending = '';
  let dropped = 0;
  let line = 0;
  const out = (text: string): TextLine => {
    line++;
    if (dropped > 0 || text.length * 2 > maxLineBytes) {
      const tooLongBytes = dropped + text.length * 2;
      dropped = 0;
      return { text: '', line, tooLongBytes };
    }
    return { text, line, ...(text.includes('\uFFFD') ? { invalid: true as const } : {}) };
  };
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    // A CR at the very end may be the first half of a CR LF: keep it for the next chunk.
    const parts = pending.split(/\r\n|\n|\r(?!$)/);
    pending = parts.pop() ?? '';
    for (const part of parts) yield out(part);
    if (pending.length * 2 > maxLineBytes) {
      dropped += pending.length * 2;
      pending = '';
    }
  }
  pending += decoder.decode();
  if (pending.endsWith('\r')) pending = pending.slice(0, -1) + '\n';
  const parts = pending.split(/\r\n|\n|\r/);
  const last = parts.pop() ?? '';
  for (const part of parts) yield out(part);
  if (last !== '' || dropped > 0) yield out(last);
}

/** Folders with more entries than this are not indexed for case-insensitive lookup (memory stays flat). */
const MAX_INDEXED_ENTRIES = 100_000;

/**
 * Case-insensitive file lookup, for datasets whose names differ from their references only in case
 * (`IMG_1.JPG` for `img_1.jpg`). A folder is listed only on the first lookup that missed, then cached.
 */
export class CaseInsensitiveIndex {
  private readonly folders = new Map<string, Map<string, string> | null>();

  async find(dir: string, name: string): Promise<string | undefined> {
    let index = this.folders.get(dir);
    if (index === undefined) {
      index = await this.build(dir);
      this.folders.set(dir, index);
    }
    const actual = index?.get(name.toLowerCase());
    return actual === undefined ? undefined : join(dir, actual);
  }

  private async build(dir: string): Promise<Map<string, string> | null> {
    const index = new Map<string, string>();
    try {
      for await (const entry of await opendir(dir)) {
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        if (index.size >= MAX_INDEXED_ENTRIES) return null;
        index.set(entry.name.toLowerCase(), entry.name);
      }
    } catch {
      return null;
    }
    return index;
  }
}

/** A JSON.parse failure as a line number (when the message gives a position) and a one-line reason. */
export function jsonErrorAt(text: string, error: unknown): { line?: number; reason: string } {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const position = /position (\d+)/.exec(reason);
  if (!position) return { reason };
  const offset = Number(position[1]);
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return { line, reason };
}
