/**
 * Overlay files of a batch: one PNG per image under the overlay directory, named after the image's path
 * relative to its input, so the overlay tree mirrors the input tree.
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkResultLine, detectionOf } from '../core/detection.js';
import { toFileSystemError, toOcrdetError } from '../core/errors.js';
import { makeDirectory } from '../core/dirs.js';
import { readLines } from '../core/lines.js';
import { count } from '../core/plural.js';
import type { Detection, DetectionError } from '../core/types.js';
import { drawOverlay } from '../image/overlay.js';
import type { ImageInput } from './inputs.js';
import { imageKey } from './jsonl.js';
import type { PageInput } from './pages.js';

/** Replaces the extension (if any) of the last path segment with `.png`. */
function withPngExtension(path: string): string {
  return path.replace(/(\.[^./]*)?$/, '.png');
}

/** `a/../b` and absolute parts must not escape the overlay directory. */
export function safeRelative(path: string): string {
  return path
    .split(/[\\/]+/)
    .filter((segment) => segment !== '' && segment !== '.')
    .map((segment) => (segment === '..' ? '__' : segment))
    .join('/');
}

/**
 * Overlay file names (relative to the overlay directory), one per image, without collisions, computed over
 * the whole input list so a resumed run names every image as the first run did:
 *  - `dir/photo.jpg` → `dir/photo.png`;
 *  - names that would collide (photo.jpg + photo.png, or A.jpg + a.jpg on case-insensitive disks) keep the
 *    original extension: `photo.jpg.png`, `photo.png.png`;
 *  - the same relative path under two inputs: the later ones get `-2`, `-3`… in input order.
 */
export function overlayNames(images: readonly ImageInput[]): string[] {
  const relatives = images.map((image) => safeRelative(image.relativePath));
  const simple = relatives.map(withPngExtension);
  // Images whose names differ only by extension or case keep their extension; identical relative paths
  // (from different inputs) are numbered below instead.
  const distinctSources = new Map<string, Set<string>>();
  simple.forEach((name, i) => {
    const key = name.toLowerCase();
    distinctSources.set(key, (distinctSources.get(key) ?? new Set()).add(relatives[i]));
  });
  const names = relatives.map((rel, i) => ((distinctSources.get(simple[i].toLowerCase())?.size ?? 0) > 1 ? `${rel}.png` : simple[i]));
  const taken = new Set(names.map((name) => name.toLowerCase()));
  const assigned = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 2; assigned.has(unique.toLowerCase()); n++) {
      unique = name.replace(/\.png$/, `-${n}.png`);
      if (taken.has(unique.toLowerCase())) unique = name; // another image's own name: keep counting
    }
    assigned.add(unique.toLowerCase());
    return unique;
  });
}

/**
 * Draws the regions of a finished detection and writes the PNG to `file` (parents created). `picture` is what
 * the regions were found on: the image file (default), or a page's decoded pixels. A write that fails (a full
 * disk) removes what it left, so that no truncated PNG passes for a written overlay.
 */
export async function writeOverlay(detection: Detection, file: string, maxPixels?: number, picture: string | Buffer = detection.image): Promise<void> {
  const png = await drawOverlay(picture, detection.regions, maxPixels === undefined ? {} : { maxPixels });
  makeDirectory(dirname(file));
  try {
    await writeFile(file, png);
  } catch (error) {
    await rm(file, { force: true }).catch(() => undefined);
    throw error;
  }
}

export function overlayPath(overlayDir: string, name: string): string {
  return join(overlayDir, ...name.split('/'));
}

export interface RedrawOptions {
  overlayDir?: string;
  maxPixels?: number;
  /** The picture a page of a document was detected on (its decoded pixels); images are read from their path. */
  pagePicture?: (image: PageInput) => Promise<Buffer>;
  onImageError?: (image: string, error: DetectionError) => void;
  onNotice?: (message: string) => void;
}

/**
 * Draws the overlays of images already done (`succeeded`: recorded with regions) whose PNG is missing: an
 * earlier run could not write it (a full disk), or ran without an overlay folder. The regions come from the
 * results file, read once, so nothing is detected again. Returns how many could not be written.
 */
export async function redrawMissingOverlays(out: string, images: readonly PageInput[], names: readonly string[], succeeded: ReadonlySet<string>, options: RedrawOptions): Promise<{ failed: number }> {
  const overlayDir = options.overlayDir;
  if (!overlayDir || succeeded.size === 0) return { failed: 0 };
  const missing = new Map<string, { file: string; image: PageInput }>();
  images.forEach((image, i) => {
    const key = imageKey(image.path, image.page);
    const file = overlayPath(overlayDir, names[i]);
    if (succeeded.has(key) && !existsSync(file)) missing.set(key, { file, image });
  });
  if (missing.size === 0) return { failed: 0 };
  let drawn = 0;
  let failed = 0;
  for await (const { text } of readLines(out)) {
    const { line } = checkResultLine(text);
    const wanted = line && line.error === undefined ? missing.get(imageKey(line.image, line.page)) : undefined;
    if (!line || !wanted) continue;
    missing.delete(imageKey(line.image, line.page));
    const { file, image } = wanted;
    try {
      const picture = image.page !== undefined && options.pagePicture ? await options.pagePicture(image) : line.image;
      await writeOverlay(detectionOf(line), file, options.maxPixels, picture);
      drawn++;
    } catch (error) {
      failed++;
      options.onImageError?.(line.page === undefined ? line.image : `${line.image} page ${line.page}`, overlayFailure(error, file));
    }
  }
  if (drawn > 0) options.onNotice?.(`${out}: drew ${count(drawn, 'overlay')} of images done before, from their recorded regions`);
  return { failed };
}

/** Why an overlay was not written, as an image's error: the disk's errors (no space, read-only…) named as such. */
export function overlayFailure(error: unknown, file: string): DetectionError {
  const { code, message } = toOcrdetError(toFileSystemError(error, file));
  return { code, message: `overlay not written: ${message}` };
}
