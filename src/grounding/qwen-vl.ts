/**
 * Qwen-VL (v1, Qwen-VL-Chat): `<ref>TEXT</ref><box>(x1,y1),(x2,y2)</box>`, further boxes of the same ref
 * as further `<box>` tags, coordinates normalised to [0, 1000) of the original image. `<quad>` (four
 * corners) exists in the vocabulary and is read, but answers are written with boxes.
 *
 * Sources (read, not copied):
 * - QwenLM/Qwen-VL@aa00ed04091eea5fcdd32985e7915f1c53e7d599 README.md lines 964–968 (box syntax, "[0, 1000)"),
 *   lines 706, 752 (answers `<ref>击掌</ref><box>(536,509),(588,602)</box>`, grounded caption);
 *   TUTORIAL.md lines 175, 248 (several refs per answer, two boxes after one ref);
 *   eval_mm/evaluate_grounding.py lines 180–203 (regex `\((.*?)\),\((.*?)\)`, divides by 999 — the
 *   README says [0, 1000); we read v / 1000, one unit apart at most, and write at most 999).
 * - ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd) swift/llm/template/template/qwen.py
 *   lines 216–220 and base.py lines 850–854: `<box>(x1,y1),(x2,y2)</box>`, no spaces, int(round(x / W * 1000)).
 * - Answers with spaces after the comma, `(x, y), (x, y)`: modelscope/ms-swift issue #3659.
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize, gridBox, groupByLabel } from './answer-items.js';
import { NORM1000_OPEN } from './grids.js';
import { QWEN_VL_FIXED } from './image-rules.js';
import { taggedParser, type TagSyntax } from './tags.js';
import type { FormatOptions, GroundingDialect } from './types.js';

const LAYOUT = NORM1000_OPEN.layout;

const SYNTAX: TagSyntax = {
  ref: ['<\\s*ref\\s*>', '<\\s*/\\s*ref\\s*>'],
  box: ['<\\s*box\\s*>', '<\\s*/\\s*box\\s*>'],
  quad: ['<\\s*quad\\s*>', '<\\s*/\\s*quad\\s*>'],
  body: 'parens',
};
const TAGS = ['<ref>', '</ref>', '<box>', '</box>', '<quad>', '</quad>'];

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'qwen-vl');
  return groupByLabel(answerItems(regions, size, options, TAGS))
    .map(({ label, items }) => {
      const boxes = items.map((item) => {
        const [x1, y1, x2, y2] = gridBox(item.box, LAYOUT, size);
        return `<box>(${x1},${y1}),(${x2},${y2})</box>`;
      });
      return `<ref>${label}</ref>${boxes.join('')}`;
    })
    .join('\n');
}

const parse = taggedParser(SYNTAX, LAYOUT);

export const qwenVl: GroundingDialect = {
  name: 'qwen-vl',
  aliases: ['qwen-vl-chat', 'qwen_vl', 'qwenvl'],
  description: 'Qwen-VL (v1): <ref>TEXT</ref><box>(x1,y1),(x2,y2)</box>, 0–999 of the original width/height ("[0, 1000)")',
  prompts: {
    // Ours, in the style of the README's 框出图中击掌的位置 ("box out the high-five in the picture").
    text: '框出图中所有的文字，并给出文字内容',
    objects: '框出图中所有的物体',
    boxes: '框出图中所有的文字',
  },
  grid: NORM1000_OPEN,
  image: QWEN_VL_FIXED,
  keepsQuads: false,
  format,
  parse,
};
