/**
 * Plain text: each block's lines, one per line, blocks separated by a blank line, in reading order. The
 * pages (Detections) of one output are separated by a form feed, as pdftotext separates pages.
 */
import type { OutputFormat } from './types.js';
import { blocksOf } from './lines.js';

export const textFormat: OutputFormat = Object.freeze<OutputFormat>({
  name: 'text',
  aliases: Object.freeze(['txt']),
  description: 'plain text: lines in reading order, blocks separated by a blank line, pages by a form feed',
  mediaType: 'text/plain; charset=utf-8',
  begin: () => '',
  page(detection, index) {
    const blocks = blocksOf(detection).map((block) => block.lines.map((line) => (line.text ?? '').trim()).join('\n'));
    return `${index > 0 ? '\f' : ''}${blocks.join('\n\n')}\n`;
  },
  end: () => '',
});
