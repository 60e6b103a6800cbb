/**
 * DeepSeek-VL2: `<|ref|>TEXT<|/ref|><|det|>[[x1, y1, x2, y2], …]<|/det|>`, several boxes of one ref in
 * one det tag, coordinates 0–999 of the original width/height (read back as value / 999 × side).
 * `<|grounding|>` at the start of a prompt asks for grounded answers.
 *
 * Sources (read, not copied):
 * - deepseek-ai/DeepSeek-VL2@ef9f91e2b6426536b83294c11742c27be66361b1 README.md lines 124–168 (prompt with
 *   <|ref|>, recorded answer `<|ref|>The giraffe at the back.<|/ref|><|det|>[[580, 270, 999, 900]]<|/det|>`,
 *   <|grounding|> for grounded captions); deepseek_vl2/serve/app_modules/utils.py lines 270–297 (every
 *   `[…]` inside a det tag is a box; x / 999 × width).
 * - DeepSeek team in deepseek-ai/DeepSeek-VL2 issue #100: "relative coordinates normalized to the range
 *   [0, 999]". Rounding when writing is not documented; we round half to even like the others.
 * - Broken answers the parser is tested on: issues #96 (nested lists, 5 numbers, 9999…) and #100 (a det
 *   tag interrupted by the next ref).
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize, gridBox, groupByLabel } from './answer-items.js';
import { NORM999 } from './grids.js';
import { DEEPSEEK_VL2_TILES } from './image-rules.js';
import { taggedParser, type TagSyntax } from './tags.js';
import type { FormatOptions, GroundingDialect } from './types.js';

const LAYOUT = NORM999.layout;

const special = (name: string) => `<[|｜]\\s*${name}\\s*[|｜]>`;
const SYNTAX: TagSyntax = {
  ref: [special('ref'), special('/ref')],
  box: [special('det'), special('/det')],
  body: 'brackets',
  strippedFallback: true,
};
const TAGS = ['<|ref|>', '<|/ref|>', '<|det|>', '<|/det|>', '<|grounding|>'];

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'deepseek-vl2');
  return groupByLabel(answerItems(regions, size, options, TAGS))
    .map(({ label, items }) => {
      const boxes = items.map((item) => `[${gridBox(item.box, LAYOUT, size).join(', ')}]`).join(', ');
      return `<|ref|>${label}<|/ref|><|det|>[${boxes}]<|/det|>`;
    })
    .join('\n');
}

const parse = taggedParser(SYNTAX, LAYOUT);

export const deepseekVl2: GroundingDialect = {
  name: 'deepseek-vl2',
  aliases: ['deepseek_vl2', 'deepseekvl2', 'deepseek-vl2-tiny', 'deepseek-vl2-small'],
  description: 'DeepSeek-VL2: <|ref|>TEXT<|/ref|><|det|>[[x1, y1, x2, y2], …]<|/det|>, 0–999 of the original width/height',
  prompts: {
    // Ours: <|grounding|> asks for grounded answers (README); <|ref|>X<|/ref|> asks for the boxes of X.
    text: '<|grounding|>Recognize every line of text in the image.',
    objects: '<|grounding|>Locate all the objects in the image.',
    boxes: '<|ref|>text<|/ref|>.',
  },
  grid: NORM999,
  image: DEEPSEEK_VL2_TILES,
  keepsQuads: false,
  format,
  parse,
};
