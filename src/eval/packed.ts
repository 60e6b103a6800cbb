/**
 * Polygons packed into typed arrays. The evaluator must hold every prediction until the ground truth
 * names its image; as parsed JSON a quad costs ~800 bytes of heap (nested arrays of boxed numbers), packed it
 * costs 64. Unpacked again, one image at a time, just before scoring.
 */
import type { Point } from '../core/types.js';

export interface PackedPolygons {
  /** x0, y0, x1, y1, … of every polygon, one after another. */
  coords: Float64Array;
  /** `ends[i]`: the index in `coords` just past polygon i. */
  ends: Uint32Array;
}

/** Packs polygons; anything that is not a number becomes NaN (and the evaluator then finds it invalid). */
export function packPolygons(polygons: readonly (readonly Point[])[]): PackedPolygons {
  let length = 0;
  for (const polygon of polygons) length += Array.isArray(polygon) ? polygon.length * 2 : 0;
  const coords = new Float64Array(length);
  const ends = new Uint32Array(polygons.length);
  let at = 0;
  polygons.forEach((polygon, i) => {
    if (Array.isArray(polygon)) {
      for (const point of polygon) {
        coords[at++] = Array.isArray(point) && typeof point[0] === 'number' ? point[0] : Number.NaN;
        coords[at++] = Array.isArray(point) && typeof point[1] === 'number' ? point[1] : Number.NaN;
      }
    }
    ends[i] = at;
  });
  return { coords, ends };
}

export function unpackPolygons(packed: PackedPolygons): Point[][] {
  const polygons: Point[][] = [];
  let start = 0;
  for (const end of packed.ends) {
    const polygon: Point[] = [];
    for (let k = start; k < end; k += 2) polygon.push([packed.coords[k], packed.coords[k + 1]]);
    polygons.push(polygon);
    start = end;
  }
  return polygons;
}
