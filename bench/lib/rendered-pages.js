/**
 * Rendered A4 pages with known ground truth, for the benches: lines of words in PDF's standard fonts
 * (Helvetica, Helvetica-Bold, Times, Courier; 7–22 pt; some grey), in one or two columns, with what printed
 * pages also carry: a text-free photo as a figure (USC-SIPI "Mandrill", test/fixtures/datasets/labelme), table
 * rules, a striped bar and dots. Made with pdf-lib, deterministic for a page number.
 */
import { readFileSync } from 'node:fs';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { seededRandom } from '../../dist/index.js';

const MANDRILL = readFileSync(new URL('../../test/fixtures/datasets/labelme/Mandrill.jpg', import.meta.url));
const WORDS = (
  'account balance river station number garden report summer invoice total market window table figure ' +
  'result method sample value energy record letter north office travel history water simple update second'
).split(' ');

/** Page `n`: its PDF bytes and its lines (text, box in points, top-left origin). */
export async function renderedPagePdf(n) {
  const rand = seededRandom(n + 1);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const fonts = await Promise.all([StandardFonts.Helvetica, StandardFonts.HelveticaBold, StandardFonts.TimesRoman, StandardFonts.Courier].map((f) => doc.embedFont(f)));
  const photo = await doc.embedJpg(MANDRILL);
  const lines = [];
  const columns = n % 2 === 0 ? [[50, 545]] : [[50, 285], [310, 545]];
  // A figure (the text-free photo), a striped bar, table rules and dots on every page.
  const figure = { x: 60 + rand() * 200, y: 300 + rand() * 300, size: 120 + rand() * 80 };
  page.drawImage(photo, { x: figure.x, y: 842 - figure.y - figure.size, width: figure.size, height: figure.size });
  for (let i = 0; i < 30; i++) page.drawRectangle({ x: 380 + i * 5, y: 842 - 790, width: 2 + (i % 3), height: 30, color: rgb(0, 0, 0) });
  for (let r = 0; r < 4; r++) page.drawLine({ start: { x: 50, y: 842 - 740 - r * 12 }, end: { x: 330, y: 842 - 740 - r * 12 }, thickness: 0.8 });
  for (let i = 0; i < 12; i++) page.drawCircle({ x: 60 + i * 22, y: 842 - 805, size: 2 + (i % 2), color: rgb(0.2, 0.2, 0.2) });
  const blocked = (top, bottom, x1, x2) => top < figure.y + figure.size + 4 && bottom > figure.y - 4 && x1 < figure.x + figure.size + 4 && x2 > figure.x - 4;
  for (const [left, right] of columns) {
    let top = 60;
    while (top < 700) {
      const size = pick([7, 8, 9, 10, 11, 12, 14, 18, 22]);
      const font = pick(fonts);
      const words = [];
      while (true) {
        const next = [...words, pick(WORDS)].join(' ');
        if (font.widthOfTextAtSize(next, size) > right - left || words.length > 8) break;
        words.push(next.split(' ').pop());
      }
      const text = words.join(' ');
      const width = font.widthOfTextAtSize(text, size);
      if (!blocked(top, top + size * 1.2, left, left + width) && text) {
        const grey = rand() < 0.2 ? 0.45 : 0;
        const baseline = top + 0.8 * size;
        page.drawText(text, { x: left, y: 842 - baseline, size, font, color: rgb(grey, grey, grey) });
        lines.push({ text, sizePt: size, boxPt: [left, baseline - font.heightAtSize(size, { descender: false }), left + width, baseline + 0.22 * size] });
      }
      top += size * (1.4 + rand());
    }
  }
  return { pdf: Buffer.from(await doc.save()), lines };
}

/** The lines as a ground-truth Sample of the page rendered at `dpi`. */
export function pageSample(name, image, lines, dpi) {
  const s = dpi / 72;
  const regions = lines.map(({ boxPt }) => {
    const box = boxPt.map((v) => v * s);
    return { points: [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]], box };
  });
  return { image: name, width: image.width, height: image.height, regions };
}
