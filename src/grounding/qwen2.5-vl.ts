/**
 * Qwen2.5-VL: JSON `[{"bbox_2d": [x1, y1, x2, y2], "label": "…"}]` in a ```json fence (OCR spotting uses
 * "text_content"), coordinates in ABSOLUTE PIXELS OF THE MODEL'S INPUT: the image after smart_resize
 * (sides multiples of 28). A model fine-tuned through ms-swift's `objects` field answers instead in
 * ms-swift's legacy tokens, `<|box_start|>(x1,y1),(x2,y2)<|box_end|>`, with the same absolute
 * coordinates (ms-swift issue #5008); the parser reads both.
 *
 * format/parse need the input size: pass it (e.g. the size a server reports) as `inputSize`, or give the
 * min/max pixels the model was run with and it is computed with smart_resize; without either, qwen-vl-utils'
 * defaults (what a server does with an image it is sent whole). The dialect's `image` rule is the budget ocrdet
 * trains and sends with (image-rules.ts QWEN2_VL_RESIZE); a data record names the one a model was trained with.
 *
 * Sources (read, not copied):
 * - QwenLM/Qwen3-VL@96588727e44c78b25ba03ea03b8e12f7e64fd0da qwen-vl-finetune/README.md lines 106–118
 *   (`{"bbox_2d": [135, 114, 1016, 672]}` answer, prompt "Locate house in this image and output the bbox
 *   coordinates in JSON format.").
 * - QwenLM/Qwen2.5-VL@f0af2996e843cf46aa5f778c38d6694500c2ca81 cookbooks/ocr.ipynb cell 13 (text spotting
 *   prompt; boxes mapped back with bbox / input_width * width, input size = image_grid_thw × 14: an
 *   870×1398 image was seen as 868×1400), qwen-vl-utils/src/qwen_vl_utils/vision_process.py (smart_resize).
 * - Qwen team in QwenLM/Qwen3-VL issues #866, #676, #940: absolute coordinates of the resized input.
 * - ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd) swift/llm/template/template/qwen.py
 *   lines 487–489 (norm_bbox 'none': int(round(x / W * resized W))) and 310, 346–356 (legacy tokens by default).
 * - "text_content" key: the same ocr.ipynb, cell 3 (plot_text_bounding_boxes reads bounding_box["text_content"]);
 *   QwenLM/Qwen3-VL issue #1030 shows such answers.
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize } from './answer-items.js';
import { unusableSize, withScale } from './candidates.js';
import { INPUT_PIXELS, layoutForInput } from './grids.js';
import { QWEN2_VL_RESIZE } from './image-rules.js';
import { formatJsonBoxes } from './json.js';
import { QWEN_LEGACY_TAGS, formatQwenLegacy, parseQwenAnswer } from './qwen.js';
import { smartResize } from './smart-resize.js';
import type { FormatOptions, GroundingDialect, ParseOptions, ParseResult } from './types.js';

type InputSizeOptions = Pick<FormatOptions, 'inputSize' | 'minPixels' | 'maxPixels'>;
function inputSize(size: ImageSize, options: InputSizeOptions = {}): ImageSize {
  const given = options.inputSize;
  if (given && given.width > 0 && given.height > 0) return { width: given.width, height: given.height };
  return smartResize(size, { minPixels: options.minPixels, maxPixels: options.maxPixels });
}

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'qwen2.5-vl');
  const layout = layoutForInput(inputSize(size, options));
  if (options.style === 'legacy') return formatQwenLegacy(answerItems(regions, size, options, QWEN_LEGACY_TAGS), layout, size);
  return formatJsonBoxes(answerItems(regions, size, options), layout, size, options.task === 'text' || !options.task ? 'text_content' : 'label');
}

function parse(answer: string, size: ImageSize, options: ParseOptions = {}): ParseResult {
  const bad = unusableSize(size);
  if (bad) return bad;
  const layout = withScale(layoutForInput(inputSize(size, options)), options.coordinateScale);
  return parseQwenAnswer(answer, size, layout, options);
}

export const qwen25Vl: GroundingDialect = {
  name: 'qwen2.5-vl',
  aliases: ['qwen2_5-vl', 'qwen2_5_vl', 'qwen25-vl', 'qwen2.5vl'],
  description:
    'Qwen2.5-VL: JSON [{"bbox_2d": [x1, y1, x2, y2], "label"|"text_content": …}] (or ms-swift <|box_start|> tokens), pixels of the smart-resized input',
  prompts: {
    // QwenLM/Qwen2.5-VL cookbooks/ocr.ipynb, text spotting.
    text: 'Spotting all the text in the image with line-level, and output in JSON format.',
    // After the finetune README's "Locate house in this image and output the bbox coordinates in JSON format."
    objects: 'Locate every object in this image and output the bbox coordinates in JSON format.',
    boxes: 'Locate every line of text in this image and output the bbox coordinates in JSON format.',
  },
  grid: INPUT_PIXELS,
  image: QWEN2_VL_RESIZE,
  keepsQuads: false,
  format,
  parse,
  inputSize,
};
