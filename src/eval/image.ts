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

interface Indexed {
  index: number;
  polygon: PreparedPolygon;
}

export function emptyImageCounts(): ImageCounts {
  return { matched: 0, gtCare: 0, detCare: 0, gtIgnored: 0, detIgnored: 0, gtInvalid: 0, detInvalid: 0 };
}

/** Scores one image: `gt` regions against detected polygons. Pure; never throws on bad geometry. */
export function scoreImage(
  gt: readonly GroundTruthPolygon[],
  detections: readonly (readonly Point[])[],
  options: ImageEvalOptions,
): ImageResult {
  const result: ImageResult = { ...emptyImageCounts(), pairs: [] };
  const gtCare: Indexed[] = [];
  const dontCare: PreparedPolygon[] = [];
  gt.forEach((region, index) => {
    if (!isSimplePolygon(region.points)) {
      result.gtInvalid++;
    } else if (region.ignore) {
      dontCare.push(preparePolygon(region.points));
    } else {
      gtCare.push({ index, polygon: preparePolygon(region.points) });
    }
  });
  const detCare: Indexed[] = [];
  detections.forEach((points, index) => {
    if (!isSimplePolygon(points)) {
      result.detInvalid++;
      return;
    }
    const polygon = preparePolygon(points);
    if (liesInDontCare(polygon, dontCare, options.areaPrecision)) result.detIgnored++;
    else detCare.push({ index, polygon });
  });
  result.gtCare = gtCare.length;
  result.gtIgnored = dontCare.length;
  result.detCare = detCare.length;
  if (gtCare.length > 0 && detCare.length > 0) {
    const matrix = iouMatrix(
      gtCare.map((g) => g.polygon),
      detCare.map((d) => d.polygon),
    );
    for (const [row, col] of MATCH_STRATEGIES.get(options.match).match(matrix, options.iou)) {
      result.pairs.push([gtCare[row].index, detCare[col].index]);
    }
  }
  result.matched = result.pairs.length;
  return result;
}

/** Whether more than `areaPrecision` of the detection's area lies inside one of the don't-care regions. */
function liesInDontCare(detection: PreparedPolygon, dontCare: readonly PreparedPolygon[], areaPrecision: number): boolean {
  if (detection.area === 0) return false; // cannot happen for a valid polygon; PaddleOCR guards it the same way
  for (const region of dontCare) {
    if (preparedIntersection(region, detection) / detection.area > areaPrecision) return true;
  }
  return false;
}
