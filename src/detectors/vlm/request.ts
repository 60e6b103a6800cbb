/**
 * The chat-completion request for one frame: optional system message, then one user turn holding the
 * image (a `data:` URL) and the prompt, in the OpenAI content-part form every server ocrdet targets accepts
 * (vLLM, ms-swift deploy, LMDeploy, SGLang, llama.cpp, Ollama). No `<image>` placeholder is written: the
 * servers insert the model's own image tokens for an image part.
 */
import type { ResolvedVlmOptions } from './options.js';

export interface RequestParts {
  model: string;
  prompt: string;
  system?: string;
  imageDataUrl: string;
  returnDetails: boolean;
}

/** The JSON body; `extraBody` is merged last, so users can override any field (e.g. return_details). */
export function chatRequestBody(parts: RequestParts, options: ResolvedVlmOptions): Record<string, unknown> {
  const messages: unknown[] = [];
  if (parts.system) messages.push({ role: 'system', content: parts.system });
  messages.push({
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url: parts.imageDataUrl } },
      { type: 'text', text: parts.prompt },
    ],
  });
  return {
    model: parts.model,
    messages,
    temperature: options.temperature,
    max_tokens: options.maxTokens,
    // ms-swift deploy (swift/llm/infer/protocol.py RequestConfig.return_details): adds `images_size`, the size
    // the template resized each image to, to the response. Other servers ignore unknown fields.
    ...(parts.returnDetails ? { return_details: true } : {}),
    ...(options.extraBody ?? {}),
  };
}

/**
 * The answer-token limit a request asks for: `maxTokens`, or what `extraBody` puts in its place
 * (`max_tokens`, or `max_completion_tokens`, OpenAI's newer name), the larger when both are there.
 */
export function answerTokenLimit(options: Pick<ResolvedVlmOptions, 'maxTokens' | 'extraBody'>): number {
  const extra = options.extraBody ?? {};
  const limit = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);
  return Math.max(limit(extra.max_tokens) || options.maxTokens, limit(extra.max_completion_tokens));
}
