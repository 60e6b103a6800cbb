/**
 * Command-line inputs → the ordered list of images to process.
 *
 * Each input is, in this order of precedence: an existing file (taken as given, whatever its extension),
 * an existing directory (every image file below it, recursively), or a glob (tinyglobby syntax; image
 * files only); hidden files and folders are skipped in both. Order is deterministic: inputs in the order
 * given, paths sorted by code point within each input; a file reached twice is kept at its first place. An input that matches nothing is a usage error
 * (a typo should stop the run before any work, not be noticed at the end).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { NotFoundError, UsageError } from '../core/errors.js';

/**
 * File extensions picked up from directories and globs. PDF (each page rendered: ./pages.ts); the formats
 * sharp's prebuilt libvips reads (JPEG, PNG, WebP, TIFF, GIF, AVIF), plus BMP and HEIC: sharp cannot read those (no BMP loader; HEIC needs a HEVC
 * decoder the prebuilt binaries leave out), but an image the user has should end with a clear error
 * rather than be skipped in silence.
 */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif', '.bmp', '.pdf',
]);

export interface ImageInput {
  /** The path as it is read and recorded in `Detection.image`: the input joined with the path found under it. */
  path: string;
  /** Path relative to the input it came from (a directory, a glob's fixed prefix, or the file's own name). */
  relativePath: string;
}

/** Extensions listed above that sharp's prebuilt binaries cannot decode, with what to tell the user. */
const UNREADABLE_FORMATS: Readonly<Record<string, string>> = {
  '.bmp': 'BMP is not a format sharp (libvips) reads; convert it, e.g. to PNG',
  '.heic': "HEIC needs a HEVC decoder that sharp's prebuilt libvips leaves out; convert it, e.g. to JPEG",
  '.heif': "HEIF/HEVC needs a decoder that sharp's prebuilt libvips leaves out; convert it, e.g. to JPEG",
};

/** A hint for an image that failed to decode, when its extension explains why. */
export function unreadableFormatHint(path: string): string | undefined {
  return UNREADABLE_FORMATS[extname(path).toLowerCase()];
}

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** Code-point order: the same on every machine and locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/**
 * Image files below `dir`, recursively, as paths relative to it (with `/`), sorted. Hidden files and
 * folders are left out, as globs leave them out (they hold thumbnails, `.git`, macOS `._photo.jpg` stubs).
 */
async function listImagesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!isImagePath(entry.name)) continue;
    // `parentPath` from Node 20.12; `path` before (engines: >= 20.9).
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    const full = join(parent, entry.name);
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await statOrUndefined(full))?.isFile());
    const path = relative(dir, full).split(sep).join('/');
    if (isFile && !path.split('/').some((segment) => segment.startsWith('.'))) found.push(path);
  }
  return found.sort(byCodePoint);
}

/** The part of a glob before its first dynamic segment: overlay names are relative to it. */
function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (isDynamicPattern(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/');
}

async function expandOne(input: string): Promise<ImageInput[]> {
  const info = await statOrUndefined(input);
  if (info?.isFile()) return [{ path: input, relativePath: basename(input) }];
  if (info?.isDirectory()) {
    const found = await listImagesBelow(input);
    if (found.length === 0) {
      throw new UsageError(`${input}: directory has no image or PDF files (looked for ${IMAGE_EXTENSIONS.join(' ')}, recursively)`);
    }
    return found.map((rel) => ({ path: join(input, rel), relativePath: rel }));
  }
  if (info) throw new UsageError(`${input}: neither a file nor a directory`);
  if (!isDynamicPattern(input)) throw new NotFoundError(`${input}: no such file or directory`);
  // An absolute pattern gives absolute paths, a relative one paths relative to the working directory.
  const options = { onlyFiles: true, dot: false, expandDirectories: false, absolute: isAbsolute(input) };
  const matches = (await glob(input, options)).filter(isImagePath);
  if (matches.length === 0) throw new UsageError(`${input}: the pattern matched no image or PDF files`);
  const base = globBase(input);
  return matches.sort(byCodePoint).map((path) => ({ path, relativePath: base ? relative(base, path).split(sep).join('/') : path }));
}

/**
 * Expands files, directories and globs into images, in a deterministic order, without duplicates.
 * Throws UsageError when there are no inputs or when any input matches nothing.
 */
export async function expandInputs(inputs: readonly string[]): Promise<ImageInput[]> {
  if (inputs.length === 0) throw new UsageError('no inputs: give image files, directories or glob patterns');
  const seen = new Set<string>();
  const images: ImageInput[] = [];
  for (const input of inputs) {
    if (typeof input !== 'string' || input === '') throw new UsageError(`inputs: expected a path or pattern, received ${JSON.stringify(input)}`);
    for (const image of await expandOne(input)) {
      const key = resolve(image.path);
      if (seen.has(key)) continue;
      seen.add(key);
      images.push(image);
    }
  }
  return images;
}
