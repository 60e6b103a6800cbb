/**
 * Scoring one image with the ICDAR 2015 hmean-IoU protocol, as PaddleOCR's ppocr/metrics/eval_det_iou.py
 * (DetectionIoUEvaluator.evaluate_image) defines it. Our own implementation of its rules:
 *  1. Polygons that are not valid simple polygons (fewer than 3 distinct points, zero area, self-intersecting
 *     or self-touching) are dropped, on both sides, before anything else: they count nowhere.
 *  2. A valid ground-truth region marked `ignore` is "don't care": it is never matched and not counted.
 *  3. A valid detection whose area lies more than `areaPrecision` inside one don't-care region
 *     (intersection / detection area > 0.5 by default) is ignored too: not counted, never matched.
 *  4. Care ground truth × care detections: one IoU matrix, then one-to-one matches with IoU strictly greater
 *     than `iou` (default 0.5), chosen by the named strategy (`greedy` = PaddleOCR's order).
 * The result is counts; the set's precision / recall / hmean are computed from counts summed over all images.
 */
import { isSimplePolygon } from '../core/geometry.js';
import type { Point } from '../core/types.js';
import { type HmeanCounts } from './hmean.js';
import {
  MATCH_STRATEGIES,
  iouMatrix,
  preparePolygon,
  preparedIntersection,
  type IoUMatrix,
  type MatchStrategyName,
  type PreparedPolygon,
} from './match.js';

/** A ground-truth region as the evaluator needs it (a `Region` fits). */
export interface GroundTruthPolygon {
  points: readonly Point[];
  ignore?: boolean;
}

export interface ImageEvalOptions {
  /** A match needs IoU strictly greater than this. ICDAR 2015 / PaddleOCR: 0.5. */
  iou: number;
  /** A detection is "don't care" when intersection / its area is strictly greater than this. PaddleOCR: 0.5. */
  areaPrecision: number;
  match: MatchStrategyName;
}

export interface ImageCounts extends HmeanCounts {
  /** Valid don't-care ground-truth regions. */
  gtIgnored: number;
  /** Valid detections ignored because they lie mostly inside a don't-care region. */
  detIgnored: number;
  /** Ground-truth regions dropped as invalid polygons. */
  gtInvalid: number;
  /** Detections dropped as invalid polygons. */
  detInvalid: number;
}

export interface ImageResult extends ImageCounts {
  /** Matched pairs as indices into the `gt` and `detections` arrays given. */
  pairs: Array<[gtIndex: number, detIndex: number]>;
}

export function emptyImageCounts(): ImageCounts {
  return { matched: 0, gtCare: 0, detCare: 0, gtIgnored: 0, detIgnored: 0, gtInvalid: 0, detInvalid: 0 };
}

/** What a region became before matching: counted (`care`), "don't care" (`ignore`) or dropped (`invalid`). */
export type RegionKind = 'care' | 'ignore' | 'invalid';

/**
 * One image after rules 1–3 (validity, don't care), before matching: the care regions on each side and
 * their IoU matrix, computed once and matched at any number of thresholds (`matchPrepared`).
 */
export interface PreparedImage extends Omit<ImageCounts, 'matched'> {
  /** Per ground-truth region, in the order given. */
  gtKinds: RegionKind[];
  /** Per detection, in the order given; `ignore` = lies mostly inside a don't-care region. */
  detKinds: RegionKind[];
  /** Indices (into the given arrays) of the care regions: the matrix's rows and columns. */
  gtCareIndex: number[];
  detCareIndex: number[];
  /** IoU of every care ground-truth region (rows) with every care detection (columns); absent when a side is empty. */
  matrix?: IoUMatrix;
}

/** The ground truth's side of rules 1–2, shared by every run scored against the same image. */
export interface PreparedGroundTruth {
  kinds: RegionKind[];
  care: PreparedPolygon[];
  /** Index of each care region in the ground truth given. */
  careIndex: number[];
  dontCare: PreparedPolygon[];
  invalid: number;
}

export function prepareGroundTruth(gt: readonly GroundTruthPolygon[]): PreparedGroundTruth {
  const prepared: PreparedGroundTruth = { kinds: [], care: [], careIndex: [], dontCare: [], invalid: 0 };
  gt.forEach((region, index) => {
    if (!isSimplePolygon(region.points)) {
      prepared.invalid++;
      prepared.kinds.push('invalid');
    } else if (region.ignore) {
      prepared.dontCare.push(preparePolygon(region.points));
      prepared.kinds.push('ignore');
    } else {
      prepared.care.push(preparePolygon(region.points));
      prepared.careIndex.push(index);
      prepared.kinds.push('care');
    }
  });
  return prepared;
}

/**
 * Rules 1–3 of the protocol for one image, and the IoU matrix of what remains. `gt` may be prepared once
 * (prepareGroundTruth) for several runs. Pure; never throws on bad geometry.
 */
export function prepareImage(
  gt: readonly GroundTruthPolygon[] | PreparedGroundTruth,
  detections: readonly (readonly Point[])[],
  areaPrecision: number,
): PreparedImage {
  const truth = Array.isArray(gt) ? prepareGroundTruth(gt) : (gt as PreparedGroundTruth);
  const prepared: PreparedImage = {
    gtCare: truth.care.length,
    detCare: 0,
    gtIgnored: truth.dontCare.length,
    detIgnored: 0,
    gtInvalid: truth.invalid,
    detInvalid: 0,
    gtKinds: truth.kinds,
    detKinds: [],
    gtCareIndex: truth.careIndex,
    detCareIndex: [],
  };
  const detCare: PreparedPolygon[] = [];
  detections.forEach((points, index) => {
    if (!isSimplePolygon(points)) {
      prepared.detInvalid++;
      prepared.detKinds.push('invalid');
      return;
    }
    const polygon = preparePolygon(points);
    if (liesInDontCare(polygon, truth.dontCare, areaPrecision)) {
      prepared.detIgnored++;
      prepared.detKinds.push('ignore');
    } else {
      detCare.push(polygon);
      prepared.detCareIndex.push(index);
      prepared.detKinds.push('care');
    }
  });
  prepared.detCare = detCare.length;
  if (truth.care.length > 0 && detCare.length > 0) prepared.matrix = iouMatrix(truth.care, detCare);
  return prepared;
}

/** Rule 4 at one threshold: one-to-one matches, as indices into the arrays `prepareImage` was given. */
export function matchPrepared(prepared: PreparedImage, iou: number, match: MatchStrategyName): Array<[gtIndex: number, detIndex: number]> {
  if (!prepared.matrix) return [];
  return MATCH_STRATEGIES.get(match)
    .match(prepared.matrix, iou)
    .map(([row, col]) => [prepared.gtCareIndex[row], prepared.detCareIndex[col]]);
}

/** The counts of a prepared image with `matched` matches. */
export function countsOf(prepared: PreparedImage, matched: number): ImageCounts {
  const { gtCare, detCare, gtIgnored, detIgnored, gtInvalid, detInvalid } = prepared;
  return { matched, gtCare, detCare, gtIgnored, detIgnored, gtInvalid, detInvalid };
}

/** Scores one image: `gt` regions against detected polygons. Pure; never throws on bad geometry. */
export function scoreImage(
  gt: readonly GroundTruthPolygon[],
  detections: readonly (readonly Point[])[],
  options: ImageEvalOptions,
): ImageResult {
  const prepared = prepareImage(gt, detections, options.areaPrecision);
  const pairs = matchPrepared(prepared, options.iou, options.match);
  return { ...countsOf(prepared, pairs.length), pairs };
}

/** Whether more than `areaPrecision` of the detection's area lies inside one of the don't-care regions. */
function liesInDontCare(detection: PreparedPolygon, dontCare: readonly PreparedPolygon[], areaPrecision: number): boolean {
  if (detection.area === 0) return false; // cannot happen for a valid polygon; PaddleOCR guards it the same way
  for (const region of dontCare) {
    if (preparedIntersection(region, detection) / detection.area > areaPrecision) return true;
  }
  return false;
}
