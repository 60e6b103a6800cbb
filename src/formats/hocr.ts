/**
 * hOCR 1.2 (https://kba.github.io/hocr-spec/1.2/): an XHTML document, one `ocr_page` per Detection, one
 * `ocr_carea` holding one `ocr_par` per block, one `ocr_line` per region, in reading order. Every element
 * has `bbox x0 y0 x1 y1` (integer pixels of the image as given); lines with recognised text have `x_wconf`
 * (the recogniser's confidence, 0–100). Lines are the finest level: ppocr recognises whole lines.
 */
import type { Detection } from '../core/types.js';
import { blocksOf, escapeXml, integerBox } from './lines.js';
import type { OutputFormat } from './types.js';

const bbox = (box: readonly number[]) => `bbox ${integerBox(box as [number, number, number, number]).join(' ')}`;

function pageHocr(detection: Detection, index: number): string {
  const n = index + 1;
  const image = `image "${detection.image.replace(/["\\]/g, '\\$&')}"`;
  const out = [`  <div class="ocr_page" id="page_${n}" title="${escapeXml(`${image}; ${bbox([0, 0, detection.width, detection.height])}; ppageno ${(detection.page ?? n) - 1}`)}">`];
  let line = 0;
  blocksOf(detection).forEach((block, b) => {
    const id = `${n}_${b + 1}`;
    out.push(`   <div class="ocr_carea" id="block_${id}" title="${bbox(block.box)}">`);
    out.push(`    <p class="ocr_par" id="par_${id}" title="${bbox(block.box)}">`);
    for (const region of block.lines) {
      line++;
      const confidence = region.text !== undefined && region.textScore !== undefined ? `; x_wconf ${Math.round(region.textScore * 100)}` : '';
      out.push(`     <span class="ocr_line" id="line_${n}_${line}" title="${bbox(region.box)}${confidence}">${escapeXml(region.text ?? '')}</span>`);
    }
    out.push('    </p>', '   </div>');
  });
  out.push('  </div>');
  return `${out.join('\n')}\n`;
}

export const hocrFormat: OutputFormat = Object.freeze<OutputFormat>({
  name: 'hocr',
  description: 'hOCR 1.2 XHTML: ocr_page / ocr_carea / ocr_par / ocr_line with bbox and x_wconf',
  mediaType: 'text/html; charset=utf-8',
  begin: ({ software }) =>
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
    ' <head>\n' +
    '  <title></title>\n' +
    '  <meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>\n' +
    `  <meta name="ocr-system" content="${escapeXml(`${software.name} ${software.version}`)}"/>\n` +
    '  <meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line"/>\n' +
    ' </head>\n' +
    ' <body>\n',
  page: pageHocr,
  end: () => ' </body>\n</html>\n',
});
