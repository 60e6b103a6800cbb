/**
 * The `vlm` backend, declared once: a multimodal LLM behind an OpenAI-compatible server (ms-swift deploy,
 * vLLM, LMDeploy, SGLang, llama.cpp, Ollama), read through a grounding dialect. Light to import: the OpenAI
 * SDK (./client.ts) is loaded by `createVlmDetector`, when a detector is made.
 */
import { dialects, getDialect } from '../../grounding/index.js';
import { pixelBudget } from '../../grounding/image-rules.js';
import type { DetectorBackend } from '../types.js';
import type { VlmDetector } from './detector.js';
import { DEFAULTS, type VlmOptions } from './options.js';

/** Creates a vlm detector (see ./detector.ts); the OpenAI SDK is loaded here, on first use. */
export async function createVlmDetector(options: VlmOptions): Promise<VlmDetector> {
  const detector = await import('./detector.js');
  return detector.createVlmDetector(options);
}

const budgetExamples = ['internvl2', 'qwen2.5-vl'].map((name) => `${pixelBudget(getDialect(name).image)} ${name}`).join(', ');

export const vlmBackend: DetectorBackend<VlmOptions> = Object.freeze({
  name: 'vlm',
  aliases: Object.freeze(['llm', 'openai']),
  description: 'A multimodal LLM (InternVL2, Qwen2-VL, Qwen2.5-VL, …) behind an OpenAI-compatible server, read through a grounding dialect',
  flags: Object.freeze([
    { flags: '--base-url <url>', key: 'baseUrl', repeatable: true, description: 'OpenAI-compatible server, e.g. http://gpu-host:8000/v1 (swift deploy, vLLM, LMDeploy, Ollama…); http://user:password@host/v1 sends HTTP Basic auth; repeat it for replicas of one model: each request goes to the least busy, a failing one is set aside' },
    { flags: '--model <id>', key: 'model', description: 'served model id', defaultText: 'the first one GET /models lists' },
    { flags: '--from <path>', key: 'record', type: 'data-record', description: "the model's training data record: a run, model or data folder holding ocrdet-data.json (or the file); its dialect, prompts and image settings are used" },
    { flags: '--dialect <name>', key: 'dialect', description: `grounding dialect of the answers: ${dialects.names().join(', ')}` },
    { flags: '--task <task>', key: 'task', description: 'what the default prompt asks for: text (lines with transcription), boxes, objects' },
    { flags: '--prompt <text>', key: 'prompt', description: 'user prompt', defaultText: "the dialect's detection prompt" },
    { flags: '--system <text>', key: 'system', description: 'system message; InternVL2 under raw vLLM needs its training system prompt, see README', defaultText: 'none' },
    { flags: '--api-key-env <var>', key: 'apiKeyEnv', description: 'NAME of the environment variable holding the API key (the key is never a flag value)' },
    { flags: '--max-side <px>', key: 'maxSidePx', type: 'integer', description: 'shrink images so the longer side sent is at most this' },
    { flags: '--max-input-pixels <n>', key: 'maxInputPixels', type: 'integer', description: 'pixels per image sent', defaultText: `the dialect's budget, e.g. ${budgetExamples}` },
    { flags: '--max-tokens <n>', key: 'maxTokens', type: 'integer', description: 'longest answer, in tokens' },
    { flags: '--temperature <t>', key: 'temperature', type: 'number', description: 'sampling temperature, 0 for deterministic answers' },
    { flags: '--timeout <ms>', key: 'timeoutMs', type: 'integer', description: 'per request attempt, whole answer included, in ms' },
    { flags: '--retries <n>', key: 'retries', type: 'integer', description: 'retries on connection errors, timeouts, 408, 429, 5xx and empty answers' },
    { flags: '--extra-body <json>', key: 'extraBody', type: 'json', description: 'JSON fields added to every request, e.g. \'{"top_p":0.8,"repetition_penalty":1.05}\'' },
    { flags: '--tile <mode>', key: 'tile', description: 'auto | off | WxH: ask overlapping tiles of large images separately (small text)' },
    { flags: '--snap', key: 'snap', type: 'boolean', description: "refine each box to the text's quadrilateral with the embedded det model (one det pass per image, on this CPU); regions record snapped, and agreement as with --agreement" },
    { flags: '--agreement', key: 'agreement', type: 'boolean', description: 'score each region by its IoU with the embedded det model’s best match, and each page by the mean (one det pass per image)' },
    { flags: '--save-raw', key: 'saveRaw', type: 'boolean', description: 'keep the raw answers in each Detection ("raw"), for ocrdet reparse' },
    { flags: '--accept-empty', key: 'acceptEmpty', type: 'boolean', description: 'an empty answer means "no text" (a model trained with data convert --keep-empty); otherwise it is retried, then an error' },
    { flags: '--max-pixels <n>', key: 'maxPixels', type: 'integer', description: 'largest image accepted, in pixels; larger ones get an error' },
  ] as const),
  defaults: DEFAULTS,
  // Requests in flight: enough to keep a vLLM / swift deploy server's batch busy over a network round trip
  // (bench/vlm.bench.js: throughput scales linearly up to 32 against a 200 ms server). Also the detector's
  // own limit on requests when neither its options nor the batch give one. Per server: a detector with
  // several keeps this many for each (VlmDetector.defaultConcurrency).
  defaultConcurrency: 8,
  counters: Object.freeze({ requests: 'total', retries: 'total', tokens: 'rate' } as const),
  create: createVlmDetector,
});
