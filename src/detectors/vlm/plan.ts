/**
 * What to send for one image, as pure arithmetic: the frames (the whole image and/or overlapping tiles, in
 * original pixels) and the exact size each frame is sent at. Knowing the sent size exactly is what lets
 * the answer's coordinates be mapped back to the original without drift.
 */
import type { ImageSize } from '../../core/types.js';
import { sendSize, type ImageRule } from '../../grounding/image-rules.js';
import type { PixelRect } from '../../image/encode.js';

/** How big a frame is sent. */
export interface SendBudget {
  /** How the model sees an image (the dialect's, or the data record's): frames are sent at the size it gives. */
  rule: ImageRule;
  /**
   * Most pixels sent per frame, when the user says: for a smart-resize rule this is its max_pixels (it replaces
   * the rule's), for the others a cap on what is sent.
   */
  maxPixels?: number;
  /** Longest side sent, when the user limits it. */
  maxSidePx?: number;
}

/** A size limit: most pixels, and the longest side when given. */
export interface SizeLimit {
  maxPixels?: number;
  maxSidePx?: number;
}

/** One request's worth of image: where it lies in the original, and the size it is sent at. */
export interface Frame {
  rect: PixelRect;
  sent: ImageSize;
  /** 'full' for the whole image, 'tile' for a piece of it. */
  kind: 'full' | 'tile';
}

export type TileSpec = { mode: 'off' } | { mode: 'auto' } | { mode: 'fixed'; width: number; height: number };

export interface TilePlanOptions {
  /** Pixels of one tile in auto mode (the rule's budget, image-rules.ts pixelBudget, or the user's --max-input-pixels). */
  maxPixels: number;
  /** Longest side of a tile, when the user limits it. */
  maxSidePx?: number;
  /** Share of a tile's side that neighbours overlap (0–0.5). */
  overlap: number;
  /** Most tiles in auto mode: tiles grow instead. */
  maxTiles: number;
  /** Also send the whole image. */
  overview: boolean;
}

/** Auto mode tiles an image only when it holds more than this many times the budget's pixels. */
export const AUTO_TILE_FACTOR = 2;
/** An explicit tile size that would cut an image into more pieces than this is refused (a typo, e.g. 10x10). */
const MAX_FIXED_TILES = 256;

export function parseTileSpec(spec: string): TileSpec {
  const text = spec.trim().toLowerCase();
  if (text === 'off') return { mode: 'off' };
  if (text === 'auto') return { mode: 'auto' };
  const match = /^([1-9]\d*)x([1-9]\d*)$/.exec(text);
  if (!match) throw new RangeError(`tile: expected "auto", "off" or WxH, received ${JSON.stringify(spec)}`);
  return { mode: 'fixed', width: Number(match[1]), height: Number(match[2]) };
}

/** Scale-down-only fit of `size` within the limit; each side at least 1 px. */
export function fitSize(size: ImageSize, budget: SizeLimit): ImageSize {
  const byPixels = budget.maxPixels ? Math.sqrt(budget.maxPixels / (size.width * size.height)) : 1;
  const bySide = budget.maxSidePx ? budget.maxSidePx / Math.max(size.width, size.height) : 1;
  const scale = Math.min(1, byPixels, bySide);
  if (scale >= 1) return { width: size.width, height: size.height };
  // floor keeps the result within the budget; the aspect ratio moves by under one pixel.
  return { width: Math.max(1, Math.floor(size.width * scale)), height: Math.max(1, Math.floor(size.height * scale)) };
}

/**
 * The size a frame of `size` original pixels is sent at: what the image rule gives for it (image-rules.ts
 * sendSize: the server then sees what training saw, and for smart-resize rules the frame of the answer's
 * coordinates is exactly the size sent), within the user's limits when there are any.
 */
export function sentSize(size: ImageSize, budget: SendBudget): ImageSize {
  const smart = budget.rule.kind === 'smart-resize';
  const rule = smart && budget.maxPixels ? { ...budget.rule, maxPixels: budget.maxPixels } : budget.rule;
  const limited = fitSize(size, { maxPixels: smart ? undefined : budget.maxPixels, maxSidePx: budget.maxSidePx });
  return sendSize(limited, rule);
}

/** Start offsets of `count` pieces of `piece` px evenly spread over `length` px (first at 0, last at the end). */
function offsets(length: number, piece: number, count: number): number[] {
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - piece)) / (count - 1)));
}

/** Pieces along one axis of `length` px so that each is at most `target` px and neighbours overlap. */
function axisPieces(length: number, target: number, overlap: number): { count: number; piece: number } {
  if (length <= target) return { count: 1, piece: length };
  const overlapPx = Math.round(target * overlap);
  const count = Math.ceil((length - overlapPx) / Math.max(1, target - overlapPx));
  // Even pieces that cover the axis with at least overlapPx between neighbours.
  const piece = Math.min(length, Math.ceil((length + (count - 1) * overlapPx) / count));
  return { count, piece };
}

function grid(size: ImageSize, tileWidth: number, tileHeight: number, overlap: number): PixelRect[] {
  const x = axisPieces(size.width, tileWidth, overlap);
  const y = axisPieces(size.height, tileHeight, overlap);
  const rects: PixelRect[] = [];
  for (const top of offsets(size.height, y.piece, y.count)) {
    for (const left of offsets(size.width, x.piece, x.count)) rects.push({ left, top, width: x.piece, height: y.piece });
  }
  return rects;
}

/**
 * Tiles for an image, row by row; an empty list means "do not tile". Auto mode tiles only images over
 * AUTO_TILE_FACTOR × the budget, with square-ish tiles of about the budget's pixels (so each is sent at full
 * resolution), grown when there would be more than `maxTiles`.
 */
export function planTiles(size: ImageSize, spec: TileSpec, options: TilePlanOptions): PixelRect[] {
  if (spec.mode === 'off') return [];
  if (spec.mode === 'fixed') {
    const rects = grid(size, spec.width, spec.height, options.overlap);
    if (rects.length > MAX_FIXED_TILES) {
      throw new RangeError(`tile ${spec.width}x${spec.height} would cut a ${size.width}×${size.height} image into ${rects.length} tiles (at most ${MAX_FIXED_TILES})`);
    }
    return rects.length > 1 ? rects : [];
  }
  const longSide = Math.max(size.width, size.height);
  const overSide = options.maxSidePx !== undefined && longSide > options.maxSidePx * Math.SQRT2;
  if (size.width * size.height <= AUTO_TILE_FACTOR * options.maxPixels && !overSide) return [];
  let side = Math.floor(Math.sqrt(options.maxPixels));
  if (options.maxSidePx) side = Math.min(side, options.maxSidePx);
  for (;;) {
    const rects = grid(size, side, side, options.overlap);
    if (rects.length <= options.maxTiles) return rects.length > 1 ? rects : [];
    side = Math.ceil(side * 1.1);
  }
}

/** Every frame to ask for an image: the whole image, or the tiles (with the whole image first as an overview). */
export function planFrames(size: ImageSize, spec: TileSpec, options: TilePlanOptions, budget: SendBudget): Frame[] {
  const full: Frame = { rect: { left: 0, top: 0, width: size.width, height: size.height }, sent: sentSize(size, budget), kind: 'full' };
  const tiles = planTiles(size, spec, options);
  if (tiles.length === 0) return [full];
  const tileFrames = tiles.map((rect): Frame => ({ rect, sent: sentSize({ width: rect.width, height: rect.height }, budget), kind: 'tile' }));
  return options.overview ? [full, ...tileFrames] : tileFrames;
}
