/**
 * What src/index.ts exports of the vlm backend: the pure parts (answers → regions, tile planning and
 * merging, re-parsing saved answers), options and types — everything except the HTTP client, so importing
 * the library does not load the OpenAI SDK (`createDetector({ backend: 'vlm', … })` loads it when used).
 */
export { DEFAULTS as VLM_DEFAULTS, vlmOptionsSchema, type VlmOptions } from './options.js';
export type { VlmDetection, VlmDetector } from './detector.js';
export { reparseResults, reparseRecord, type ReparseOptions, type ReparseSummary } from './reparse.js';
export { regionsFromAnswers, type RawAnswer, type AnswerParseOptions, type ParsedAnswers } from './answers.js';
export { mergeFrameRegions, type MergeOptions } from './merge.js';
export { planFrames, planTiles, parseTileSpec, type Frame, type TileSpec } from './plan.js';
