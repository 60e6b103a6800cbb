/** Evaluation: ICDAR 2015 hmean-IoU (PaddleOCR's protocol), per image, per source; several runs compared. */
export {
  evaluate,
  EVAL_DEFAULTS,
  NO_SOURCE,
  scoresBySource,
  worstImagesFirst,
  type EvaluateOptions,
  type EvalReport,
  type RunTotals,
  type EvalProblem,
  type ImageReport,
  type SubsetReport,
} from './evaluate.js';
export { compareRuns, compareHeader, runReport, type CompareHeader, type CompareOptions, type CompareReport, type PairScores, type RunScores } from './compare.js';
export { type RunInput, type ScoredImage, type ScoredRun, type ScoredRegion, type ScoredThreshold, ImageTable } from './runs.js';
export { pairedBootstrap, seededRandom, quantile, BOOTSTRAP_DEFAULTS, type BootstrapOptions, type PairInterval, type RunImageCounts } from './bootstrap.js';
export { bestIous, imageErrors, type ErrorKind, type RegionError } from './errors.js';
export {
  scoreImage,
  prepareImage,
  prepareGroundTruth,
  matchPrepared,
  type GroundTruthPolygon,
  type ImageCounts,
  type ImageEvalOptions,
  type ImageResult,
  type PreparedImage,
  type RegionKind,
} from './image.js';
export { setScores, imageScores, harmonicMean, type HmeanCounts, type HmeanScores } from './hmean.js';
export { MATCH_STRATEGIES, greedyMatch, optimalMatch, iouMatrix, type IoUMatrix, type MatchPair, type MatchStrategyName } from './match.js';
