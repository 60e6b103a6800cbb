/**
 * `ocrdet data stats`: what a dataset holds, computed while streaming it (histograms, not lists: memory does
 * not grow with the number of images). The object is the JSON contract of `ocrdet data stats`, documented in the README.
 */
import { isAxisAlignedRect, minAreaRect } from '../core/geometry.js';
import type { Point, Region, Sample } from '../core/types.js';
import type { DatasetProblem, DatasetProblemKind } from './problems.js';
import type { DatasetFormat } from './reader.js';

/** Short-side buckets of care regions, in pixels: under 16 px is where the embedded detector and its JS peers
 *  lose most recall on seed-test (small text), 16–32 px the middle, above 32 px what they all find. */
export const SHORT_SIDE_BUCKETS_PX = [16, 32] as const;

/**
 * A region's short side in pixels. Quads: the smaller of the mean lengths of the two pairs of opposite
 * edges — the definition that reproduces the peers' seed-test counts (143 / 168 / 199 care quads);
 * other polygons: the short side of their minimum-area rectangle.
 */
export function shortSidePx(points: readonly Point[]): number {
  if (points.length === 4) {
    const edge = (a: Point, b: Point): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
    const [p0, p1, p2, p3] = points;
    return Math.min((edge(p0, p1) + edge(p2, p3)) / 2, (edge(p1, p2) + edge(p3, p0)) / 2);
  }
  const { width, height } = minAreaRect(points);
  return Math.min(width, height);
}

export interface Distribution {
  /** How many values the figures describe. */
  count: number;
  min: number;
  median: number;
  max: number;
  mean: number;
}

export interface SourceStats {
  images: number;
  regions: number;
  ignored: number;
}

export interface DatasetStats {
  dataset: string;
  format: DatasetFormat;
  /** Samples read (images, or annotation files of images that are missing). */
  images: number;
  /** Samples whose size is unknown (annotation only, no image found). */
  imagesWithoutSize: number;
  /** Regions kept, care and don't-care. */
  regions: number;
  /** Don't-care regions ('###' or difficult). */
  ignored: number;
  /** Files without their partner (image without annotation, annotation without image). */
  unpaired: number;
  /** Problems reported, notes excluded. */
  problems: number;
  /** Problems where something was left out (a file, a record, a region, an image). */
  skipped: number;
  problemsByKind: Record<DatasetProblemKind, number>;
  regionsPerImage: Distribution;
  /** Care regions by short side in pixels (`shortSidePx`). */
  shortSidePx: { under16: number; from16to32: number; atLeast32: number };
  /** Care regions by shape: axis-aligned rectangles, other quadrilaterals, other polygons. */
  shapes: { axisAligned: number; rotatedQuads: number; polygons: number };
  /** Characters (Unicode code points) per care region with a non-empty text. */
  charactersPerText: Distribution;
  /** Per subset (`source`), when the dataset has any. */
  bySource?: Record<string, SourceStats>;
}

/** A histogram of small integers: the distribution of millions of values in a few entries. */
class IntegerHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sum = 0;

  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.total += 1;
    this.sum += value;
  }

  summary(): Distribution {
    if (this.total === 0) return { count: 0, min: 0, median: 0, max: 0, mean: 0 };
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    const at = (rank: number): number => {
      let seen = 0;
      for (const v of values) {
        seen += this.counts.get(v)!;
        if (seen > rank) return v;
      }
      return values[values.length - 1];
    };
    const mid = (this.total - 1) / 2;
    const median = (at(Math.floor(mid)) + at(Math.ceil(mid))) / 2;
    return { count: this.total, min: values[0], median, max: values[values.length - 1], mean: +(this.sum / this.total).toFixed(3) };
  }
}

function emptyKinds(): Record<DatasetProblemKind, number> {
  return { unpaired: 0, 'bad-file': 0, 'bad-record': 0, 'missing-image': 0, 'out-of-image': 0, degenerate: 0, encoding: 0, note: 0 };
}

export class StatsCollector {
  private images = 0;
  private imagesWithoutSize = 0;
  private regions = 0;
  private ignored = 0;
  private problems = 0;
  private skipped = 0;
  private readonly kinds = emptyKinds();
  private readonly perImage = new IntegerHistogram();
  private readonly characters = new IntegerHistogram();
  private readonly shortSide = { under16: 0, from16to32: 0, atLeast32: 0 };
  private readonly shapes = { axisAligned: 0, rotatedQuads: 0, polygons: 0 };
  private readonly sources = new Map<string, SourceStats>();

  addProblem(problem: DatasetProblem): void {
    this.kinds[problem.kind] += 1;
    if (problem.kind !== 'note') this.problems += 1;
    if (problem.skipped) this.skipped += 1;
  }

  addSample(sample: Sample): void {
    this.images += 1;
    if (!sample.width || !sample.height) this.imagesWithoutSize += 1;
    this.perImage.add(sample.regions.length);
    const ignored = sample.regions.filter((r) => r.ignore).length;
    this.regions += sample.regions.length;
    this.ignored += ignored;
    if (sample.source !== undefined) {
      const source = this.sources.get(sample.source) ?? { images: 0, regions: 0, ignored: 0 };
      source.images += 1;
      source.regions += sample.regions.length;
      source.ignored += ignored;
      this.sources.set(sample.source, source);
    }
    for (const region of sample.regions) if (!region.ignore) this.addCareRegion(region);
  }

  private addCareRegion(region: Region): void {
    const short = shortSidePx(region.points);
    if (short < SHORT_SIDE_BUCKETS_PX[0]) this.shortSide.under16 += 1;
    else if (short < SHORT_SIDE_BUCKETS_PX[1]) this.shortSide.from16to32 += 1;
    else this.shortSide.atLeast32 += 1;
    if (region.points.length !== 4) this.shapes.polygons += 1;
    else if (isAxisAlignedRect(region.points)) this.shapes.axisAligned += 1;
    else this.shapes.rotatedQuads += 1;
    if (region.text) this.characters.add([...region.text].length);
  }

  result(dataset: string, format: DatasetFormat): DatasetStats {
    const stats: DatasetStats = {
      dataset,
      format,
      images: this.images,
      imagesWithoutSize: this.imagesWithoutSize,
      regions: this.regions,
      ignored: this.ignored,
      unpaired: this.kinds.unpaired,
      problems: this.problems,
      skipped: this.skipped,
      problemsByKind: { ...this.kinds },
      regionsPerImage: this.perImage.summary(),
      shortSidePx: { ...this.shortSide },
      shapes: { ...this.shapes },
      charactersPerText: this.characters.summary(),
    };
    if (this.sources.size > 0) stats.bySource = Object.fromEntries([...this.sources].sort(([a], [b]) => a.localeCompare(b)));
    return stats;
  }
}
