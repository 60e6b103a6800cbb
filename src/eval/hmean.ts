/**
 * The arithmetic of hmean-IoU: counts in, precision / recall / hmean out, with every zero case spelled out.
 *
 * Two conventions exist and both come from PaddleOCR's ppocr/metrics/eval_det_iou.py (DetectionIoUEvaluator),
 * which took them from the ICDAR 2015 Robust Reading evaluation scripts:
 *  - over a whole set (`combine_results`): a zero denominator gives 0 (no care ground truth → recall 0;
 *    no care detection → precision 0);
 *  - for one image (`evaluate_image`): an image without care ground truth has recall 1, and precision 1 when
 *    nothing was detected there either (0 otherwise) — "nothing to find, nothing found" is a perfect image.
 *    MMOCR's mmocr/evaluation/functional/hmean.py `compute_hmean` uses the same per-image rule.
 */

/** What the protocol counts: matched pairs, care ground-truth regions and care detections. */
export interface HmeanCounts {
  /** One-to-one matches between a care ground-truth region and a care detection. */
  matched: number;
  /** Valid ground-truth regions that are not "don't care". */
  gtCare: number;
  /** Valid detections that do not lie mostly inside a "don't care" region. */
  detCare: number;
}

export interface HmeanScores {
  precision: number;
  recall: number;
  hmean: number;
}

/** Harmonic mean of precision and recall; 0 when both are 0. */
export function harmonicMean(precision: number, recall: number): number {
  const sum = precision + recall;
  return sum === 0 ? 0 : (2 * precision * recall) / sum;
}

/**
 * Scores of a whole set (PaddleOCR `combine_results`):
 *   recall    = matched / gtCare,  0 when gtCare = 0
 *   precision = matched / detCare, 0 when detCare = 0
 *   hmean     = 2PR / (P + R),     0 when P + R = 0
 */
export function setScores(counts: HmeanCounts): HmeanScores {
  const recall = counts.gtCare === 0 ? 0 : counts.matched / counts.gtCare;
  const precision = counts.detCare === 0 ? 0 : counts.matched / counts.detCare;
  return { precision, recall, hmean: harmonicMean(precision, recall) };
}

/**
 * Scores of one image (PaddleOCR `evaluate_image`, MMOCR `compute_hmean`):
 *   gtCare = 0, detCare = 0 → P = 1, R = 1, H = 1   (nothing to find, nothing found)
 *   gtCare = 0, detCare > 0 → P = 0, R = 1, H = 0   (everything detected is a false positive)
 *   gtCare > 0, detCare = 0 → P = 0, R = 0, H = 0   (everything missed)
 *   otherwise               → P = matched / detCare, R = matched / gtCare
 * Used to rank images (worst first); the set's scores are always summed counts, never averaged images.
 */
export function imageScores(counts: HmeanCounts): HmeanScores {
  if (counts.gtCare === 0) {
    const precision = counts.detCare > 0 ? 0 : 1;
    return { precision, recall: 1, hmean: harmonicMean(precision, 1) };
  }
  const recall = counts.matched / counts.gtCare;
  const precision = counts.detCare === 0 ? 0 : counts.matched / counts.detCare;
  return { precision, recall, hmean: harmonicMean(precision, recall) };
}

/** Adds `more` into `total` (in place) and returns `total`. */
export function addCounts<T extends HmeanCounts>(total: T, more: HmeanCounts): T {
  total.matched += more.matched;
  total.gtCare += more.gtCare;
  total.detCare += more.detCare;
  return total;
}
