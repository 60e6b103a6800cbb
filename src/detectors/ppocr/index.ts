/**
 * The `ppocr` backend's library surface: its record (./backend.ts), the detector, its options, and the pure
 * parts (DB post-processing, CTC decoding, crops) that work without onnxruntime.
 */
export { ppocrBackend } from './backend.js';
export { createPpocrDetector, PpocrDetector } from './detector.js';
export { DEFAULTS as PPOCR_DEFAULTS, ppocrOptionsSchema, type PpocrOptions, type ResolvedPpocrOptions } from './options.js';
export { bundledModelDir, resolveModelFiles, scanModelDir, modelIdentity, type ModelFiles } from './models.js';
export {
  binarize,
  boxScoreFast,
  boxesFromProbabilityMap,
  dilate2x2,
  mapToOriginal,
  unclip,
  type DbBox,
  type DbOptions,
  type ProbabilityMap,
} from './db-postprocess.js';
export { findComponents, type Component } from './components.js';
export { charsetFromDictionary, ctcGreedyDecode, ctcGreedyDecodeBatch, type CtcCharset, type CtcResult } from './ctc.js';
export { cropCornerOrder, cropToRgb, planCrop, rotatePlan180, sampleCrop, squareToQuad, type CropPlan, type PlanarTarget, type RgbPixels } from './crop.js';
