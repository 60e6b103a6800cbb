/** Evaluation: ICDAR 2015 hmean-IoU (PaddleOCR's protocol), per image, per source. */
export {
  evaluate,
  EVAL_DEFAULTS,
  NO_SOURCE,
  scoresBySource,
  worstImagesFirst,
  type EvaluateOptions,
  type EvalReport,
  type EvalProblem,
  type ImageReport,
  type SubsetReport,
} from './evaluate.js';
export { scoreImage, type GroundTruthPolygon, type ImageCounts, type ImageEvalOptions, type ImageResult } from './image.js';
export { setScores, imageScores, harmonicMean, type HmeanCounts, type HmeanScores } from './hmean.js';
export { MATCH_STRATEGIES, greedyMatch, optimalMatch, iouMatrix, type IoUMatrix, type MatchPair, type MatchStrategyName } from './match.js';
