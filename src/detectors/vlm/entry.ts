/**
 * The `vlm` backend's registry entry (src/detectors/index.ts): its flags as plain data and a lazy `load()`,
 * so `ocrdet detect --help` lists them without loading the OpenAI SDK. Keys are those of VlmOptions.
 */
import type { BackendEntry, BackendFlag } from '../index.js';
import type { DetectorBackend } from '../types.js';

export const VLM_FLAGS: readonly BackendFlag[] = [
  { flags: '--base-url <url>', key: 'baseUrl', description: 'OpenAI-compatible server, e.g. http://gpu-host:8000/v1 (swift deploy, vLLM, LMDeploy, Ollama…)' },
  { flags: '--model <id>', key: 'model', description: 'served model id (default: the first one GET /models lists)' },
  {
    flags: '--from <path>',
    key: 'record',
    type: 'data-record',
    description: "the model's training data record: a run, model or data folder holding ocrdet-data.json (or the file); gives the dialect, prompts and image settings of training",
  },
  { flags: '--dialect <name>', key: 'dialect', description: 'grounding dialect of the answers: internvl2 (default), qwen2-vl, qwen2.5-vl, qwen3-vl, qwen-vl, florence-2, paligemma, deepseek-vl2' },
  { flags: '--task <task>', key: 'task', description: 'what the default prompt asks for: text (lines with transcription, default), boxes, objects' },
  { flags: '--prompt <text>', key: 'prompt', description: "user prompt (default: the dialect's detection prompt)" },
  { flags: '--system <text>', key: 'system', description: 'system message (default: none; InternVL2 under raw vLLM needs its training system prompt, see README)' },
  { flags: '--api-key-env <var>', key: 'apiKeyEnv', description: 'NAME of the environment variable holding the API key (the key is never a flag value)' },
  { flags: '--max-side <px>', key: 'maxSidePx', type: 'integer', description: 'shrink images so the longer side sent is at most this' },
  { flags: '--max-input-pixels <n>', key: 'maxInputPixels', type: 'integer', description: "pixels per image sent (default: the dialect's budget, e.g. 2408448 InternVL2, 1003520 Qwen2/2.5-VL)" },
  { flags: '--max-tokens <n>', key: 'maxTokens', type: 'integer', description: 'longest answer, in tokens (default 2048)' },
  { flags: '--temperature <t>', key: 'temperature', type: 'number', description: 'sampling temperature (default 0: deterministic)' },
  { flags: '--timeout <ms>', key: 'timeoutMs', type: 'integer', description: 'per request attempt, whole answer included, in ms (default 300000)' },
  { flags: '--retries <n>', key: 'retries', type: 'integer', description: 'retries on connection errors, timeouts, 408, 429 and 5xx (default 4)' },
  { flags: '--extra-body <json>', key: 'extraBody', type: 'json', description: 'JSON fields added to every request, e.g. \'{"top_p":0.8,"repetition_penalty":1.05}\'' },
  { flags: '--tile <mode>', key: 'tile', description: 'auto | off (default) | WxH: ask overlapping tiles of large images separately (small text)' },
  { flags: '--save-raw', key: 'saveRaw', type: 'boolean', description: 'keep the raw answers in each Detection ("raw"), for ocrdet reparse' },
  { flags: '--max-pixels <n>', key: 'maxPixels', type: 'integer', description: 'largest image accepted, in pixels (default 100000000); larger ones get an error' },
];

export const VLM_ENTRY: BackendEntry = {
  name: 'vlm',
  aliases: ['llm', 'openai'],
  description: 'multimodal LLM behind an OpenAI-compatible server, read through a grounding dialect',
  flags: VLM_FLAGS,
  // Requests in flight: enough to keep a vLLM / swift deploy server's batch busy over a network round trip
  // (bench/vlm.bench.js: throughput scales linearly up to 32 against a 200 ms server).
  defaultConcurrency: 8,
  counters: { requests: 'total', retries: 'total', tokens: 'rate' },
  load: async () => (await import('./index.js')).vlmBackend as DetectorBackend<never>,
};
