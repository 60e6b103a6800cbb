/**
 * Hand-drawn shapes for the evaluator's tests: rectangles whose overlaps a person computes by hand, and the
 * Region / Sample / Detection records around them (paths are made up: evaluation never reads the images).
 */
import type { Detection, Point, Region, Sample } from '../../src/core/types.js';

/** Axis-aligned rectangle x1..x2 × y1..y2, clockwise on screen from the top-left. */
export function rect(x1: number, y1: number, x2: number, y2: number): Point[] {
  return [
    [x1, y1],
    [x2, y1],
    [x2, y2],
    [x1, y2],
  ];
}

/** A region of a rectangle (its box is its first and third corner), with extra fields. */
export function region(points: Point[], extra: Partial<Region> = {}): Region {
  return { points, box: [points[0][0], points[0][1], points[2][0], points[2][1]], ...extra };
}

/** A ground-truth image under `root`. */
export function sample(root: string, image: string, regions: Region[], source?: string): Sample {
  return { image: `${root}/${image}`, width: 0, height: 0, regions, ...(source ? { source } : {}) };
}

/** A prediction of `polygons` (with their texts, when given) for `image`, named as the predictions name it. */
export function detection(image: string, polygons: Point[][], extra: Partial<Detection> = {}, texts: string[] = []): Detection {
  return {
    image,
    width: 0,
    height: 0,
    regions: polygons.map((p, i) => region(p, texts[i] ? { text: texts[i] } : {})),
    backend: 'test',
    model: 'hand',
    timings: {},
    ...extra,
  };
}
