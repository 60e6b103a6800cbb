/**
 * Train/val split by image, deterministic and streaming, with exact counts.
 *
 * Each image gets a seeded 53-bit hash of its key (its path relative to the dataset, so moving the dataset
 * does not change the split). The hash is a pure function of (key, seed): it never depends on the order the
 * file system lists files in, nor on any other image, so it is decided the moment the image is read and
 * nothing has to be shuffled in memory.
 *
 * Exact counts: a pure threshold on the hash (val when hash < 10 % of the range) gives a binomial count —
 * 50 images at 0.9 land anywhere from about 41/9 to 49/1. We want exactly round(n · (1 − split)) val images
 * (45/5 for seed-test), so the ledger keeps 24 bytes of numbers per image (hash, spool offset and length,
 * source; no text) and, once the last image is read, gives val to the images with the SMALLEST
 * hashes — per source with `splitBy: 'source'`, so each sub-folder keeps its proportions. The trade-off: an
 * image's side depends on the other images' hashes (adding images can move the one at the boundary), where a
 * pure threshold would never move it; and memory grows by those 24 bytes per image (2.4 MB per 100,000).
 * Output files list images in hash order: deterministic, independent of the input order, and shuffled.
 */

export type SplitName = 'train' | 'val';
export type SplitBy = 'image' | 'source';

/** Murmur3's 32-bit finaliser: spreads every input bit over the output. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seeded hash of a string as an integer in [0, 2^53): two FNV-1a-style lanes with different offsets and
 * multipliers, cross-mixed by Murmur3's finaliser. Not cryptographic; uniform enough that a 0.9 split of
 * 10,000 keys gives 9,000 ± 1 %.
 */
export function seededHash53(key: string, seed: number): number {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x9e3779b9 ^ Math.imul(seed, 0x85ebca77)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const low = fmix32(a ^ Math.imul(b, 0x27d4eb2f));
  const high = fmix32(b ^ Math.imul(a, 0x165667b1)) & 0x1fffff;
  return high * 0x1_0000_0000 + low;
}

/** How many of `count` images go to val: round(count · (1 − split)), halves up. */
export function valCount(count: number, split: number): number {
  // The epsilon turns 0.49999999999999994 (5 × 0.1 in binary) into the half it stands for.
  return Math.min(count, Math.round(count * (1 - split) + 1e-9));
}

/** A typed array that doubles when full. */
class Column<T extends Float64Array | Uint32Array> {
  constructor(
    public data: T,
    private readonly make: (length: number) => T,
  ) {}

  set(index: number, value: number): void {
    if (index >= this.data.length) {
      const bigger = this.make(Math.max(1024, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[index] = value;
  }
}

const float64 = (n: number) => new Float64Array(n);
const uint32 = (n: number) => new Uint32Array(n);

/** What the ledger remembers of one image. */
export interface LedgerEntry {
  hash: number;
  /** Where its record is in the spool, in bytes. */
  offset: number;
  length: number;
  source: string | undefined;
}

export const TRAIN = 0;
export const VAL = 1;
/** Same hash as an earlier entry: the same image listed twice (distinct keys collide once in ~10^10 pairs). */
export const DUPLICATE = 2;

export interface SplitAssignment {
  /** Entry indices in hash order (ties in read order, so the first-read copy of a duplicate comes first). */
  order: Uint32Array;
  /** TRAIN, VAL or DUPLICATE per entry. */
  side: Uint8Array;
}

/** The per-image numbers of a conversion, and the exact split decided from them at the end. */
export class SplitLedger {
  private readonly hash = new Column(float64(1024), float64);
  private readonly offset = new Column(float64(1024), float64);
  private readonly length = new Column(uint32(1024), uint32);
  private readonly sourceId = new Column(uint32(1024), uint32);
  private readonly sources = new Map<string, number>();
  private readonly sourceNames: (string | undefined)[] = [undefined];
  size = 0;

  add(entry: LedgerEntry): number {
    const index = this.size++;
    this.hash.set(index, entry.hash);
    this.offset.set(index, entry.offset);
    this.length.set(index, entry.length);
    this.sourceId.set(index, this.idOf(entry.source));
    return index;
  }

  private idOf(source: string | undefined): number {
    if (source === undefined) return 0;
    let id = this.sources.get(source);
    if (id === undefined) {
      id = this.sourceNames.length;
      this.sources.set(source, id);
      this.sourceNames.push(source);
    }
    return id;
  }

  entry(index: number): LedgerEntry {
    return {
      hash: this.hash.data[index],
      offset: this.offset.data[index],
      length: this.length.data[index],
      source: this.sourceNames[this.sourceId.data[index]],
    };
  }

  /**
   * The split: in hash order, the first valCount(n) images of each group go to val. Groups are all images
   * (`by: 'image'`) or each source (`by: 'source'`; images without a source form one group). Repeated
   * images are marked DUPLICATE and counted in no group.
   */
  assign(split: number, by: SplitBy): SplitAssignment {
    const hashes = this.hash.data;
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((x, y) => hashes[x] - hashes[y] || x - y);
    const side = new Uint8Array(this.size);
    for (let i = 1; i < order.length; i++) {
      if (hashes[order[i]] === hashes[order[i - 1]]) side[order[i]] = DUPLICATE;
    }
    const groupOf = (index: number): number => (by === 'source' ? this.sourceId.data[index] : 0);
    const groupSizes = new Map<number, number>();
    for (let i = 0; i < this.size; i++) {
      if (side[i] !== DUPLICATE) groupSizes.set(groupOf(i), (groupSizes.get(groupOf(i)) ?? 0) + 1);
    }
    const remaining = new Map([...groupSizes].map(([group, count]) => [group, valCount(count, split)]));
    for (const index of order) {
      if (side[index] === DUPLICATE) continue;
      const group = groupOf(index);
      const left = remaining.get(group) ?? 0;
      if (left > 0) {
        side[index] = VAL;
        remaining.set(group, left - 1);
      }
    }
    return { order, side };
  }
}
