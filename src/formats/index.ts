/**
 * Output formats of Detections, beside JSON: plain text, hOCR and ALTO. Pure functions Detection → string,
 * used by `ocrdet detect --format` and the HTTP API's `?format=`.
 */
import { createRegistry } from '../core/registry.js';
import type { Detection } from '../core/types.js';
import { altoFormat } from './alto.js';
import { hocrFormat } from './hocr.js';
import { textFormat } from './text.js';
import type { FormatContext, OutputFormat } from './types.js';

export type { FormatContext, OutputFormat } from './types.js';
export { wordBoxes } from './alto.js';
export { blocksOf } from './lines.js';

export const OUTPUT_FORMATS = createRegistry<OutputFormat>('output format', [textFormat, hocrFormat, altoFormat]);

/** A whole document of `detections` in `format` (`text`, `hocr`, `alto`). */
export function formatDetections(format: string, detections: readonly Detection[], context: FormatContext): string {
  const entry = OUTPUT_FORMATS.get(format);
  return entry.begin(context) + detections.map((d, i) => entry.page(d, i)).join('') + entry.end();
}
