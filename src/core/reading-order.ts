/**
 * Reading order of regions: lines top to bottom, left to right within a line.
 *
 * Conventions: image coordinates (x right, y DOWN). A pure function over boxes.
 */
import { EPS } from './polygon.js';
import type { Box } from './types.js';

/**
 * Reading order: top to bottom by lines, left to right within a line. A region joins a line when their
 * vertical extents overlap by at least half of the shorter one's height (a relative rule, unlike a fixed
 * pixel tolerance, so it holds for small and large text alike) and its height is within 2× of the height of
 * the region that started the line: a tall region (vertical or steeply rotated text, a big title) starts a
 * line of its own instead of pulling every line beside it into one left-to-right run.
 */
export function sortReadingOrder<T extends { box: Box }>(regions: readonly T[]): T[] {
  const byTop = [...regions].sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
  const lines: { top: number; bottom: number; height: number; items: T[] }[] = [];
  for (const region of byTop) {
    const y1 = region.box[1];
    const y2 = region.box[3];
    const h = Math.max(y2 - y1, EPS);
    let line: (typeof lines)[number] | undefined;
    for (const candidate of lines) {
      if (h > 2 * candidate.height || candidate.height > 2 * h) continue;
      const overlap = Math.min(candidate.bottom, y2) - Math.max(candidate.top, y1);
      if (overlap >= 0.5 * Math.min(h, Math.max(candidate.bottom - candidate.top, EPS))) {
        line = candidate;
        break;
      }
    }
    if (line) {
      line.items.push(region);
      if (y1 < line.top) line.top = y1;
      if (y2 > line.bottom) line.bottom = y2;
    } else {
      lines.push({ top: y1, bottom: y2, height: h, items: [region] });
    }
  }
  lines.sort((a, b) => a.top - b.top);
  const out: T[] = [];
  for (const line of lines) {
    if (line.items.length > 1) line.items.sort((a, b) => a.box[0] - b.box[0]);
    for (const item of line.items) out.push(item);
  }
  return out;
}
