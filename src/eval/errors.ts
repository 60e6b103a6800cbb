/**
 * The errors of one run on one image, at one threshold: each care ground-truth region left unmatched (a miss)
 * and each care detection left unmatched (a false alarm), with the best IoU it reached against the other
 * side's care regions. The counts are exactly the protocol's: misses = gtCare − matched, false alarms =
 * detCare − matched. A best IoU above the threshold on an unmatched region means its partner was taken by
 * another match (one-to-one); 0 means it overlaps nothing.
 */
import type { PreparedImage } from './image.js';

export type ErrorKind = 'miss' | 'false';

export interface RegionError {
  kind: ErrorKind;
  /** Index of the region in the ground truth (miss) or in the detections (false alarm) given to prepareImage. */
  index: number;
  /** Highest IoU with any care region of the other side, matched or not; 0 when there is none. */
  bestIou: number;
}

/** Best IoU of each care ground-truth region (rows) and of each care detection (columns). */
export function bestIous(prepared: PreparedImage): { gt: Float64Array; det: Float64Array } {
  const gt = new Float64Array(prepared.gtCareIndex.length);
  const det = new Float64Array(prepared.detCareIndex.length);
  const matrix = prepared.matrix;
  if (!matrix) return { gt, det };
  for (let r = 0; r < matrix.rows; r++) {
    for (let c = 0; c < matrix.cols; c++) {
      const iou = matrix.values[r * matrix.cols + c];
      if (iou > gt[r]) gt[r] = iou;
      if (iou > det[c]) det[c] = iou;
    }
  }
  return { gt, det };
}

/**
 * Misses (ground-truth order) then false alarms (detection order), given the matches `pairs`
 * ([gtIndex, detIndex], as matchPrepared returns them) and the best IoUs of `bestIous(prepared)`.
 */
export function imageErrors(
  prepared: PreparedImage,
  pairs: ReadonlyArray<readonly [number, number]>,
  best: { gt: Float64Array; det: Float64Array } = bestIous(prepared),
): RegionError[] {
  const matchedGt = new Set(pairs.map((p) => p[0]));
  const matchedDet = new Set(pairs.map((p) => p[1]));
  const errors: RegionError[] = [];
  prepared.gtCareIndex.forEach((index, row) => {
    if (!matchedGt.has(index)) errors.push({ kind: 'miss', index, bestIou: best.gt[row] });
  });
  prepared.detCareIndex.forEach((index, col) => {
    if (!matchedDet.has(index)) errors.push({ kind: 'false', index, bestIou: best.det[col] });
  });
  return errors;
}
