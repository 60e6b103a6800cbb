/**
 * Qwen2-VL: `<|object_ref_start|>TEXT<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`, one
 * `<|box_start|>…<|box_end|>` per box (several may follow one ref), coordinates 0–1000 of the original
 * width and height. This token form is also what ms-swift writes for Qwen2.5-VL and Qwen3-VL by default
 * (QWENVL_BBOX_FORMAT=legacy): the three share ./qwen.ts.
 *
 * Sources (read, not copied):
 * - Qwen team (HumanZhong) in QwenLM/Qwen3-VL issue #866: Qwen2-VL uses coordinates normalised to
 *   [0, 1000], Qwen2.5-VL absolute coordinates of the resized image (details in #721).
 * - ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd) swift/llm/template/template/qwen.py
 *   lines 346–356 (legacy `<|object_ref_start|>`/`<|box_start|>` strings), base.py lines 220–240
 *   (int(round(x / W * 1000)), Python's half-to-even) and 850–854 (`(x1,y1),(x2,y2)`, no spaces);
 *   docs/source_en/Customization/Custom-dataset.md lines 220–222 (several box tokens after one ref).
 * - Answers with a space after the comma: modelscope/ms-swift issue #3659.
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize } from './answer-items.js';
import { NORM1000 } from './grids.js';
import { QWEN2_VL_RESIZE } from './image-rules.js';
import { QWEN_LEGACY_SYNTAX, QWEN_LEGACY_TAGS, formatQwenLegacy } from './qwen.js';
import { taggedParser } from './tags.js';
import type { FormatOptions, GroundingDialect } from './types.js';

const LAYOUT = NORM1000.layout;

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'qwen2-vl');
  return formatQwenLegacy(answerItems(regions, size, options, QWEN_LEGACY_TAGS), LAYOUT, size);
}

const parse = taggedParser(QWEN_LEGACY_SYNTAX, LAYOUT);

export const qwen2Vl: GroundingDialect = {
  name: 'qwen2-vl',
  aliases: ['qwen2_vl', 'qwen2vl'],
  description:
    'Qwen2-VL: <|object_ref_start|>TEXT<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>, 0–1000 of the original width/height',
  prompts: {
    // Ours; ms-swift's grounding example asks "Find the <|object_ref_start|>sheep<|object_ref_end|> in the image".
    text: 'Find all the text in the image and output each line with its bounding box.',
    objects: 'Find all the objects in the image and output each with its bounding box.',
    boxes: 'Find all the <|object_ref_start|>text<|object_ref_end|> in the image',
  },
  grid: NORM1000,
  image: QWEN2_VL_RESIZE,
  keepsQuads: false,
  format,
  parse,
};
