/**
 * Agreement: how far a multimodal model's answer agrees with the embedded det model on the same image — a
 * confidence for models that give none, for sending the pages (and regions) most likely wrong to a person.
 *
 * - A region's agreement is its IoU with the best-matching embedded detection, 0 when none overlaps it. Both
 *   are compared as axis-aligned boxes (the region's box, the detection's quad's bounds): models answer
 *   boxes, and an upright box cannot reach a high IoU with a slanted quad even when it is exactly right.
 * - A page's agreement is the mean over its regions and over the embedded detections that no region matched
 *   (IoU ≥ matchIoU), each of those counting 0: text the model left out lowers the page as much as a region
 *   it made up. A page where neither found anything agrees fully (1).
 *
 * Measured (bench/snap.bench.js, seed-test, answers with shifted, dropped and invented boxes): see the README.
 * Pure functions over plain arrays.
 */
import { boundsOf, boxIoU } from '../../core/geometry.js';
import type { Box, Point, Region } from '../../core/types.js';

/** IoU at or above which an embedded detection counts as found by a region (the ICDAR 2015 threshold). */
export const AGREEMENT_MATCH_IOU = 0.5;

export interface Agreement {
  /** Per region, in order: IoU with the best-matching embedded detection (0..1, 4 decimals). */
  regions: number[];
  /** The page's mean (see the module comment), 4 decimals. */
  page: number;
  /** Embedded detections no region matched. */
  missed: number;
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

/** The agreement of a model's regions with the embedded detections (`points`: quads in the same pixels). */
export function agreementOf(regions: readonly Pick<Region, 'box'>[], embedded: readonly { points: readonly Point[] }[]): Agreement {
  const boxes: Box[] = embedded.map((detection) => boundsOf(detection.points));
  const found = new Uint8Array(boxes.length);
  const perRegion = regions.map((region) => {
    let best = 0;
    boxes.forEach((box, i) => {
      const iou = boxIoU(region.box, box);
      if (iou >= AGREEMENT_MATCH_IOU) found[i] = 1;
      if (iou > best) best = iou;
    });
    return round4(best);
  });
  const missed = boxes.length - found.reduce((sum, v) => sum + v, 0);
  const count = perRegion.length + missed;
  const page = count === 0 ? 1 : round4(perRegion.reduce((sum, v) => sum + v, 0) / count);
  return { regions: perRegion, page, missed };
}
