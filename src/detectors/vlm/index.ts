/**
 * The `vlm` backend's library surface: its record (./backend.ts), options and types, and the pure parts
 * (answers → regions, tile planning and merging, retries, re-parsing saved answers). Importing it does not
 * load the OpenAI SDK: `createVlmDetector` does, when a detector is made.
 */
export { vlmBackend, createVlmDetector } from './backend.js';
export type { VlmDetection, VlmDetector } from './detector.js';
export { DEFAULTS as VLM_DEFAULTS, vlmOptionsSchema, normaliseBaseUrl, type VlmOptions, type ResolvedVlmOptions } from './options.js';
export { regionsFromAnswers, parseAnswer, modelInputSize, isRawAnswer, type RawAnswer, type ParsedAnswers, type AnswerParseOptions } from './answers.js';
export { mergeFrameRegions, textsAgree, normaliseText, type MergeOptions } from './merge.js';
export { planFrames, planTiles, parseTileSpec, sentSize, fitSize, AUTO_TILE_FACTOR, type Frame, type TileSpec, type TilePlanOptions, type SendBudget } from './plan.js';
export { backoffDelayMs, parseRetryAfter, withRetries, type RetryPolicy } from './retry.js';
export { RequestLimiter } from './limiter.js';
export { reparseResults, reparseRecord, type ReparseOptions, type ReparseSummary } from './reparse.js';
