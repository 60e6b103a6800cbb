/**
 * Qwen2-VL: `<|object_ref_start|>TEXT<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`, one
 * `<|box_start|>…<|box_end|>` per box (several may follow one ref), coordinates 0–1000 of the original
 * width and height. This token form is also what ms-swift writes for Qwen2.5-VL and Qwen3-VL by default
 * (QWENVL_BBOX_FORMAT=legacy), so the helpers here serve those dialects too.
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
import { axisCodec } from './numbers.js';
import { answerItems, assertUsableSize, gridBox, groupByLabel, type AnswerItem, type Layout } from './regions.js';
import { taggedParser, type TagSyntax } from './tags.js';
import type { FormatOptions, GroundingDialect } from './types.js';

const NORM1000 = axisCodec({ scale: 1000, max: 1000, rounding: 'half-even' });
const LAYOUT: Layout = { x: NORM1000, y: NORM1000 };

/** `<|name|>`, tolerating spaces and the full-width bar some decoders print (`<｜name｜>`). */
const special = (name: string) => `<[|｜]\\s*${name}\\s*[|｜]>`;

export const QWEN_LEGACY_SYNTAX: TagSyntax = {
  ref: [special('object_ref_start'), special('object_ref_end')],
  box: [special('box_start'), special('box_end')],
  quad: [special('quad_start'), special('quad_end')],
  body: 'parens',
};
export const QWEN_LEGACY_TAGS = ['<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>'];

/** The legacy token answer for prepared items on a layout (one line per label). */
export function formatQwenLegacy(items: readonly AnswerItem[], layout: Layout, size: ImageSize): string {
  return groupByLabel(items)
    .map(({ label, items: members }) => {
      const boxes = members.map((item) => {
        const [x1, y1, x2, y2] = gridBox(item.box, layout, size);
        return `<|box_start|>(${x1},${y1}),(${x2},${y2})<|box_end|>`;
      });
      return `<|object_ref_start|>${label}<|object_ref_end|>${boxes.join('')}`;
    })
    .join('\n');
}

/** Whether an answer uses the legacy tokens (vs JSON). */
export function hasQwenLegacyTokens(answer: string): boolean {
  return new RegExp(`${special('box_start')}|${special('quad_start')}`).test(answer);
}

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
  grid: { kind: 'norm1000', max: 1000 },
  keepsQuads: false,
  format,
  parse,
};
