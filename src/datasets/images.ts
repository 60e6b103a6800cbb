/**
 * Finding the image an annotation refers to, and reading its header. Annotations name images in many
 * ways: relative to themselves, relative to a dataset root, with another machine's absolute or Windows
 * path, or only by a file name derived from their own. The `images` option (a folder DIR) overrides where to look: the ref is
 * tried as a path relative to DIR, then by its file name.
 */
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { ImageProbe } from '../image/probe.js';
import { CaseInsensitiveIndex, isDir, isFile } from './files.js';
import type { ImageRef } from './reader.js';

export interface LocatedImage {
  /** Absolute path of the image: where it is, or where it would be. */
  path: string;
  exists: boolean;
  /** The folders searched, for messages. */
  searched: string[];
}

/** Forward slashes, no leading "./", so references written on Windows resolve here too. */
export function normaliseRef(ref: string): string {
  return ref.trim().replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function isAbsoluteRef(ref: string): boolean {
  return isAbsolute(ref) || /^[A-Za-z]:\//.test(ref);
}

export class ImageLocator {
  private readonly caseIndex = new CaseInsensitiveIndex();
  /** Folders known to exist or not: annotation-only datasets then cost no file-system calls per image. */
  private readonly folders = new Map<string, boolean>();

  constructor(private readonly imagesDir?: string) {}

  async locate(image: ImageRef): Promise<LocatedImage> {
    const ref = image.ref === undefined ? undefined : normaliseRef(image.ref);
    const dirs = this.imagesDir ? [this.imagesDir] : image.baseDirs;
    const present = dirs.filter((dir) => this.folderExists(dir));
    const candidates = this.candidates(ref, present, image.names ?? []);
    for (const candidate of candidates) {
      if (isFile(candidate)) return { path: resolve(candidate), exists: true, searched: dirs };
    }
    const wanted = [ref ? basename(ref) : undefined, ...(image.names ?? [])].filter((n): n is string => Boolean(n));
    for (const dir of present) {
      for (const name of wanted) {
        const found = await this.caseIndex.find(dir, name);
        if (found) return { path: resolve(found), exists: true, searched: dirs };
      }
    }
    // Another machine's absolute path is not where the image would be here: its name in the first folder is.
    const all = this.candidates(ref, dirs, image.names ?? []);
    const wouldBe = image.wouldBe ?? all.find((c) => c !== ref) ?? all[0];
    return { path: resolve(wouldBe ?? dirs[0] ?? '.'), exists: false, searched: dirs };
  }

  private folderExists(dir: string): boolean {
    let exists = this.folders.get(dir);
    if (exists === undefined) {
      exists = isDir(dir);
      this.folders.set(dir, exists);
    }
    return exists;
  }

  private candidates(ref: string | undefined, dirs: readonly string[], names: readonly string[]): string[] {
    const out: string[] = [];
    if (ref && isAbsoluteRef(ref)) out.push(ref);
    for (const dir of dirs) {
      if (ref && !isAbsoluteRef(ref)) {
        // With an `images` folder, "../images/a.jpg" written next to an annotation means "images/a.jpg" in DIR.
        out.push(join(dir, this.imagesDir ? ref.replace(/^(\.\.\/)+/, '') : ref));
      }
      if (ref) out.push(join(dir, basename(ref)));
      for (const name of names) out.push(join(dir, name));
    }
    return [...new Set(out)];
  }
}

/** Reads an image header (size, EXIF orientation) without decoding pixels; sharp is loaded on first use. */
export async function probeImageHeader(input: string | Buffer): Promise<ImageProbe> {
  const { probeImage } = await import('../image/probe.js');
  return probeImage(input);
}
