/**
 * File-system helpers for readers: streamed directory walks (never a whole listing in memory), line
 * reading with BOM handling, the first bytes of a file for format sniffing, and case-insensitive lookup.
 */
import { readFileSync, statSync } from 'node:fs';
import { open, opendir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import { FileSystemError, UsageError, fileSystemErrno } from '../core/errors.js';
import { readLines as readFileLines } from '../core/lines.js';
import { optionDetails, optionName } from '../core/options.js';

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
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

export function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * Creates an output folder (and its parents). A file in the way, or a path that cannot exist, is a usage
 * error naming the `option` it came from; the disk's refusal (permission, read-only, full) is FileSystemError.
 */
export function makeOutputDir(path: string, option = 'out'): void {
  const info = statSync(path, { throwIfNoEntry: false });
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

/** The first `bytes` of a file as UTF-8 without a BOM ('' when unreadable). */
export async function readHead(path: string, bytes = 65_536): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return stripBom(buffer.subarray(0, bytesRead).toString('utf8'));
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

/**
 * Streams a text file's lines (UTF-8, BOM dropped; CR LF, LF or a lone CR ends a line, as in node:readline)
 * with 1-based numbers, through the one line reader of core/lines.ts.
 */
export async function* readLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  let line = 0;
  for await (const { text } of readFileLines(path)) {
    for (const part of text.split('\r')) yield { text: part, line: ++line };
  }
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
