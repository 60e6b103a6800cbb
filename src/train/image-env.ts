/**
 * How an image rule (src/grounding/image-rules.ts) is told to the engines: the environment ms-swift reads in
 * training and in `swift deploy`, and vLLM's --mm-processor-kwargs. Only settings that differ from the engine's
 * own default are written, so a command at the defaults reads as ms-swift's documentation does.
 *
 * Read at the source:
 * - ms-swift: INPUT_SIZE and MAX_NUM for InternVL (v3.12.6 swift/llm/template/template/internvl.py lines 27–29;
 *   v2.4.2 swift/llm/utils/template.py lines 1996–1998); MAX_PIXELS and MIN_PIXELS for Qwen2/2.5-VL (v3.12.6
 *   swift/llm/model/model/qwen.py lines 713–775, which turns them into IMAGE_MAX_TOKEN_NUM / IMAGE_MIN_TOKEN_NUM
 *   for qwen-vl-utils ≥ 0.0.14; v2.6.1 swift/llm/utils/template.py lines 1574–1597); IMAGE_MAX_TOKEN_NUM and
 *   IMAGE_MIN_TOKEN_NUM for Qwen3-VL (v3.12.6 examples/models/qwen3_vl/transformers.sh), whose qwen-vl-utils
 *   defaults are 16384 and 4 blocks (QwenLM/Qwen3-VL@9658872 qwen-vl-utils vision_process.py lines 26–27).
 * - vLLM: InternVL's max_dynamic_patch (vllm-project/vllm@b32b213 vllm/model_executor/models/internvl.py,
 *   BaseInternVLProcessor); the Hugging Face processor's min_pixels / max_pixels for Qwen2/2.5-VL
 *   (QwenLM/Qwen2.5-VL@f0af299 README.md lines 151–154) and size {longest_edge, shortest_edge} for Qwen3-VL
 *   (QwenLM/Qwen3-VL@9658872 README.md lines 339–353).
 */
import type { ImageRule } from '../grounding/image-rules.js';

/** The variables that carry image settings: a recipe may set them only as the data record says. */
export const IMAGE_ENV_KEYS = ['INPUT_SIZE', 'MAX_NUM', 'MAX_PIXELS', 'MIN_PIXELS', 'IMAGE_MAX_TOKEN_NUM', 'IMAGE_MIN_TOKEN_NUM'] as const;

/** ms-swift's defaults when a variable is not set. */
const SWIFT_DEFAULTS: Readonly<Record<string, number>> = {
  INPUT_SIZE: 448,
  MAX_NUM: 12,
  // qwen-vl-utils for Qwen2/2.5-VL: QwenLM/Qwen2.5-VL@f0af299 vision_process.py lines 25–27.
  MAX_PIXELS: 16384 * 28 * 28,
  MIN_PIXELS: 4 * 28 * 28,
  IMAGE_MAX_TOKEN_NUM: 16384,
  IMAGE_MIN_TOKEN_NUM: 4,
};

/** Every variable that states the rule, defaults included. */
function fullEnv(rule: ImageRule): Record<string, number> {
  switch (rule.kind) {
    case 'tiles':
      return { INPUT_SIZE: rule.tileSize, MAX_NUM: rule.maxTiles };
    case 'smart-resize': {
      if (rule.factor === 28) return { MAX_PIXELS: rule.maxPixels, MIN_PIXELS: rule.minPixels };
      const block = rule.factor * rule.factor;
      return { IMAGE_MAX_TOKEN_NUM: rule.maxPixels / block, IMAGE_MIN_TOKEN_NUM: rule.minPixels / block };
    }
    default:
      return {};
  }
}

/** The environment that makes ms-swift (sft and deploy) see images as `rule` says. */
export function imageEnv(rule: ImageRule): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fullEnv(rule))) if (value !== SWIFT_DEFAULTS[key]) env[key] = String(value);
  return env;
}

/** What the rule sets a variable to (its default when the rule leaves it), or undefined when the rule has no such variable. */
export function imageEnvValue(rule: ImageRule, key: string): string | undefined {
  const value = fullEnv(rule)[key];
  return value === undefined ? undefined : String(value);
}

/** vLLM's --mm-processor-kwargs for `rule`, or undefined when vLLM takes no image setting for it. */
export function vllmProcessorKwargs(rule: ImageRule): Record<string, unknown> | undefined {
  switch (rule.kind) {
    case 'tiles':
      return { max_dynamic_patch: rule.maxTiles };
    case 'smart-resize':
      return rule.factor === 28 ? { max_pixels: rule.maxPixels, min_pixels: rule.minPixels } : { size: { longest_edge: rule.maxPixels, shortest_edge: rule.minPixels } };
    default:
      return undefined;
  }
}
