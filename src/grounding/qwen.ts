/**
 * What the Qwen2-VL, Qwen2.5-VL and Qwen3-VL dialects share: ms-swift's legacy token answers
 * (`<|object_ref_start|>TEXT<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`, which ms-swift writes
 * for all three by default, QWENVL_BBOX_FORMAT=legacy) and a parser that reads those and the models' own JSON
 * `bbox_2d` answers alike, on whatever grid the dialect uses.
 *
 * Sources (read, not copied): ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd)
 * swift/llm/template/template/qwen.py lines 310 (QWENVL_BBOX_FORMAT defaults to 'legacy') and 346–356 (the
 * legacy strings); base.py lines 850–854 (`(x1,y1),(x2,y2)`, no spaces). Answers with a space after the comma:
 * modelscope/ms-swift issue #3659.
 */
import type { ImageSize } from '../core/types.js';
import { groupByLabel, gridBox, type AnswerItem } from './answer-items.js';
import { finishParse, renumber } from './candidates.js';
import type { Layout } from './grids.js';
import { scanJsonBoxes } from './json.js';
import { scanTagged, type TagSyntax } from './tags.js';
import type { ParseOptions, ParseResult } from './types.js';

/** `<|name|>`, tolerating spaces and the full-width bar some decoders print (`<｜name｜>`). */
const special = (name: string) => `<[|｜]\\s*${name}\\s*[|｜]>`;

export const QWEN_LEGACY_SYNTAX: TagSyntax = {
  ref: [special('object_ref_start'), special('object_ref_end')],
  box: [special('box_start'), special('box_end')],
  quad: [special('quad_start'), special('quad_end')],
  body: 'parens',
};

/** Tags a label must not contain (they would break the answer's syntax). */
export const QWEN_LEGACY_TAGS = ['<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>'];

/** The legacy token answer for prepared items on a layout (one line per label, one box tag per box). */
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

const LEGACY_MARK = new RegExp(`${special('box_start')}|${special('quad_start')}`);

/**
 * Regions of a Qwen answer in JSON (`bbox_2d`) or in legacy tokens, or both mixed, on `layout`; the boxes are
 * numbered in answer order.
 */
export function parseQwenAnswer(answer: string, size: ImageSize, layout: Layout, options: ParseOptions): ParseResult {
  const text = String(answer ?? '');
  const json = scanJsonBoxes(text);
  const legacy = LEGACY_MARK.test(text) ? scanTagged(text, QWEN_LEGACY_SYNTAX) : { candidates: [], warnings: [] };
  const candidates = renumber([...json.candidates, ...legacy.candidates]);
  return finishParse(candidates, layout, size, [...json.warnings, ...legacy.warnings], options.duplicateIoU);
}
