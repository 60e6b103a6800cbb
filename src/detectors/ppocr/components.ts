/**
 * Connected components of a binary map, for DB post-processing: each 8-connected blob of text pixels
 * becomes the list of its run endpoints, whose convex hull is the blob's hull (what OpenCV's
 * `findContours` + `minAreaRect` see in PaddleOCR's db_postprocess.py, without OpenCV).
 *
 * Method: run-length encode each row, then union-find over runs, joining runs of adjacent rows that
 * touch (8-connectivity: their x ranges overlap or meet diagonally). O(pixels) with typed arrays; the
 * map is scanned once. Unlike `findContours(RETR_LIST)`, holes inside a blob are not reported as
 * candidates of their own (they never pass DB's box-score threshold, being mostly background).
 */
import type { Point } from '../../core/types.js';

/** One connected component: the first and last pixel of each of its runs, top to bottom. */
export interface Component {
  /** Run endpoints as pixel coordinates [x, y] (pixel centres, as OpenCV's contour points). */
  points: Point[];
  /** Number of pixels in the component. */
  pixelCount: number;
}

/** A growable Int32Array (runs are unknown in number until the scan ends). */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

function findRoot(parent: Int32Array, i: number): number {
  let root = i;
  while (parent[root] !== root) root = parent[root];
  while (parent[i] !== root) {
    const next = parent[i];
    parent[i] = root;
    i = next;
  }
  return root;
}

function union(parent: Int32Array, a: number, b: number): void {
  const ra = findRoot(parent, a);
  const rb = findRoot(parent, b);
  // The older run stays the root, so components keep the raster order of their first pixel.
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}

/** Row-by-row runs of non-zero pixels: start x, end x (inclusive) and row, in raster order. */
function encodeRuns(bitmap: Uint8Array, width: number, height: number): { start: IntList; end: IntList; rowFirst: Int32Array } {
  const start = new IntList(height * 4);
  const end = new IntList(height * 4);
  const rowFirst = new Int32Array(height + 1); // index of the first run of each row; rowFirst[height] = total
  for (let y = 0; y < height; y++) {
    rowFirst[y] = start.length;
    const offset = y * width;
    let x = 0;
    while (x < width) {
      while (x < width && bitmap[offset + x] === 0) x++;
      if (x === width) break;
      const runStart = x;
      while (x < width && bitmap[offset + x] !== 0) x++;
      start.push(runStart);
      end.push(x - 1);
    }
  }
  rowFirst[height] = start.length;
  return { start, end, rowFirst };
}

/**
 * The 8-connected components of `bitmap` (non-zero = foreground), in raster order of their first pixel
 * (top to bottom, then left to right), at most `maxComponents` of them.
 */
export function findComponents(bitmap: Uint8Array, width: number, height: number, maxComponents = Infinity): Component[] {
  if (bitmap.length < width * height) throw new RangeError(`bitmap has ${bitmap.length} values, expected ${width}×${height}`);
  const { start, end, rowFirst } = encodeRuns(bitmap, width, height);
  const runCount = start.length;
  const parent = new Int32Array(runCount);
  for (let i = 0; i < runCount; i++) parent[i] = i;
  const s = start.data;
  const e = end.data;
  for (let y = 1; y < height; y++) {
    // Two pointers over the runs of the row above (a) and this row (b).
    let a = rowFirst[y - 1];
    const aEnd = rowFirst[y];
    let b = rowFirst[y];
    const bEnd = rowFirst[y + 1];
    while (a < aEnd && b < bEnd) {
      if (s[b] <= e[a] + 1 && s[a] <= e[b] + 1) union(parent, a, b);
      if (e[a] < e[b]) a++;
      else b++;
    }
  }
  return collectComponents(parent, s, e, rowFirst, height, maxComponents);
}

function collectComponents(
  parent: Int32Array,
  s: Int32Array,
  e: Int32Array,
  rowFirst: Int32Array,
  height: number,
  maxComponents: number,
): Component[] {
  const indexOfRoot = new Map<number, number>();
  const components: Component[] = [];
  for (let y = 0; y < height; y++) {
    for (let r = rowFirst[y]; r < rowFirst[y + 1]; r++) {
      const root = findRoot(parent, r);
      let index = indexOfRoot.get(root);
      if (index === undefined) {
        if (components.length >= maxComponents) continue;
        index = components.length;
        indexOfRoot.set(root, index);
        components.push({ points: [], pixelCount: 0 });
      }
      const component = components[index];
      component.points.push([s[r], y]);
      if (e[r] !== s[r]) component.points.push([e[r], y]);
      component.pixelCount += e[r] - s[r] + 1;
    }
  }
  return components;
}
