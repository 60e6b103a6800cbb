/**
 * InternVL 1.5 / 2 / 2.5 / 3: `<ref>TEXT</ref><box>[[x1, y1, x2, y2]]</box>`, one line per label, several
 * boxes of one label in one box tag (`<box>[[…], […]]</box>`), coordinates 0–1000 of the original width
 * and height (dynamic tiling does not change them).
 *
 * Sources (read, not copied):
 * - czczup/InternVL-doc@458c7fc567b19c595a655bcf6df5fe44be72f57f docs/en/get_started/chat_data_format.md,
 *   "Grounding / Detection Data": normalize with Python round(x / width * 1000); answer syntax
 *   `<ref>class name</ref><box>[[x1, y1, x2, y2], ...]</box>`; the V3Det example answer (several boxes per
 *   ref, one ref per line, inside a code fence) and the detection prompt used below.
 * - OpenGVLab/InternVL@2410d1dbf208f0e799459aff9376e5747dbf41a2 internvl_chat/eval/refcoco/evaluate_grounding.py
 *   lines 187–200, 257–261 (reads the first `[[a, b, c, d]]`, divides by 1000, multiplies by width/height);
 *   streamlit_demo/app.py lines 194–211 (regex with optional spaces inside the tags, all boxes of a ref).
 * - OCR with boxes: OpenGVLab/InternVL issue #239 (team: part of the OCR data is `<ref>text</ref><box>[[…]]</box>`
 *   one per line; prompt 请识别图中所有文字，并输出坐标框).
 * - ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd) swift/llm/template/template/internvl.py
 *   lines 123–127 and base.py lines 220–240: `<box>[[x1, y1, x2, y2]]</box>`, int(round(x / W * 1000)).
 *   ms-swift v2.6.1 (ab38bff0387a86fd9f068246c326ee7b0d5ed139) swift/llm/utils/template.py lines 751–797 and
 *   2539–2556: `<box> [[…]] </box>` with spaces, int(x / W * 999) — the parser reads both.
 * - Tags stripped by a decoder (skip_special_tokens): OpenGVLab/InternVL issue #953, `car[[75, 658, 250, 871], …]`.
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize, gridBox, groupByLabel } from './answer-items.js';
import { NORM1000 } from './grids.js';
import { INTERNVL_TILES } from './image-rules.js';
import { taggedParser, type TagSyntax } from './tags.js';
import type { FormatOptions, GroundingDialect } from './types.js';

const LAYOUT = NORM1000.layout;

const SYNTAX: TagSyntax = {
  ref: ['<\\s*ref\\s*>', '<\\s*/\\s*ref\\s*>'],
  box: ['<\\s*box\\s*>', '<\\s*/\\s*box\\s*>'],
  body: 'brackets',
  strippedFallback: true,
};
const TAGS = ['<ref>', '</ref>', '<box>', '</box>'];

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'internvl2');
  // Built by concatenation rather than map/join: every answer of a conversion passes here.
  let answer = '';
  for (const { label, items } of groupByLabel(answerItems(regions, size, options, TAGS))) {
    let boxes = '';
    for (const item of items) {
      const [x1, y1, x2, y2] = gridBox(item.box, LAYOUT, size);
      boxes += `${boxes === '' ? '' : ', '}[${x1}, ${y1}, ${x2}, ${y2}]`;
    }
    answer += `${answer === '' ? '' : '\n'}<ref>${label}</ref><box>[${boxes}]</box>`;
  }
  return answer;
}

const parse = taggedParser(SYNTAX, LAYOUT);

export const internvl2: GroundingDialect = {
  name: 'internvl2',
  aliases: ['internvl', 'internvl1.5', 'internvl2.5', 'internvl2_5', 'internvl3', 'internvl3.5', 'internvl3_5'],
  description: 'InternVL 1.5/2/2.5/3: <ref>TEXT</ref><box>[[x1, y1, x2, y2], …]</box>, 0–1000 of the original width/height',
  prompts: {
    // InternVL team, issue #239.
    text: '请识别图中所有文字，并输出坐标框',
    // InternVL-doc chat_data_format.md, V3Det example.
    objects: 'Please detect and label all objects in the following image and mark their positions.',
    // Ours, worded after the two above.
    boxes: 'Please detect all text in the following image and mark their positions.',
  },
  grid: NORM1000,
  image: INTERNVL_TILES,
  keepsQuads: false,
  format,
  parse,
};
