/**
 * ALTO v4 (http://www.loc.gov/standards/alto/, namespace ns-v4#): one `Page` per Detection, one `TextBlock`
 * per block, one `TextLine` per region, in reading order; coordinates in pixels (MeasurementUnit "pixel")
 * of the image as given. ALTO's `String` is a word: a line's text is split at spaces, and each word gets the
 * part of the line box its characters take (ppocr recognises whole lines, so word positions are estimated
 * from character counts); `WC` is the line's recognition confidence (0–1). CJK text without spaces is one
 * String per line.
 */
import type { Box, Detection, Region } from '../core/types.js';
import { blocksOf, escapeXml, integerBox } from './lines.js';
import type { FormatContext, OutputFormat } from './types.js';

const position = (box: Box) => {
  const [x1, y1, x2, y2] = integerBox(box);
  return `HPOS="${x1}" VPOS="${y1}" WIDTH="${x2 - x1}" HEIGHT="${y2 - y1}"`;
};

/** The words of a line and their boxes, split along its reading direction (down for a tall line). */
export function wordBoxes(region: Region): { word: string; box: Box }[] {
  const text = region.text ?? '';
  const chars = [...text];
  const [x1, y1, x2, y2] = region.box;
  const vertical = y2 - y1 > 1.5 * (x2 - x1);
  const words: { word: string; box: Box }[] = [];
  let at = 0;
  for (const match of text.matchAll(/\S+/g)) {
    const start = [...text.slice(0, match.index)].length;
    const length = [...match[0]].length;
    at = start + length;
    const from = start / Math.max(chars.length, 1);
    const to = at / Math.max(chars.length, 1);
    const box: Box = vertical ? [x1, y1 + from * (y2 - y1), x2, y1 + to * (y2 - y1)] : [x1 + from * (x2 - x1), y1, x1 + to * (x2 - x1), y2];
    words.push({ word: match[0], box });
  }
  return words.length > 0 ? words : [{ word: '', box: region.box }];
}

function lineAlto(region: Region, id: string): string {
  const confidence = region.text !== undefined && region.textScore !== undefined ? ` WC="${Math.min(1, Math.max(0, region.textScore)).toFixed(4)}"` : '';
  const strings = wordBoxes(region).map(({ word, box }, w) => `<String ID="string_${id}_${w + 1}" ${position(box)}${confidence} CONTENT="${escapeXml(word)}"/>`);
  return `          <TextLine ID="line_${id}" ${position(region.box)}>${strings.join('<SP/>')}</TextLine>`;
}

function pageAlto(detection: Detection, index: number): string {
  const n = index + 1;
  const out = [`    <Page ID="page_${n}" PHYSICAL_IMG_NR="${detection.page ?? n}" WIDTH="${detection.width}" HEIGHT="${detection.height}">`];
  out.push(`      <PrintSpace HPOS="0" VPOS="0" WIDTH="${detection.width}" HEIGHT="${detection.height}">`);
  let line = 0;
  blocksOf(detection).forEach((block, b) => {
    out.push(`        <TextBlock ID="block_${n}_${b + 1}" ${position(block.box)}>`);
    for (const region of block.lines) out.push(lineAlto(region, `${n}_${++line}`));
    out.push('        </TextBlock>');
  });
  out.push('      </PrintSpace>', '    </Page>');
  return `${out.join('\n')}\n`;
}

function beginAlto({ software, files }: FormatContext): string {
  // ALTO names one source image: written when every page comes from the same file (a PDF, one image).
  const sources = [...new Set(files ?? [])];
  const source = sources.length === 1 ? `    <sourceImageInformation>\n      <fileName>${escapeXml(sources[0])}</fileName>\n    </sourceImageInformation>\n` : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.loc.gov/standards/alto/ns-v4# http://www.loc.gov/standards/alto/v4/alto-4-4.xsd" SCHEMAVERSION="4.4">\n' +
    '  <Description>\n' +
    '    <MeasurementUnit>pixel</MeasurementUnit>\n' +
    source +
    '    <Processing ID="processing_1">\n' +
    '      <processingCategory>contentGeneration</processingCategory>\n' +
    '      <processingSoftware>\n' +
    `        <softwareName>${escapeXml(software.name)}</softwareName>\n` +
    `        <softwareVersion>${escapeXml(software.version)}</softwareVersion>\n` +
    '      </processingSoftware>\n' +
    '    </Processing>\n' +
    '  </Description>\n' +
    '  <Layout>\n'
  );
}

export const altoFormat: OutputFormat = Object.freeze<OutputFormat>({
  name: 'alto',
  description: 'ALTO v4 XML: Page / TextBlock / TextLine / String with HPOS, VPOS, WIDTH, HEIGHT, WC, CONTENT',
  mediaType: 'application/xml; charset=utf-8',
  begin: beginAlto,
  page: pageAlto,
  end: () => '  </Layout>\n</alto>\n',
});
