/**
 * How many pixels each model family actually looks at: images are shrunk to this budget before they are
 * sent (sending more only costs bandwidth and server time, the server shrinks them anyway), and tiles are
 * cut to this size so that each tile is seen at full resolution.
 */

/** Pixels per image, by dialect name. */
export const PIXEL_BUDGETS: Readonly<Record<string, number>> = Object.freeze({
  // InternVL dynamic tiling: at most 12 tiles of 448×448 (+ a thumbnail). MAX_NUM 12 in ms-swift
  // (Command-line-parameters.md, InternVL section) and max_num=12 in the InternVL chat examples.
  internvl2: 12 * 448 * 448,
  // Qwen-VL resizes every image to 448×448 (QwenLM/Qwen-VL README, "448 resolution").
  'qwen-vl': 448 * 448,
  // Hugging Face Qwen2VLImageProcessor max_pixels default 28·28·1280, the value ms-swift's examples set as
  // MAX_PIXELS=1003520 (../shared/research/dialects-swift.md §2.2).
  'qwen2-vl': 28 * 28 * 1280,
  'qwen2.5-vl': 28 * 28 * 1280,
  // Ours: Qwen3-VL merges 32-pixel patches; a 1024² budget keeps the token count near Qwen2.5-VL's.
  'qwen3-vl': 1024 * 1024,
  // Florence-2's processor resizes to 768×768 (microsoft/Florence-2 preprocessor_config.json).
  'florence-2': 768 * 768,
  // PaliGemma's largest resolution, 896×896 (google-research/big_vision paligemma README).
  paligemma: 896 * 896,
  // DeepSeek-VL2 tiles 384×384 crops up to 3×3 (deepseek-ai/DeepSeek-VL2 candidate resolutions) [inferred].
  'deepseek-vl2': 1152 * 1152,
});

/** A dialect without an entry: about one megapixel. */
export const DEFAULT_PIXEL_BUDGET = 1024 * 1024;

export function pixelBudget(dialect: string): number {
  return PIXEL_BUDGETS[dialect] ?? DEFAULT_PIXEL_BUDGET;
}
