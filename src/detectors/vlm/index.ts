/**
 * The `vlm` backend: a multimodal LLM behind an OpenAI-compatible server (ms-swift deploy, vLLM, LMDeploy,
 * SGLang, llama.cpp, Ollama), read through a grounding dialect. The record registered in
 * src/detectors/index.ts; the only module of ocrdet that talks HTTP to models.
 */
import type { DetectorBackend } from '../types.js';
import { BACKEND_NAME, createVlmDetector } from './detector.js';
import type { VlmOptions } from './options.js';

export const vlmBackend: DetectorBackend<VlmOptions> = Object.freeze({
  name: BACKEND_NAME,
  aliases: Object.freeze(['llm', 'openai']),
  description: 'A multimodal LLM (InternVL2, Qwen2-VL, Qwen2.5-VL, …) behind an OpenAI-compatible server, read through a grounding dialect',
  create: (options: VlmOptions) => createVlmDetector(options),
});

export { createVlmDetector, VlmDetector, DEFAULT_MAX_REQUESTS, type VlmDetection } from './detector.js';
export { DEFAULTS as VLM_DEFAULTS, vlmOptionsSchema, normaliseBaseUrl, type VlmOptions, type ResolvedVlmOptions } from './options.js';
export { regionsFromAnswers, parseAnswer, modelInputSize, isRawAnswer, type RawAnswer, type ParsedAnswers, type AnswerParseOptions } from './answers.js';
export { mergeFrameRegions, textsAgree, normaliseText, type MergeOptions } from './merge.js';
export { planFrames, planTiles, parseTileSpec, sentSize, fitSize, AUTO_TILE_FACTOR, type Frame, type TileSpec, type TilePlanOptions, type SendBudget } from './plan.js';
export { backoffDelayMs, parseRetryAfter, withRetries, type RetryPolicy } from './retry.js';
export { RequestLimiter } from './limiter.js';
export { reparseResults, type ReparseOptions, type ReparseSummary } from './reparse.js';
