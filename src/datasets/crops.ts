/**
 * Cutting an image whose answer is over the token budget into overlapping crops whose answers fit (pure:
 * rectangles and regions in, rectangles and re-based regions out; the converter writes the pixels).
 *
 * Layouts are tried from the fewest tiles up: for a given number of tiles, horizontal strips first (text
 * lines run across, so strips rarely cut one), then grids with more columns. The first layout whose every
 * tile fits wins. Adjacent tiles overlap by the tallest (widest) region, capped at half a tile, so a region
 * no taller than that lies wholly inside some strip. A region is kept in every tile holding at least
 * `keepFraction` (default half) of its area, clipped to the tile and moved into its coordinates; a region
 * that no tile holds that much of (a line wider than a column) is kept in the tile holding most of it, and
 * counted as `cut`. So the tiles together always cover every region.
 */
import { boundsOf, clipPolygonToBox, makeRegion, polygonArea } from '../core/geometry.js';
import type { Box, ImageSize, Point, Region } from '../core/types.js';

export interface CropTile {
  /** Integer pixel rectangle of the image: x1, y1, x2, y2. */
  rect: Box;
  /** Regions kept in this tile, in the tile's own pixels. */
  regions: Region[];
}

export interface CropPlan {
  rows: number;
  cols: number;
  /** Tiles holding at least one region (empty tiles are left out). */
  tiles: CropTile[];
  /** Regions no tile held `keepFraction` of, kept where most of them lies. */
  cut: number;
}

export interface PlanCropsOptions {
  /** Whether a tile's answer fits the budget. */
  fits(regions: readonly Region[], size: ImageSize): boolean;
  /** A lower bound of how many tiles are needed (e.g. total tokens / budget); layouts below it are skipped. */
  minTiles?: number;
  /** Most tiles tried before giving up. Default 64. */
  maxTiles?: number;
  /** Smallest tile side, in pixels. Default 32. */
  minTileSidePx?: number;
  /** Share of a region's area a tile must hold to keep it. Default 0.5. */
  keepFraction?: number;
}

export const CROP_DEFAULTS = Object.freeze({ maxTiles: 64, minTileSidePx: 32, keepFraction: 0.5 });

/** Start and end of `count` overlapping intervals covering [0, length], integer pixels. */
export function tileSpans(length: number, count: number, overlapPx: number): [number, number][] {
  if (count <= 1) return [[0, length]];
  const overlap = Math.min(Math.max(0, overlapPx), Math.floor(length / (count + 1)));
  const stride = (length - overlap) / count;
  const spans: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.round(i * stride);
    const end = i === count - 1 ? length : Math.min(length, Math.round(i * stride + stride + overlap));
    spans.push([start, end]);
  }
  return spans;
}

interface Prepared {
  region: Region;
  area: number;
}

function shareInside(item: Prepared, rect: Box): { share: number; clipped: Point[] } {
  const [x1, y1, x2, y2] = item.region.box;
  if (x1 >= rect[0] && y1 >= rect[1] && x2 <= rect[2] && y2 <= rect[3]) return { share: 1, clipped: item.region.points };
  if (x2 <= rect[0] || x1 >= rect[2] || y2 <= rect[1] || y1 >= rect[3]) return { share: 0, clipped: [] };
  const clipped = clipPolygonToBox(item.region.points, rect);
  return { share: clipped.length >= 3 ? polygonArea(clipped) / item.area : 0, clipped };
}

function rebase(points: readonly Point[], rect: Box, text: string | undefined): Region {
  const moved = points.map(([x, y]): Point => [x - rect[0], y - rect[1]]);
  return makeRegion(moved, text === undefined ? {} : { text });
}

/** Regions of each tile of a layout; `cut` counts regions kept below keepFraction. */
function assign(items: readonly Prepared[], rects: readonly Box[], keepFraction: number): { perTile: Region[][]; cut: number } {
  const perTile: Region[][] = rects.map(() => []);
  let cut = 0;
  for (const item of items) {
    let best = -1;
    let bestShare = 0;
    let bestClipped: Point[] = [];
    let kept = false;
    rects.forEach((rect, t) => {
      const { share, clipped } = shareInside(item, rect);
      if (share >= keepFraction) {
        perTile[t].push(rebase(clipped, rect, item.region.text));
        kept = true;
      }
      if (share > bestShare) [best, bestShare, bestClipped] = [t, share, clipped];
    });
    if (!kept && best >= 0) {
      perTile[best].push(rebase(bestClipped, rects[best], item.region.text));
      cut++;
    }
  }
  return { perTile, cut };
}

/** Layouts of `tiles` tiles, strips (more rows) first. */
function layoutsOf(tiles: number): [rows: number, cols: number][] {
  const out: [number, number][] = [];
  for (let rows = tiles; rows >= 1; rows--) if (tiles % rows === 0) out.push([rows, tiles / rows]);
  return out;
}

/**
 * The crops of an over-budget image (see the module comment), or undefined when no layout of up to
 * `maxTiles` tiles fits (a single region over the budget, or text too dense for tiles of minTileSidePx).
 * `regions` are the care regions of the answer, inside the image, in image pixels.
 */
export function planCrops(regions: readonly Region[], size: ImageSize, options: PlanCropsOptions): CropPlan | undefined {
  const { maxTiles, minTileSidePx, keepFraction } = { ...CROP_DEFAULTS, ...stripUndefined(options) };
  const items: Prepared[] = regions.map((region) => ({ region, area: Math.max(polygonArea(region.points), 1e-9) }));
  const bounds = regions.map((r) => boundsOf(r.points));
  const tallest = Math.ceil(Math.max(0, ...bounds.map((b) => b[3] - b[1])));
  const widest = Math.ceil(Math.max(0, ...bounds.map((b) => b[2] - b[0])));
  for (let tiles = Math.max(2, Math.ceil(options.minTiles ?? 2)); tiles <= maxTiles; tiles++) {
    for (const [rows, cols] of layoutsOf(tiles)) {
      const ys = tileSpans(size.height, rows, tallest);
      const xs = tileSpans(size.width, cols, widest);
      if (ys.some(([a, b]) => b - a < minTileSidePx) || xs.some(([a, b]) => b - a < minTileSidePx)) continue;
      const rects: Box[] = ys.flatMap(([y1, y2]) => xs.map(([x1, x2]): Box => [x1, y1, x2, y2]));
      const { perTile, cut } = assign(items, rects, keepFraction);
      const tilesWithRegions = rects.map((rect, t) => ({ rect, regions: perTile[t] })).filter((tile) => tile.regions.length > 0);
      const allFit = tilesWithRegions.every((tile) => options.fits(tile.regions, { width: tile.rect[2] - tile.rect[0], height: tile.rect[3] - tile.rect[1] }));
      if (allFit) return { rows, cols, tiles: tilesWithRegions, cut };
    }
  }
  return undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
