/**
 * What "within one grid unit" means for a dialect, shared by the round-trip and conversion tests.
 */
import { clipPoints, orderClockwise } from '../../src/core/geometry.js';
import type { Point, Region, Sample } from '../../src/core/types.js';
import type { GroundingDialect } from '../../src/grounding/index.js';

/** roundPixels keeps 1/100 px: the tolerance gets that much on top of one grid unit. */
export const PIXEL_ROUNDING = 0.01;

/** Pixels per grid unit along x and y for one image. */
export function unitPx(dialect: GroundingDialect, size: { width: number; height: number }, inputSize?: { width: number; height: number }): [number, number] {
  if (dialect.inputSize) {
    const input = inputSize ?? dialect.inputSize(size);
    return [size.width / input.width, size.height / input.height];
  }
  if (dialect.grid.kind === 'input-pixels') throw new Error(`${dialect.name}: an input-pixel grid without inputSize`);
  const scale = dialect.grid.layout.x.scale;
  return [size.width / scale, size.height / scale];
}

/** Largest |difference| between two quads over the best cyclic alignment, per axis. */
export function quadError(a: Point[], b: Point[]): [number, number] {
  let best: [number, number] = [Infinity, Infinity];
  for (let shift = 0; shift < 4; shift++) {
    let dx = 0;
    let dy = 0;
    a.forEach((p, i) => {
      const q = b[(i + shift) % 4];
      dx = Math.max(dx, Math.abs(p[0] - q[0]));
      dy = Math.max(dy, Math.abs(p[1] - q[1]));
    });
    if (Math.max(dx, dy) < Math.max(...best)) best = [dx, dy];
  }
  return best;
}

export const label = (region: Region): string => (region.text ?? '').replace(/\s+/g, ' ').trim() || 'text';

/**
 * The care regions of `truth` that no decoded region gives back (same label; each coordinate within one
 * grid unit of the region clipped to the image). Empty when the answer holds every care region.
 */
export function missingRegions(truth: Sample, decoded: readonly Region[], dialect: GroundingDialect, inputSize?: { width: number; height: number }): Region[] {
  const size = { width: truth.width, height: truth.height };
  const [ux, uy] = unitPx(dialect, size, inputSize);
  const unmatched = [...decoded];
  const missing: Region[] = [];
  for (const original of truth.regions.filter((r) => !r.ignore)) {
    const clipped = orderClockwise(clipPoints(original.points, size));
    const xs = clipped.map((p) => p[0]);
    const ys = clipped.map((p) => p[1]);
    const bounds = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const index = unmatched.findIndex((found) => {
      if ((found.text ?? '') !== label(original)) return false;
      if (dialect.keepsQuads) {
        const [dx, dy] = quadError(found.points, clipped);
        return dx <= ux + PIXEL_ROUNDING && dy <= uy + PIXEL_ROUNDING;
      }
      return found.box.every((v, i) => Math.abs(v - bounds[i]) <= (i % 2 === 0 ? ux : uy) + PIXEL_ROUNDING);
    });
    if (index < 0) missing.push(original);
    else unmatched.splice(index, 1);
  }
  return missing;
}
