/**
 * Qwen2.5-VL's smart_resize: the size an image is resized to before the model sees it, which is the
 * frame of Qwen2.5-VL's absolute bbox_2d coordinates.
 *
 * Rule from QwenLM/Qwen2.5-VL@f0af2996e843cf46aa5f778c38d6694500c2ca81
 * qwen-vl-utils/src/qwen_vl_utils/vision_process.py (smart_resize, lines 59–83): both sides become
 * multiples of 28 (patch 14 × merge 2) by rounding; if the area exceeds max_pixels, both sides shrink by
 * β = sqrt(h·w / max_pixels) and round down; if it is under min_pixels, they grow by
 * β = sqrt(min_pixels / (h·w)) and round up. Python's round() rounds halves to even.
 */
import type { ImageSize } from '../core/types.js';
import { roundHalfEven } from './numbers.js';

/** Same file, lines 25–27: IMAGE_FACTOR, MIN_PIXELS = 4·28·28, MAX_PIXELS = 16384·28·28. */
export const QWEN25_RESIZE_DEFAULTS = Object.freeze({ factor: 28, minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28 });

export interface SmartResizeOptions {
  factor?: number;
  minPixels?: number;
  maxPixels?: number;
}

export function smartResize(size: ImageSize, options: SmartResizeOptions = {}): ImageSize {
  const factor = options.factor ?? QWEN25_RESIZE_DEFAULTS.factor;
  const minPixels = options.minPixels ?? QWEN25_RESIZE_DEFAULTS.minPixels;
  const maxPixels = options.maxPixels ?? QWEN25_RESIZE_DEFAULTS.maxPixels;
  const { width, height } = size;
  // The original raises past an aspect ratio of 200; a parser must not throw, and the rule still gives a size.
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    // max(factor, …) is ours: the original can reach 0 for a very thin image; one patch is the least a model sees.
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}
