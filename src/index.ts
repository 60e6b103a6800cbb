/**
 * ocrdet's library API. Every CLI command is a thin shell over these functions.
 */
export type { Point, Box, ImageSize, Region, Sample, Detection } from './core/types.js';
export * from './core/errors.js';
export { createRegistry, type Registry, type Named } from './core/registry.js';
export * from './eval/index.js';
export { readResults, type ReadResultsOptions } from './datasets/results.js';
export { getDialect, dialects, smartResize } from './grounding/index.js';
export type { GroundingDialect, GroundingTask, FormatOptions, ParseOptions, ParseResult, DialectPrompts, CoordinateGrid } from './grounding/index.js';
export { createDetector, BACKENDS, type CreateDetectorOptions, type BackendEntry, type BackendFlag, type Detector, type DetectorBackend, type DetectCallOptions } from './detectors/index.js';
export { runBatch, detectMany, expandInputs, type RunBatchOptions, type BatchSummary, type DetectManyOptions, type BatchProgress, type ImageInput } from './batch/index.js';
export { drawOverlay, type OverlayOptions, type OverlayRegion } from './image/overlay.js';
export { createPpocrDetector, ppocrBackend, PpocrDetector, PPOCR_DEFAULTS, bundledModelDir, resolveModelFiles, type PpocrOptions, type ModelFiles } from './detectors/ppocr/index.js';
export { boxesFromProbabilityMap, ctcGreedyDecode, charsetFromDictionary, type ProbabilityMap, type DbOptions, type DbBox, type CtcCharset } from './detectors/ppocr/index.js';
export { readDataset, detectFormat, datasetStats, formatProblem, DATASET_FORMATS, type DatasetStatsOptions } from './datasets/index.js';
export type { DatasetFormat, DatasetProblem, DatasetProblemKind, ReadDatasetOptions, DatasetReader, CoordinateFrame, DatasetStats, Distribution, SourceStats } from './datasets/index.js';
