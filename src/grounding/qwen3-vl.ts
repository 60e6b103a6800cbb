/**
 * Qwen3-VL: the same JSON answers as Qwen2.5-VL (`bbox_2d`), but coordinates are back to RELATIVE
 * 0–1000 of the original width and height — no smart_resize frame. ms-swift's default legacy tokens
 * (`<|box_start|>(x1,y1),(x2,y2)<|box_end|>`, norm1000) are read too.
 *
 * Sources (read, not copied):
 * - QwenLM/Qwen3-VL@96588727e44c78b25ba03ea03b8e12f7e64fd0da README.md line 117 (2D grounding "using
 *   relative position coordinates").
 * - Qwen team in QwenLM/Qwen3-VL issue #1512 (Qwen3-VL switched to 0–1000 relative coordinates;
 *   img_x = output_x / 1000 * img_w); issue #2020 shows such an answer.
 * - ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd) swift/llm/template/template/qwen.py
 *   line 501 (Qwen3VLTemplate keeps norm1000) and lines 310, 346–356 (legacy tokens by default);
 *   base.py lines 220–240 (int(round(x / W * 1000))).
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize } from './answer-items.js';
import { unusableSize, withScale } from './candidates.js';
import { NORM1000 } from './grids.js';
import { QWEN3_VL_RESIZE } from './image-rules.js';
import { formatJsonBoxes } from './json.js';
import { QWEN_LEGACY_TAGS, formatQwenLegacy, parseQwenAnswer } from './qwen.js';
import type { FormatOptions, GroundingDialect, ParseOptions, ParseResult } from './types.js';

const LAYOUT = NORM1000.layout;

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'qwen3-vl');
  if (options.style === 'legacy') return formatQwenLegacy(answerItems(regions, size, options, QWEN_LEGACY_TAGS), LAYOUT, size);
  return formatJsonBoxes(answerItems(regions, size, options), LAYOUT, size, options.task === 'text' || !options.task ? 'text_content' : 'label');
}

function parse(answer: string, size: ImageSize, options: ParseOptions = {}): ParseResult {
  const bad = unusableSize(size);
  if (bad) return bad;
  return parseQwenAnswer(answer, size, withScale(LAYOUT, options.coordinateScale), options);
}

export const qwen3Vl: GroundingDialect = {
  name: 'qwen3-vl',
  aliases: ['qwen3_vl', 'qwen3vl'],
  description: 'Qwen3-VL: JSON [{"bbox_2d": [x1, y1, x2, y2], "label"|"text_content": …}], 0–1000 of the original width/height',
  prompts: {
    text: 'Spotting all the text in the image with line-level, and output in JSON format.',
    objects: 'Locate every object in this image and output the bbox coordinates in JSON format.',
    boxes: 'Locate every line of text in this image and output the bbox coordinates in JSON format.',
  },
  grid: NORM1000,
  image: QWEN3_VL_RESIZE,
  keepsQuads: false,
  format,
  parse,
};
