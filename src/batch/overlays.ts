/**
 * Overlay files of a batch: one PNG per image under the overlay directory, named after the image's path
 * relative to its input, so the overlay tree mirrors the input tree.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import type { Detection } from '../core/types.js';
import { drawOverlay } from '../image/overlay.js';
import type { ImageInput } from './inputs.js';

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

/** Draws the regions of a finished detection and writes the PNG to `file` (parents created). */
export async function writeOverlay(detection: Detection, file: string, maxPixels?: number): Promise<void> {
  const png = await drawOverlay(detection.image, detection.regions, maxPixels === undefined ? {} : { maxPixels });
  makeDirectory(dirname(file));
  await writeFile(file, png);
}

export function overlayPath(overlayDir: string, name: string): string {
  return join(overlayDir, ...name.split('/'));
}
