/**
 * ocrdet's library API. Every CLI command is a thin shell over these functions.
 */
export type { Point, Box, ImageSize, Region, Sample, Detection, DetectionError, Block, Orientation } from './core/types.js';
export { groupBlocks } from './core/blocks.js';
export { formatDetections, OUTPUT_FORMATS, type OutputFormat, type FormatContext } from './formats/index.js';
export { PageReader, PAGE_DEFAULTS, parsePageRanges, selectPages, type PageSelection, type PageCount, type PagedKind } from './image/pages.js';
export { expandPages, type PageInput } from './batch/pages.js';
export * from './core/errors.js';
export { createRegistry, type Registry, type Named } from './core/registry.js';
export * from './eval/index.js';
export { writeReport, ReportWriter, REPORT_DEFAULTS, REGION_COLORS, type ReportFiles, type ReportOptions, type WriteReportOptions } from './eval/report/index.js';
export { readResults, type ReadResultsOptions } from './datasets/results.js';
export { getDialect, dialects, smartResize, modelView, sendSize, FAMILIES } from './grounding/index.js';
export { DataRecordSchema, DATA_RECORD_FILE, type DataRecord, type RowTokens } from './grounding/record.js';
export { readDataRecordFile, findDataRecord, writeDataRecord } from './datasets/record-file.js';
export type { GroundingDialect, GroundingTask, FormatOptions, ParseOptions, ParseResult, DialectPrompts, CoordinateGrid, ImageRule, ModelView } from './grounding/index.js';
export { createDetector, failedDetection, BACKENDS, type FailedImage, type CreateDetectorOptions, type BackendFlag, type Detector, type DetectorBackend, type DetectCallOptions } from './detectors/index.js';
export { runBatch, detectMany, expandInputs, type RunBatchOptions, type BatchSummary, type DetectManyOptions, type BatchProgress, type ImageInput } from './batch/index.js';
export { autolabel, reviewNames, AUTOLABEL_FILES, type AutolabelOptions, type AutolabelResult } from './batch/autolabel.js';
export { ReviewWriter, REVIEW_TOOLS, labelmeFile, ppocrLine, type ReviewTool, type ReviewSummary } from './datasets/review.js';
export { drawOverlay, type OverlayOptions, type OverlayRegion } from './image/overlay.js';
export { createPpocrDetector, ppocrBackend, PpocrDetector, PPOCR_DEFAULTS, bundledModelDir, resolveModelFiles, type PpocrOptions, type ModelFiles } from './detectors/ppocr/index.js';
export { boxesFromProbabilityMap, ctcGreedyDecode, charsetFromDictionary, type ProbabilityMap, type DbOptions, type DbBox, type CtcCharset } from './detectors/ppocr/index.js';
export { createTextMapper, TextMapper, runDetModel, type TextMap } from './detectors/ppocr/text-map.js';
export { snapBox, snapRegions, SNAP_DEFAULTS, type SnapOptions, type SnappedRegion, type SnapSource } from './detectors/vlm/snap.js';
export { agreementOf, AGREEMENT_MATCH_IOU, type Agreement } from './detectors/vlm/agreement.js';
export { checkRegions, type CheckedRegion, type CheckedAnswer } from './detectors/vlm/text-check.js';
export { readDataset, detectFormat, datasetStats, formatProblem, DATASET_FORMATS, RESULTS_DEFAULTS, type DatasetStatsOptions } from './datasets/index.js';
export type { DatasetFormat, DatasetProblem, DatasetProblemKind, ReadDatasetOptions, DatasetReader, CoordinateFrame, DatasetStats, Distribution, SourceStats } from './datasets/index.js';
export { convertDataset, convertSamples, checkConvertOptions, type ConvertOptions, type ConvertProblem, type ConvertProgress, type ConvertReport, type SampleSource } from './datasets/convert.js';
export { previewDataset, type PreviewOptions, type PreviewResult, type PreviewPicture } from './datasets/preview.js';
export { DEFAULTS as TRAIN_DEFAULTS, PRESETS as TRAIN_PRESETS, RecipeSchema, loadRecipeFile, resolveRecipe, type Recipe, type RecipeInput, type ModelPreset } from './train/index.js';
export { buildTrainCommand, resolveDataFiles, trainEnvironment, detectSwiftVersion, resolveSwiftVersion, formatMultiline, formatOneLine, type DataFiles, type SwiftVersion, type ExternalCommand } from './train/index.js';
export { preflight as trainPreflight, runTraining, followLog, parseLogText, parseLogRecord, summarizeRun, formatSummary, readRunStatus, writeRunPlots, extractFailure, type PreflightReport, type TrainRunOptions, type TrainRunResult, type SwiftLogEvent, type RunSummary, type RunStatus, type Failure } from './train/index.js';
export { planMerge, buildMergeCommand, linkMerged, buildDeployCommand, resolveDeployModel, runDeploy, buildSlurmScript, DEPLOY_DEFAULTS, type MergePlan, type DeployEngine, type DeployRunResult } from './train/index.js';
export { svgToPng } from './image/render.js';
export { vlmBackend, createVlmDetector, VLM_DEFAULTS, vlmOptionsSchema, type VlmOptions, type VlmDetection, type VlmDetector } from './detectors/vlm/index.js';
export { reparseResults, reparseRecord, regionsFromAnswers, mergeFrameRegions, planFrames, planTiles, parseTileSpec, type ReparseOptions, type ReparseSummary, type RawAnswer, type AnswerParseOptions, type ParsedAnswers, type MergeOptions, type Frame, type TileSpec } from './detectors/vlm/index.js';
