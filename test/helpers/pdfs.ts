/**
 * PDFs made by the tests themselves with pdf-lib (MIT), with their ground truth known: every line of text is
 * drawn at a chosen place, so its box (in points, top-left origin) and its place in reading order are known.
 * Latin text uses PDF's standard Helvetica (built into every renderer); CJK text uses Noto Sans SC
 * (npm @embedpdf/fonts-sc, SIL OFL 1.1), embedded as a subset through @pdf-lib/fontkit (MIT).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, StandardFonts, degrees, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Box } from '../../src/core/types.js';

export const A4: [number, number] = [595, 842];

/** A line drawn on a page: its text, its box in points (top-left origin) and its block (paragraph/column). */
export interface DrawnLine {
  text: string;
  boxPt: Box;
  /** Lines of the same block share this name. */
  block: string;
}

export interface DrawnPage {
  pdf: Buffer;
  sizePt: [number, number];
  /** In reading order. */
  lines: DrawnLine[];
}

const WORDS = (
  'river stone garden window lantern harbor meadow copper thunder orchard candle silver mountain valley ' +
  'ribbon forest marble feather compass island bridge summer winter autumn spring market village castle ' +
  'painter letter morning evening shadow crystal willow anchor falcon tablet velvet signal amber cedar'
).split(' ');

/** Deterministic sentence-like text of about `chars` characters (line `n` of a page). */
export function sentence(n: number, chars: number): string {
  const words: string[] = [];
  for (let i = 0; words.join(' ').length < chars; i++) words.push(WORDS[(n * 11 + i * 5) % WORDS.length]);
  let text = words.join(' ');
  while (text.length > chars && words.length > 1) text = (words.pop(), words.join(' '));
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** Draws `text` with its baseline at (x, yTopPt + size) and returns its box, top-left origin. */
function drawLine(page: PDFPage, font: PDFFont, text: string, x: number, topPt: number, size: number): Box {
  const height = page.getHeight();
  const baseline = topPt + 0.8 * size;
  page.drawText(text, { x, y: height - baseline, size, font });
  return [x, topPt, x + font.widthOfTextAtSize(text, size), baseline + 0.22 * size];
}

/**
 * A two-column A4 page: a title across both columns, two paragraphs per column (their gaps level with each
 * other, the trap for a naive band cut), and a footer across both columns. Reading order: title, column 1
 * (two paragraphs), column 2, footer.
 */
export async function twoColumnPage(): Promise<DrawnPage> {
  const doc = await PDFDocument.create();
  const page = doc.addPage(A4);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const lines: DrawnLine[] = [];
  lines.push({ text: 'Reading Order Of Two Columns', boxPt: drawLine(page, bold, 'Reading Order Of Two Columns', 150, 60, 20), block: 'title' });
  let n = 0;
  for (const [column, x] of [[1, 56], [2, 316]] as const) {
    let top = 120;
    for (const paragraph of [1, 2]) {
      for (let i = 0; i < 6; i++, n++) {
        const text = sentence(n, 38);
        lines.push({ text, boxPt: drawLine(page, regular, text, x, top, 11), block: `c${column}p${paragraph}` });
        top += 16;
      }
      top += 22;
    }
  }
  const footer = 'This footer line runs across both of the columns above';
  lines.push({ text: footer, boxPt: drawLine(page, regular, footer, 120, 420, 12), block: 'footer' });
  return { pdf: Buffer.from(await doc.save()), sizePt: A4, lines };
}

/** Lines of a classical poem (public domain), one vertical column each, read right to left. */
export const VERTICAL_COLUMNS = ['床前明月光', '疑是地上霜', '举头望明月', '低头思故乡', '春眠不觉晓', '处处闻啼鸟'];

/** Noto Sans SC Regular from the npm package @embedpdf/fonts-sc. */
export function notoSansScPath(): string {
  const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
  return join(dirname(entry), '..', 'fonts', 'NotoSansHans-Regular.otf');
}

/**
 * An A4 page of vertical Chinese: six columns of five characters, each character upright, the columns set
 * from the right edge leftwards. Reading order: the rightmost column first, top to bottom.
 */
export async function verticalCjkPage(): Promise<DrawnPage> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(readFileSync(notoSansScPath()), { subset: false });
  const page = doc.addPage(A4);
  const size = 26;
  const lines: DrawnLine[] = VERTICAL_COLUMNS.map((text, c) => {
    const x = 470 - c * 56 - (c < 4 ? 0 : 50);
    const top = 110;
    [...text].forEach((char, i) => page.drawText(char, { x, y: A4[1] - (top + i * (size + 4) + 0.88 * size), size, font }));
    return { text, boxPt: [x, top, x + size, top + text.length * (size + 4) - 4] as Box, block: c < 4 ? 'poem1' : 'poem2' };
  });
  return { pdf: Buffer.from(await doc.save()), sizePt: A4, lines };
}

/** A PDF of `count` pages, page i showing "Page i of count" and one line of text; `rotate` turns page 1 by /Rotate. */
export async function numberedPdf(count: number, options: { rotateFirst?: number; sizePt?: [number, number] } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= count; i++) {
    const page = doc.addPage(options.sizePt ?? A4);
    page.drawText(`Page ${i} of ${count}`, { x: 72, y: page.getHeight() - 100, size: 24, font });
    page.drawText(sentence(i, 40), { x: 72, y: page.getHeight() - 160, size: 14, font });
    if (i === 1 && options.rotateFirst) page.setRotation(degrees(options.rotateFirst));
  }
  return Buffer.from(await doc.save());
}

/** Scales a box in points to pixels at `dpi`. */
export function pointsToPixels(box: Box, dpi: number): Box {
  const s = dpi / 72;
  return [box[0] * s, box[1] * s, box[2] * s, box[3] * s];
}
