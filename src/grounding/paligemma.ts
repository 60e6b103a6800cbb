/**
 * PaliGemma 1/2 (`detect …`): `<locY1><locX1><locY2><locX2> LABEL`, objects separated by ` ; `, four
 * 4-digit location tokens `<loc0000>`…`<loc1023>` per box, Y FIRST, 1024 bins of the original height/width.
 * Segmentation answers put 16 `<segNNN>` tokens between the box and the label; they are skipped.
 *
 * Sources (read, not copied):
 * - google-research/big_vision@0127fb6b337ee2a27bf4e54dea79cff176527356
 *   big_vision/configs/proj/paligemma/README.md lines 95–101 (1024 location tokens in normalised image space);
 *   big_vision/pp/proj/paligemma/segmentation.py lines 42, 72–74 (training targets: bbox in TFDS order
 *   ymin, xmin, ymax, xmax, times 1023, tf.round — half to even —, clipped to 0…1023);
 *   big_vision/evaluators/proj/paligemma/transfers/segmentation.py lines 86–110 (reads y1, x1, y2, x2 and
 *   divides by 1023). Google's prompt docs and many third-party parsers divide by 1024 instead: at most
 *   one bin apart; pass coordinateScale: 1024 to read that way.
 * - Task syntax `detect {object} ; {object}\n`: https://ai.google.dev/gemma/docs/paligemma/prompt-system-instructions
 * - Recorded answer `<loc0000><loc0000><loc1022><loc1022> cat` (paligemma-3b-mix-224, "detect cat"):
 *   modelscope/ms-swift@3602360a562313afbf2ef6065fdf61f271a2c5b9 tests/test_align/test_template/test_vision.py line 459.
 */
import type { ImageSize, Region } from '../core/types.js';
import { answerItems, assertUsableSize, gridBox } from './answer-items.js';
import { finishParse, snippetOf, unusableSize, withScale, type Candidate } from './candidates.js';
import { BINS1024_YX } from './grids.js';
import { PALIGEMMA_448 } from './image-rules.js';
import type { FormatOptions, GroundingDialect, ParseOptions, ParseResult } from './types.js';

const LAYOUT = BINS1024_YX.layout;

const loc = (v: number) => `<loc${String(v).padStart(4, '0')}>`;

function format(regions: readonly Region[], size: ImageSize, options: FormatOptions = {}): string {
  assertUsableSize(size, 'paligemma');
  // ' ; ' separates objects and '<loc'/'<seg' would be read as tokens: neither may appear inside a label.
  const items = answerItems(regions, size, options, ['<loc', '<seg']).map((item) => ({ ...item, label: item.label.replace(/\s;\s/g, ', ') }));
  return items
    .map((item) => {
      const [x1, y1, x2, y2] = gridBox(item.box, LAYOUT, size);
      return `${loc(y1)}${loc(x1)}${loc(y2)}${loc(x2)} ${item.label}`;
    })
    .join(' ; ');
}

function parse(answer: string, size: ImageSize, options: ParseOptions = {}): ParseResult {
  const bad = unusableSize(size);
  if (bad) return bad;
  const text = String(answer ?? '');
  const runs = [...text.matchAll(/(?:<loc(\d{1,4})>\s*)+/g)];
  const candidates: Candidate[] = [];
  runs.forEach((run, r) => {
    const values = [...run[0].matchAll(/<loc(\d{1,4})>/g)].map((v) => Number(v[1]));
    const end = run.index! + run[0].length;
    const next = r + 1 < runs.length ? runs[r + 1].index! : text.length;
    const label = text
      .slice(end, next)
      .replace(/<seg\d*>?/g, '')
      .replace(/<eos>|<\/s>/g, '')
      .replace(/\s*;\s*$/, '')
      .trim();
    // Four locations per object; a longer run holds several boxes, the label belongs to the last one.
    for (let i = 0; i < values.length; i += 4) {
      const numbers = values.slice(i, i + 4);
      const last = i + 4 >= values.length;
      candidates.push({
        index: candidates.length + 1,
        at: run.index! + i,
        numbers,
        text: last ? label : undefined,
        snippet: snippetOf(numbers.map(loc).join('')),
        truncated: r === runs.length - 1 && last && label === '',
      });
    }
  });
  const warnings: string[] = [];
  const lastCandidate = candidates[candidates.length - 1];
  if (lastCandidate?.truncated && lastCandidate.numbers.length === 4) {
    warnings.push(`box ${lastCandidate.index}: no label, the answer ends there; kept without text`);
  }
  return finishParse(candidates, withScale(LAYOUT, options.coordinateScale), size, warnings, options.duplicateIoU);
}

export const paligemma: GroundingDialect = {
  name: 'paligemma',
  aliases: ['paligemma2', 'paligemma-2', 'paligemma-mix'],
  description: 'PaliGemma 1/2: <locY1><locX1><locY2><locX2> LABEL ; …, y first, 1024 bins <loc0000>…<loc1023> (value/1023 × side)',
  prompts: {
    // The `detect` task syntax (ai.google.dev PaliGemma prompt docs); a fine-tune teaches it to label with text.
    // No newline of our own: the one newline between prefix and suffix is the model's separator, which
    // big_vision adds in training (big_vision@0127fb6 configs/proj/paligemma/transfers/common.py lines 29–36,
    // `septok` '\n') and ms-swift's template adds after the query (v3.12.6 template/gemma.py line 64, `{{QUERY}}\n`).
    text: 'detect text',
    objects: 'detect object',
    boxes: 'detect text',
  },
  grid: BINS1024_YX,
  image: PALIGEMMA_448,
  keepsQuads: false,
  format,
  parse,
};
