/**
 * Number handling shared by the dialects: scanning numbers out of messy model text (full-width digits and
 * commas, minus signs), Python-compatible rounding, and the per-axis mapping between original-image pixels
 * and a dialect's grid.
 */

/** Full-width forms (U+FF01–U+FF5E) of the characters that matter in coordinates, to their ASCII forms. */
const FULL_WIDTH = /[\uFF10-\uFF19\uFF0C\uFF0E\uFF0D\uFF3B\uFF3D\uFF08\uFF09\uFF1A\u3001\u2212]/g;
const FULL_WIDTH_MAP: Record<string, string> = {
  '\uFF0C': ',', // ，
  '\u3001': ',', // 、 ideographic comma
  '\uFF0E': '.', // ．
  '\uFF0D': '-', // －
  '\u2212': '-', // − minus sign
  '\uFF3B': '[', // ［
  '\uFF3D': ']', // ］
  '\uFF08': '(', // （
  '\uFF09': ')', // ）
  '\uFF1A': ':', // ：
};

/**
 * ASCII digits, commas, brackets, parentheses, colons and minus signs for their full-width forms. Applied
 * only to the coordinate parts of an answer: labels keep their own characters (a receipt's '：' is text).
 */
export function asciiCoordinates(text: string): string {
  return text.replace(FULL_WIDTH, (c) => {
    const code = c.charCodeAt(0);
    if (code >= 0xff10 && code <= 0xff19) return String.fromCharCode(code - 0xff10 + 48);
    return FULL_WIDTH_MAP[c] ?? c;
  });
}

const NUMBER = /-?\d+(?:\.\d+)?/g;

/** Every number in a span of coordinates, in order (separators: anything that is not part of a number). */
export function scanNumbers(span: string): number[] {
  return (asciiCoordinates(span).match(NUMBER) ?? []).map(Number);
}

/** Python 3's round(): halves go to the even neighbour (round(0.5) = 0, round(1.5) = 2). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  // A tolerance absorbs binary noise such as 2.5000000000000004 that Python would print as 2.5 but not round as such.
  if (Math.abs(diff - 0.5) > 1e-9) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

export function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** Pixels rounded to 1/100 px: keeps answers' arithmetic noise (103.76100000000001) out of results. */
export function roundPixels(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * One axis of a dialect's grid: `encode` maps a pixel coordinate on a side of `sidePx` pixels to the
 * integer the model writes, `decode` maps a model's number back to pixels.
 */
export interface AxisCodec {
  /** The value that stands for the full side (1000, 999, 1023, or the model input side in pixels). */
  readonly scale: number;
  /** Largest integer written. */
  readonly max: number;
  readonly rounding: AxisCodecSpec['rounding'];
  readonly binCentre: boolean;
  encode(px: number, sidePx: number): number;
  decode(value: number, sidePx: number): number;
}

export interface AxisCodecSpec {
  scale: number;
  max: number;
  /** 'half-even' as Python's round() (InternVL, ms-swift, big_vision), 'floor' (Florence-2 bins). */
  rounding: 'half-even' | 'floor';
  /** Florence-2 reads a bin back as its centre: (bin + 0.5) / scale. */
  binCentre?: boolean;
}

export function axisCodec(spec: AxisCodecSpec): AxisCodec {
  const { scale, max, rounding, binCentre = false } = spec;
  return {
    scale,
    max,
    rounding,
    binCentre,
    encode(px, sidePx) {
      const value = (px / sidePx) * scale;
      return clamp(rounding === 'floor' ? Math.floor(value) : roundHalfEven(value), 0, max);
    },
    decode(value, sidePx) {
      return ((binCentre ? value + 0.5 : value) / scale) * sidePx;
    },
  };
}

/**
 * Encodes an interval [lowPx, highPx] so that a region with extent keeps an extent on the grid: when both
 * ends round to the same value k, the end nearer to the next value moves there (k+1 if the exact high end
 * is at or above k, else k−1 for the low end), which keeps both ends within one grid unit of their exact
 * values. The reference system's data held degenerate boxes such as [[90,398,311,398]]; this never writes
 * one for a region with area. Floor bins (Florence-2) are cells, where equal bins are a valid answer.
 */
export function encodeInterval(
  codec: AxisCodec,
  lowPx: number,
  highPx: number,
  sidePx: number,
): [number, number] {
  let low = codec.encode(lowPx, sidePx);
  let high = codec.encode(highPx, sidePx);
  if (codec.rounding === 'half-even' && high === low && highPx > lowPx) {
    const exactHigh = (highPx / sidePx) * codec.scale;
    if ((exactHigh >= low && low < codec.max) || low === 0) high = low + 1;
    else low = high - 1;
  }
  return [low, high];
}
