/**
 * The image files a conversion refers to: the original where it can be used as is; an upright copy in
 * DIR/upright/ where the image carries an EXIF orientation (the trainers' loaders ignore it, ocrdet's
 * coordinates assume it); a copy in DIR/images/ with --copy-images; crops in DIR/crops/. Written files are
 * named `<stem>-<8 hex of the split hash>[-<x>-<y>]<ext>`: deterministic, and distinct for images of the same
 * name in different folders. Paths in the output are absolute, or relative to DIR (--paths rel).
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import type { Box } from '../core/types.js';
import { imagePartExtension, writeImageParts } from '../image/crop.js';
import { probeImage } from '../image/probe.js';

export interface ImageFilesOptions {
  /** Output folder, absolute. */
  out: string;
  paths: 'abs' | 'rel';
  copyImages: boolean;
  /** Read headers to find EXIF orientations (off with --no-probe). */
  probe: boolean;
}

export interface UsableImage {
  /** The file the samples use, absolute. */
  path: string;
  upright: boolean;
  copied: boolean;
}

/** The key an image is split by: its path relative to the dataset root when inside it, else absolute. */
export function imageKey(image: string, root: string): string {
  // The common case without path.relative's normalisation: an image path under the root.
  if (image.length > root.length + 1 && image.startsWith(root) && image[root.length] === sep && !image.includes(`${sep}..`)) {
    const rel = image.slice(root.length + 1);
    return sep === '/' ? rel : rel.split(sep).join('/');
  }
  const rel = relative(root, image);
  const key = rel.startsWith('..') || isAbsolute(rel) ? resolve(image) : rel;
  return sep === '/' ? key : key.split(sep).join('/');
}

function hex8(hash: number): string {
  return (hash % 0x1_0000_0000).toString(16).padStart(8, '0');
}

/** Folders whose listing is kept, and the largest listing kept (bigger folders are checked file by file). */
const LISTED_FOLDERS = 8;
const MAX_LISTED_NAMES = 500_000;

/**
 * Whether image files exist, from each folder's listing (read once) instead of one system call per image:
 * a dataset's images sit in a few folders, and a stat per image costs more than the rest of a sample's
 * conversion. Memory: the names of the last LISTED_FOLDERS folders, at most MAX_LISTED_NAMES each.
 */
export class ExistingFiles {
  private readonly folders = new Map<string, Set<string> | null>();

  has(path: string): boolean {
    const slash = path.lastIndexOf(sep);
    const folder = slash > 0 ? path.slice(0, slash) : dirname(path);
    let names = this.folders.get(folder);
    if (names === undefined) {
      names = this.list(folder);
      if (this.folders.size >= LISTED_FOLDERS) this.folders.delete(this.folders.keys().next().value!);
      this.folders.set(folder, names);
    }
    return names === null ? existsSync(path) : names.has(path.slice(slash + 1));
  }

  private list(folder: string): Set<string> | null {
    try {
      const names = readdirSync(folder);
      return names.length <= MAX_LISTED_NAMES ? new Set(names) : null;
    } catch {
      return new Set();
    }
  }
}

export class ImageFiles {
  private readonly existing = new ExistingFiles();

  constructor(private readonly options: ImageFilesOptions) {}

  /** Whether an image file exists (see ExistingFiles). */
  exists(path: string): boolean {
    return this.existing.has(path);
  }

  /** How the output names an (absolute) image path. */
  ref(path: string): string {
    if (this.options.paths === 'abs') return path;
    const rel = relative(this.options.out, path);
    return sep === '/' ? rel : rel.split(sep).join('/');
  }

  private named(folder: string, source: string, hash: number, suffix = '', ext = extname(source)): string {
    return join(this.options.out, folder, `${basename(source, extname(source))}-${hex8(hash)}${suffix}${ext}`);
  }

  /** Whether every image is used where it is (no header to read, nothing to copy): no need to ask `usable`. */
  asIs(): boolean {
    return !this.options.probe && !this.options.copyImages;
  }

  /**
   * The file to use for `source`: an upright copy when it has an EXIF orientation (and probing is on), a
   * copy with --copy-images, else the source itself. Throws BadImageError / NotFoundError when the image
   * cannot be read.
   */
  async usable(source: string, hash: number): Promise<UsableImage> {
    const orientation = this.options.probe ? (await probeImage(source)).orientation : 1;
    if (orientation !== 1) {
      const folder = this.options.copyImages ? 'images' : 'upright';
      const path = this.named(folder, source, hash, '', imagePartExtension(source));
      await writeImageParts(source, [{ path }]);
      return { path, upright: true, copied: this.options.copyImages };
    }
    if (this.options.copyImages) {
      const path = this.named('images', source, hash);
      if (!existsSync(path)) {
        makeDirectory(join(this.options.out, 'images'));
        copyFileSync(source, path);
      }
      return { path, upright: false, copied: true };
    }
    return { path: source, upright: false, copied: false };
  }

  /** Writes the crops of `source` (rectangles in its oriented pixels) and returns their paths, in order. */
  async crops(source: string, hash: number, rects: readonly Box[]): Promise<string[]> {
    const ext = imagePartExtension(source);
    const parts = rects.map((rect) => ({ rect, path: this.named('crops', source, hash, `-${rect[0]}-${rect[1]}`, ext) }));
    await writeImageParts(source, parts);
    return parts.map((p) => p.path);
  }
}
