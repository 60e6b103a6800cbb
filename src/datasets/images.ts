/**
 * Finding the image an annotation refers to, and reading its header. Annotations name images in many
 * ways: relative to themselves, relative to a dataset root, with another machine's absolute or Windows
 * path, or only by a file name derived from their own. `--images DIR` overrides where to look: the ref is
 * tried as a path relative to DIR, then by its file name (the rule of issue 2, §4).
 */
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { ImageProbe } from '../image/probe.js';
import { CaseInsensitiveIndex } from './files.js';
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

async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export class ImageLocator {
  private readonly caseIndex = new CaseInsensitiveIndex();

  constructor(private readonly imagesDir?: string) {}

  async locate(image: ImageRef): Promise<LocatedImage> {
    const ref = image.ref === undefined ? undefined : normaliseRef(image.ref);
    const dirs = this.imagesDir ? [this.imagesDir] : image.baseDirs;
    const candidates = this.candidates(ref, dirs, image.names ?? []);
    for (const candidate of candidates) {
      if (await fileExists(candidate)) return { path: resolve(candidate), exists: true, searched: dirs };
    }
    const wanted = [ref ? basename(ref) : undefined, ...(image.names ?? [])].filter((n): n is string => Boolean(n));
    for (const dir of dirs) {
      for (const name of wanted) {
        const found = await this.caseIndex.find(dir, name);
        if (found) return { path: resolve(found), exists: true, searched: dirs };
      }
    }
    // Another machine's absolute path is not where the image would be here: its name in the first folder is.
    const wouldBe = image.wouldBe ?? candidates.find((c) => c !== ref) ?? candidates[0];
    return { path: resolve(wouldBe ?? dirs[0] ?? '.'), exists: false, searched: dirs };
  }

  private candidates(ref: string | undefined, dirs: readonly string[], names: readonly string[]): string[] {
    const out: string[] = [];
    if (ref && isAbsoluteRef(ref)) out.push(ref);
    for (const dir of dirs) {
      if (ref && !isAbsoluteRef(ref)) {
        // Under --images, "../images/a.jpg" written next to an annotation means "images/a.jpg" in DIR.
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
