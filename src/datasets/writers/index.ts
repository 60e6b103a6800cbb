/** The output formats of `ocrdet data convert`, one file each, behind one typed registry. */
import { createRegistry } from '../../core/registry.js';
import { cocoFormat } from './coco.js';
import { icdarFormat } from './icdar.js';
import { internvlFormat } from './internvl.js';
import { swiftFormat } from './swift.js';
import type { OutputFormatEntry } from './types.js';

export const OUTPUT_FORMATS = createRegistry<OutputFormatEntry>('output format', [swiftFormat, internvlFormat, icdarFormat, cocoFormat]);

export type { OutputFormat, OutputFormatEntry, OutputSample, OutputWriter, Sink, WriterConfig } from './types.js';
