/**
 * Florence-2: location tokens `<loc_0>`…`<loc_999>` (there is no `<loc_1000>`), floor quantisation into
 * 1000 bins of the original width/height, read back at the bin centre. Text before its locations.
 * - task 'text'/'boxes' (`<OCR_WITH_REGION>`): `TEXT<loc_x1><loc_y1>…<loc_x4><loc_y4>` per line, a
 *   quadrilateral clockwise from the top-left, lines concatenated without separator — quads are kept.
 * - task 'objects' (`<OD>`): `label<loc_x1><loc_y1><loc_x2><loc_y2>`, further boxes of the same label
 *   directly after it.
 *
 * Sources (read, not copied):
 * - huggingface/transformers@06053b84c14d72e9789fbf27844a75aa89b3ded7
 *   src/transformers/models/florence2/processing_florence2.py: task prompts (`<OCR_WITH_REGION>` → "What is
 *   the text in the image, with regions?"), Florence2PostProcessor.quantize (floor, clamp 0…999, 1000 bins)
 *   and dequantize ((bin + 0.5) × size / 1000), parse_ocr_from_text_and_spans (text then 8 locations),
 *   parse_description_with_bboxes_from_text_and_spans (label then one or more groups of 4).
 * - huggingface/transformers@001f85b38fb432858ace93f18622f07cec46d874 tests/models/florence2/test_modeling_florence2.py:
 *   recorded Florence-2-large answers (OCR_WITH_REGION, OD, OPEN_VOCABULARY_DETECTION).
 * - ms-swift v3.12.6 (8773ecd08ef075a3c9b889ca967cd94e9c308fbd) swift/llm/template/template/microsoft.py
 *   line 30: ms-swift writes `<loc_…>` from norm1000 values, which can reach the nonexistent <loc_1000>.
 */
import type { ImageSize, Point, Region } from '../core/types.js';
import { answerItems, assertUsableSize, gridBox, gridPoint, groupByLabel, quadAnswerItems } from './answer-items.js';
import { finishParse, snippetOf, unusableSize, withScale, type Candidate } from './candidates.js';
import { BINS1000 } from './grids.js';
import { FLORENCE2_FIXED } from './image-rules.js';
import type { FormatOptions, GroundingDialect, ParseOptions, ParseResult } from './types.js';

const LAYOUT = BINS1000.layout;
const TOKENS = ['<loc_', '</s>', '<s>', '<pad>'];

const locs = (values: readonly number[]) => values.map((v) => `<loc_${v}>`).join('');

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'florence-2');
  if (options.task === 'objects') {
    return groupByLabel(answerItems(regions, size, options, TOKENS))
      .map(({ label, items: members }) => label + members.map((m) => locs(gridBox(m.box, LAYOUT, size))).join(''))
      .join('');
  }
  const items = quadAnswerItems(regions, size, options, TOKENS);
  return items.map((item) => item.label + locs(item.quad.flatMap((p: Point) => gridPoint(p, LAYOUT, size)))).join('');
}

interface LocationRun {
  /** The text since the previous run: this run's label. */
  text: string;
  values: number[];
  at: number;
  raw: string;
}

/** Runs of location tokens, each with the text before it. */
function locationRuns(answer: string): LocationRun[] {
  const cleaned = answer.replace(/<\/?s>|<pad>/g, '');
  const runs: LocationRun[] = [];
  const run = /(?:<loc_(\d+)>\s*)+/g;
  let previousEnd = 0;
  for (let m = run.exec(cleaned); m; m = run.exec(cleaned)) {
    const values = [...m[0].matchAll(/<loc_(\d+)>/g)].map((v) => Number(v[1]));
    runs.push({ text: cleaned.slice(previousEnd, m.index).trim(), values, at: m.index, raw: m[0] });
    previousEnd = m.index + m[0].length;
  }
  // A location token cut by max tokens ("<loc_4") belongs to the run it follows, or starts a run of its own.
  const tail = cleaned.slice(previousEnd);
  const cut = /<loc_\d*$/.exec(tail);
  if (cut && (runs.length === 0 || tail.slice(0, cut.index).trim() !== '')) {
    runs.push({ text: tail.slice(0, cut.index).trim(), values: [], at: previousEnd + cut.index, raw: cut[0] });
  }
  return runs;
}

function parse(answer: string, size: ImageSize, options: ParseOptions = {}): ParseResult {
  const bad = unusableSize(size);
  if (bad) return bad;
  const chunk = options.task === 'objects' ? 4 : 8;
  const runs = locationRuns(String(answer ?? ''));
  const candidates: Candidate[] = [];
  runs.forEach((run, r) => {
    for (let i = 0; i < Math.max(run.values.length, 1); i += chunk) {
      const numbers = run.values.slice(i, i + chunk);
      // In OCR answers a group of exactly 4 is read as a box (an OD-style answer to an OCR prompt).
      const shape = chunk === 8 && numbers.length !== 4 ? 'quad' : 'box';
      candidates.push({
        index: candidates.length + 1,
        at: run.at,
        numbers,
        text: run.text,
        snippet: snippetOf(locs(numbers) || run.raw),
        truncated: r === runs.length - 1 && i + chunk >= run.values.length,
        shape,
      });
    }
  });
  return finishParse(candidates, withScale(LAYOUT, options.coordinateScale), size, [], options.duplicateIoU);
}

export const florence2: GroundingDialect = {
  name: 'florence-2',
  aliases: ['florence2', 'florence'],
  description: 'Florence-2: TEXT<loc_x1><loc_y1>…<loc_x4><loc_y4> (OCR_WITH_REGION quads; OD boxes), 1000 floor bins <loc_0>…<loc_999>',
  prompts: {
    // Florence-2 takes task tokens; its processor expands them (processing_florence2.py).
    text: '<OCR_WITH_REGION>',
    objects: '<OD>',
    boxes: '<OCR_WITH_REGION>',
  },
  grid: BINS1000,
  image: FLORENCE2_FIXED,
  keepsQuads: true,
  format,
  parse,
};
