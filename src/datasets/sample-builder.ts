/**
 * What every reader shares: from a parsed annotation (RawSample) to a Sample in ocrdet's frame.
 *
 * - finds the image (ImageLocator) and reads its header for size and EXIF orientation (no decode);
 * - moves coordinates from the format's frame into the oriented frame (geometry.applyExifOrientation);
 * - checks every point (numbers only), drops degenerate regions and regions wholly outside the image,
 *   keeps regions partly outside as written (evaluation must see the ground truth as annotated; a writer
 *   that needs clipped boxes clips them) and warns about them;
 * - orders points clockwise from the top-left (geometry.makeRegion); "###" or difficult → `ignore`.
 * Nothing here throws for bad input: every problem is reported once, with file, line or element, reason.
 */
import { basename } from 'node:path';
import { applyExifOrientation, dedupePoints, isSimplePolygon, makeRegion, polygonArea } from '../core/geometry.js';
import { optionName } from '../core/options.js';
import type { ImageSize, Point, Region, Sample } from '../core/types.js';
import type { ImageProbe } from '../image/probe.js';
import { ImageLocator, probeImageHeader, type LocatedImage } from './images.js';
import { quoteValue, type DatasetProblem } from './problems.js';
import type { CoordinateFrame, RawRegion, RawSample } from './reader.js';

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
/** Polygons with less area than this (px²) are degenerate: geometry.ts uses the same epsilon. */
const MIN_AREA_PX2 = 1e-9;
/** Missing images held back until we know whether the dataset has images at all. */
const MAX_PENDING_MISSING = 1_000;

export interface BuilderOptions {
  frame: CoordinateFrame;
  images?: string;
  probeImages: boolean;
  report: (problem: DatasetProblem) => void;
  /** The dataset path, for dataset-level notes. */
  dataset: string;
  /**
   * Samples need their image file (training data does): one without it, or with an unreadable header, is a
   * problem that skips it (`lacksImage` tells), and a dataset with no image at all says so in one problem.
   * Otherwise an image-less dataset is read as annotations only (stats, evaluation).
   */
  requireImages?: boolean;
}

function toCoordinate(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER.test(value)) return Number(value);
  return Number.NaN;
}

/** `[[x, y], …]` with finite numbers (or numeric strings), or the reason it is not. */
export function parsePoints(points: unknown): Point[] | string {
  if (!Array.isArray(points)) return `points must be a list of [x, y] pairs, got ${quoteValue(points)}`;
  const out: Point[] = [];
  for (let i = 0; i < points.length; i++) {
    const pair: unknown = points[i];
    if (!Array.isArray(pair) || pair.length < 2) return `point ${i + 1} ${quoteValue(pair)} is not an [x, y] pair`;
    const x = toCoordinate(pair[0]);
    const y = toCoordinate(pair[1]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      return `point ${i + 1} has a coordinate that is not a number: ${quoteValue(pair.slice(0, 2))}`;
    }
    out.push([x, y]);
  }
  return out;
}

function validSize(size: ImageSize | undefined): boolean {
  return size !== undefined && Number.isFinite(size.width) && Number.isFinite(size.height) && size.width > 0 && size.height > 0;
}

function formatPoint([x, y]: Point): string {
  return `(${+x.toFixed(2)}, ${+y.toFixed(2)})`;
}

export class SampleBuilder {
  private readonly locator: ImageLocator;
  private imagesFound = 0;
  private pendingMissing: DatasetProblem[] = [];
  private pendingOverflow = 0;
  private readonly repeats = new Map<string, { label: string; count: number }>();
  /** With requireImages: the samples whose image file is missing or unreadable. */
  private readonly withoutImage = new WeakSet<Sample>();
  private imageUsable = true;
  missingImageKind: 'missing-image' | 'unpaired' = 'missing-image';

  constructor(private readonly options: BuilderOptions) {
    this.locator = new ImageLocator(options.images);
  }

  async finish(raw: RawSample): Promise<Sample> {
    this.imageUsable = true;
    const located = await this.locator.locate(raw.image);
    const probe = await this.probe(raw, located);
    const orientation = probe?.orientation ?? 1;
    let rotate = this.options.frame === 'stored' && orientation !== 1;
    const swaps = orientation >= 5;
    if (rotate && probe && swaps && raw.size && validSize(raw.size) && sameSize(raw.size, probe) && !sameSize(raw.size, storedSize(probe))) {
      // The annotation's size is the displayed one: whatever made it already applied the orientation.
      rotate = false;
      this.once('coordinates taken as already EXIF-oriented', { kind: 'note', file: raw.file, message: `coordinates are taken as already EXIF-oriented: the annotation's size ${raw.size.width}×${raw.size.height} is the displayed size of ${located.path} (orientation ${orientation})` });
    }
    const size = this.sampleSize(raw, probe, rotate && swaps, located);
    const regions: Region[] = [];
    for (const region of raw.regions) {
      const built = this.buildRegion(raw, region, size, rotate && probe ? (p) => applyExifOrientation(p, orientation, storedSize(probe)) : undefined);
      if (built) regions.push(built);
    }
    const sample: Sample = { image: located.path, width: size.width, height: size.height, regions, ...(raw.source ? { source: raw.source } : {}) };
    if (!this.imageUsable) this.withoutImage.add(sample);
    return sample;
  }

  /** With requireImages: whether the sample's image file is missing or unreadable (the problem is reported). */
  lacksImage(sample: Sample): boolean {
    return this.withoutImage.has(sample);
  }

  /** Reports what was held back; call once when the dataset has been read (or the reader stopped). */
  flush(): void {
    if (this.imagesFound === 0 && this.pendingMissing.length > 0 && this.options.requireImages) {
      const first = this.pendingMissing[0];
      const count = this.pendingMissing.length + this.pendingOverflow;
      this.options.report({
        kind: this.missingImageKind,
        file: this.options.dataset,
        message: `no image found for ${count === 1 ? 'its one sample' : `any of the ${count} samples`} (first: ${first.element ?? '?'}, ${first.message}); all skipped — give ${optionName('images')} if the images are elsewhere`,
        skipped: true,
      });
    } else if (this.imagesFound === 0 && this.pendingMissing.length > 0) {
      const first = this.pendingMissing[0];
      const count = this.pendingMissing.length + this.pendingOverflow;
      this.options.report({
        kind: 'note',
        file: this.options.dataset,
        message: `no images found (${count} annotation${count === 1 ? '' : 's'}; first: ${first.element ?? '?'}, ${first.message}): read as annotations only; image sizes come from the annotations where they give them, else 0. Give ${optionName('images')} if the images are elsewhere`,
      });
    } else {
      this.releasePending();
    }
    this.pendingMissing = [];
    for (const { label, count } of this.repeats.values()) {
      if (count > 1) this.options.report({ kind: 'note', file: this.options.dataset, message: `${count - 1} more: ${label}` });
    }
    this.repeats.clear();
  }

  private async probe(raw: RawSample, located: LocatedImage): Promise<ImageProbe | undefined> {
    if (located.exists) {
      this.imagesFound += 1;
      this.releasePending();
      if (!this.options.probeImages) return undefined;
      try {
        return await probeImageHeader(located.path);
      } catch (error) {
        const reason = error instanceof Error ? error.message.replace(`${located.path}: `, '') : String(error);
        const outcome = this.options.requireImages ? 'sample skipped' : 'size taken from the annotation if it gives one';
        this.options.report({ kind: 'bad-file', file: located.path, message: `image header unreadable (${reason}); ${outcome}`, skipped: true });
        this.imageUsable = !this.options.requireImages;
        return undefined;
      }
    }
    // An image embedded in the annotation serves stats and evaluation; training data needs a file.
    if (raw.image.embedded && !this.options.requireImages) {
      if (!this.options.probeImages) return undefined;
      try {
        return await probeImageHeader(raw.image.embedded);
      } catch (error) {
        this.options.report({ kind: 'bad-record', file: raw.file, element: 'imageData', message: `embedded image unreadable (${error instanceof Error ? error.message : String(error)})`, skipped: true });
        return undefined;
      }
    }
    this.missing(raw, located);
    return undefined;
  }

  private missing(raw: RawSample, located: LocatedImage): void {
    if (this.options.requireImages) this.imageUsable = false;
    const problem: DatasetProblem = {
      kind: this.missingImageKind,
      file: raw.file,
      ...(raw.line !== undefined ? { line: raw.line } : {}),
      element: raw.image.ref ?? basename(located.path),
      message: `${this.missingImageKind === 'unpaired' ? 'annotation without its image' : 'image not found'} (looked in ${located.searched.join(', ') || 'no folder'})`,
      skipped: true,
    };
    if (this.imagesFound > 0) {
      this.options.report(problem);
    } else if (this.pendingMissing.length < MAX_PENDING_MISSING) {
      this.pendingMissing.push(problem);
    } else {
      this.pendingOverflow += 1;
    }
  }

  private releasePending(): void {
    if (this.pendingMissing.length === 0) return;
    for (const problem of this.pendingMissing) this.options.report(problem);
    if (this.pendingOverflow > 0) {
      this.options.report({ kind: this.missingImageKind, file: this.options.dataset, message: `${this.pendingOverflow} more annotations without their image`, skipped: true });
    }
    this.pendingMissing = [];
    this.pendingOverflow = 0;
  }

  private sampleSize(raw: RawSample, probe: ImageProbe | undefined, swap: boolean, located: LocatedImage): ImageSize {
    if (raw.size && !validSize(raw.size)) {
      this.once('annotation image size not usable', { kind: 'note', file: raw.file, message: `the annotation's image size ${quoteValue(raw.size.width)}×${quoteValue(raw.size.height)} is not usable; ${probe ? "using the image header's" : 'size unknown (0)'}` });
    }
    if (raw.size && validSize(raw.size)) {
      const size = swap ? { width: raw.size.height, height: raw.size.width } : { width: raw.size.width, height: raw.size.height };
      if (probe && !sameSize(size, probe)) {
        this.once('annotation size differs from the image header', { kind: 'note', file: raw.file, message: `the annotation says ${size.width}×${size.height} but ${located.path} is ${probe.width}×${probe.height}; keeping the annotation's size (its coordinates refer to it)` });
      }
      return size;
    }
    return probe ? { width: probe.width, height: probe.height } : { width: 0, height: 0 };
  }

  private buildRegion(raw: RawSample, region: RawRegion, size: ImageSize, orient?: (points: Point[]) => Point[]): Region | undefined {
    const line = region.line ?? raw.line;
    const where = { file: raw.file, ...(line !== undefined ? { line } : {}), ...(region.element ? { element: region.element } : {}) };
    const parsed = region.problem ?? parsePoints(region.points);
    if (typeof parsed === 'string') {
      this.options.report({ kind: 'bad-record', ...where, message: `${parsed}; region skipped`, skipped: true });
      return undefined;
    }
    const points = orient ? orient(parsed) : parsed;
    const distinct = dedupePoints(points);
    if (distinct.length < 3 || polygonArea(distinct) <= MIN_AREA_PX2) {
      const why = distinct.length < 3 ? `${distinct.length} distinct point${distinct.length === 1 ? '' : 's'}` : 'zero area';
      this.options.report({ kind: 'degenerate', ...where, message: `degenerate region (${why}): ${points.map(formatPoint).join(' ')}; skipped`, skipped: true });
      return undefined;
    }
    const outside = this.outside(points, size);
    if (outside === 'all') {
      this.options.report({ kind: 'out-of-image', ...where, message: `region lies entirely outside ${describeImage(size)}: ${points.map(formatPoint).join(' ')}; skipped`, skipped: true });
      return undefined;
    }
    if (outside.length > 0) {
      this.options.report({ kind: 'out-of-image', ...where, message: `point${outside.length === 1 ? '' : 's'} ${outside.map(formatPoint).join(' ')} outside ${describeImage(size)}; kept as written` });
    }
    const ignore = region.ignore === true || region.text?.trim() === '###';
    const built = makeRegion(points, {
      ...(region.text !== undefined ? { text: region.text } : {}),
      ...(region.score !== undefined ? { score: region.score } : {}),
      ...(region.textScore !== undefined ? { textScore: region.textScore } : {}),
      ...(ignore ? { ignore: true } : {}),
    });
    if (!isSimplePolygon(built.points)) {
      this.options.report({ kind: 'degenerate', ...where, message: 'self-intersecting polygon; kept as written (evaluation skips invalid polygons)' });
    }
    return built;
  }

  /** The points outside the image, or 'all' when the region does not overlap the image at all. */
  private outside(points: Point[], size: ImageSize): Point[] | 'all' {
    const known = size.width > 0 && size.height > 0;
    const maxX = known ? size.width : Infinity;
    const maxY = known ? size.height : Infinity;
    const out = points.filter(([x, y]) => x < 0 || y < 0 || x > maxX || y > maxY);
    if (out.length === 0) return out;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const disjoint = Math.max(...xs) <= 0 || Math.max(...ys) <= 0 || Math.min(...xs) >= maxX || Math.min(...ys) >= maxY;
    return disjoint ? 'all' : out;
  }

  /** Reports a note the first time its label is seen; repeats are counted and summed up in flush(). */
  private once(label: string, problem: DatasetProblem): void {
    const seen = this.repeats.get(label);
    if (seen) seen.count += 1;
    else {
      this.repeats.set(label, { label, count: 1 });
      this.options.report(problem);
    }
  }
}

function storedSize(probe: ImageProbe): ImageSize {
  return { width: probe.storedWidth, height: probe.storedHeight };
}

function sameSize(a: ImageSize, b: ImageSize): boolean {
  return a.width === b.width && a.height === b.height;
}

/** `the 640×480 image`, or what "outside" can mean when the size is unknown (negative coordinates). */
function describeImage(size: ImageSize): string {
  return size.width > 0 ? `the ${size.width}×${size.height} image` : 'the image (negative coordinates; its size is unknown)';
}
