/**
 * Pairs ground-truth images with predictions. A results file names its images however the detector was
 * called (absolute paths, paths relative to the dataset or to the shell's folder, Windows separators), so an
 * image is looked up:
 *  1. by path: the prediction's path resolved against the dataset root, the images folder, then the working
 *     folder (an absolute path as it is), compared with the ground truth's absolute path;
 *  2. by file name (case-insensitive), only among predictions no other ground-truth image claimed by path, and
 *     only when exactly one such prediction carries that name.
 * Each prediction pairs with at most one ground-truth image; what is left over is reported as unknown.
 */
import path from 'node:path';

export interface PairingBases {
  /** Dataset root (annotation folder, or the folder of an annotation file). */
  root?: string;
  /** Where the images live when elsewhere (`--images`). */
  images?: string;
  /** The working folder, for paths written relative to where the detector ran. */
  cwd: string;
}

interface Entry<T> {
  image: string;
  primaryKey: string;
  value: T;
  claimed: boolean;
  superseded: boolean;
}

export type NameLookup<T> =
  | { kind: 'found'; value: T }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'none' };

/** Forward slashes only, so `C:\data\img.jpg` and `sub\img.jpg` written on Windows still resolve. */
function slashes(p: string): string {
  return p.replace(/\\/g, '/');
}

/** The file name of a path written with either separator, lower-cased. */
export function nameKey(p: string): string {
  return path.posix.basename(slashes(p)).toLowerCase();
}

export class PredictionIndex<T> {
  private readonly entries: Entry<T>[] = [];
  private readonly byPath = new Map<string, Entry<T>>();
  private readonly byName = new Map<string, Entry<T>[]>();
  private readonly bases: string[];

  constructor(bases: PairingBases) {
    const list = [bases.root, bases.images, bases.cwd].filter((b): b is string => typeof b === 'string' && b !== '');
    this.bases = [...new Set(list.map((b) => path.resolve(bases.cwd, b)))];
  }

  /** Adds a prediction. Returns false when an earlier prediction for the same image is replaced by this one. */
  add(image: string, value: T): boolean {
    const keys = this.pathKeys(image);
    const entry: Entry<T> = { image, primaryKey: keys[0], value, claimed: false, superseded: false };
    const previous = this.byPath.get(keys[0]);
    const replaced = previous !== undefined && !previous.superseded && previous.primaryKey === keys[0];
    if (replaced) previous.superseded = true;
    keys.forEach((key, i) => {
      // The first key (against the dataset root) wins over a secondary key of another prediction.
      if (i === 0 || !this.byPath.has(key) || this.byPath.get(key)?.superseded) this.byPath.set(key, entry);
    });
    const name = nameKey(image);
    const sameName = (this.byName.get(name) ?? []).filter((e) => !e.superseded);
    sameName.push(entry);
    this.byName.set(name, sameName);
    this.entries.push(entry);
    return !replaced;
  }

  /** The prediction whose path is this ground-truth image's path, if unclaimed; claims it. */
  takeByPath(gtImage: string): T | undefined {
    const entry = this.byPath.get(path.resolve(slashes(gtImage)));
    if (!entry || entry.claimed || entry.superseded) return undefined;
    entry.claimed = true;
    return entry.value;
  }

  /** Whether some prediction, claimed or not, carries this image's file name. */
  hasName(gtImage: string): boolean {
    return this.byName.has(nameKey(gtImage));
  }

  /** The one unclaimed prediction with this ground-truth image's file name; claims it when unique. */
  takeByName(gtImage: string): NameLookup<T> {
    const candidates = (this.byName.get(nameKey(gtImage)) ?? []).filter((e) => !e.claimed && !e.superseded);
    if (candidates.length === 0) return { kind: 'none' };
    if (candidates.length > 1) return { kind: 'ambiguous', candidates: candidates.map((e) => e.image) };
    candidates[0].claimed = true;
    return { kind: 'found', value: candidates[0].value };
  }

  /** Predictions no ground-truth image claimed, as their image was written, in input order. */
  unclaimed(): string[] {
    return this.entries.filter((e) => !e.claimed && !e.superseded).map((e) => e.image);
  }

  private pathKeys(image: string): string[] {
    const p = slashes(image);
    if (path.isAbsolute(p)) return [path.resolve(p)];
    return this.bases.map((base) => path.resolve(base, p));
  }
}
