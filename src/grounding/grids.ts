/**
 * The coordinate grids dialects write numbers on, each defined once: its kind, the largest value written, and
 * how one axis maps between original-image pixels and grid values (numbers.ts AxisCodec).
 *
 * | kind            | values                     | pixel → value                          | dialects                        |
 * |-----------------|----------------------------|----------------------------------------|---------------------------------|
 * | `norm1000`      | 0…1000                     | round(x / W × 1000), half to even      | internvl2, qwen2-vl, qwen3-vl   |
 * | `norm1000-open` | 0…999 ("[0, 1000)")        | round(x / W × 1000), clamped to 999    | qwen-vl                         |
 * | `bins1000`      | 0…999 floor bins           | floor(x / W × 1000), read at bin centre | florence-2                     |
 * | `norm999`       | 0…999                      | round(x / W × 999)                     | deepseek-vl2                    |
 * | `bins1024-yx`   | 0…1023, y before x         | round(x / W × 1023)                    | paligemma                       |
 * | `input-pixels`  | pixels of the model input  | round(x / W × input width)             | qwen2.5-vl                      |
 *
 * The sources of each rule are named in the dialect files.
 */
import { axisCodec, type AxisCodec } from './numbers.js';

export const GRID_KINDS = ['norm1000', 'norm1000-open', 'bins1000', 'norm999', 'bins1024-yx', 'input-pixels'] as const;
export type GridKind = (typeof GRID_KINDS)[number];

/** How a dialect's numbers map to pixels: one codec per axis. */
export interface Layout {
  x: AxisCodec;
  y: AxisCodec;
  /** PaliGemma writes y before x. */
  yFirst?: boolean;
}

export interface FixedGrid {
  readonly kind: Exclude<GridKind, 'input-pixels'>;
  /** Largest value written. */
  readonly max: number;
  /** The layout every image shares. */
  readonly layout: Layout;
}

export interface InputPixelGrid {
  readonly kind: 'input-pixels';
  /** No fixed largest value: it is the model input's side, known per image (layoutForInput). */
  readonly max: null;
}

/** The coordinate grid a dialect writes numbers on. */
export type CoordinateGrid = FixedGrid | InputPixelGrid;

const both = (codec: AxisCodec, yFirst = false): Layout => ({ x: codec, y: codec, ...(yFirst ? { yFirst } : {}) });

/** 0–1000 of the original width and height. */
export const NORM1000: FixedGrid = Object.freeze({ kind: 'norm1000', max: 1000, layout: both(axisCodec({ scale: 1000, max: 1000, rounding: 'half-even' })) });
/** 0–999: the 0–1000 scale with 1000 itself never written ("[0, 1000)"). */
export const NORM1000_OPEN: FixedGrid = Object.freeze({ kind: 'norm1000-open', max: 999, layout: both(axisCodec({ scale: 1000, max: 999, rounding: 'half-even' })) });
/** 1000 floor bins, read back at the bin centre. */
export const BINS1000: FixedGrid = Object.freeze({ kind: 'bins1000', max: 999, layout: both(axisCodec({ scale: 1000, max: 999, rounding: 'floor', binCentre: true })) });
/** 0–999, value / 999 × side. */
export const NORM999: FixedGrid = Object.freeze({ kind: 'norm999', max: 999, layout: both(axisCodec({ scale: 999, max: 999, rounding: 'half-even' })) });
/** 1024 bins 0–1023, value / 1023 × side, y first. */
export const BINS1024_YX: FixedGrid = Object.freeze({ kind: 'bins1024-yx', max: 1023, layout: both(axisCodec({ scale: 1023, max: 1023, rounding: 'half-even' }), true) });
/** Pixels of the model's resized input. */
export const INPUT_PIXELS: InputPixelGrid = Object.freeze({ kind: 'input-pixels', max: null });

/** The layout of an input-pixel grid for one image: the full scale of each axis is the input's side. */
export function layoutForInput(input: { width: number; height: number }): Layout {
  return {
    x: axisCodec({ scale: input.width, max: input.width, rounding: 'half-even' }),
    y: axisCodec({ scale: input.height, max: input.height, rounding: 'half-even' }),
  };
}

/** The value that stands for a full side on a fixed grid (1000, 999, 1023), for tolerances and messages. */
export function gridScale(grid: CoordinateGrid): number | undefined {
  return grid.kind === 'input-pixels' ? undefined : grid.layout.x.scale;
}
