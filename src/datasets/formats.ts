/**
 * The dataset formats ocrdet reads: one reader file each under readers/, one typed registry
 * (core/registry.ts), and detection of the format from a path.
 */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import { createRegistry } from '../core/registry.js';
import { pathKind } from './files.js';
import type { DatasetFormat, DatasetReader } from './reader.js';
import { cocoReader } from './readers/coco.js';
import { icdar2015Reader } from './readers/icdar2015.js';
import { labelmeReader } from './readers/labelme.js';
import { ppocrReader } from './readers/ppocr.js';
import { resultsReader } from './readers/results.js';
import { vocQuadReader } from './readers/voc-quad.js';

/**
 * In detection order: the most specific signatures first. results (a file whose first JSON object names an
 * `image` and its `regions`) before the JSON formats, whose keys differ (`imagePath`, `images`). icdar2015
 * comes last because "a .txt file whose lines start with numbers" is the loosest; ppocr before it because its
 * lines are `path<TAB>[…]`.
 */
export const DATASET_FORMATS = createRegistry<DatasetReader>('dataset format', [
  resultsReader,
  vocQuadReader,
  labelmeReader,
  cocoReader,
  ppocrReader,
  icdar2015Reader,
]);

/** How many sub-folders detection looks into when the folder itself holds no annotations. */
const MAX_SUBFOLDERS_SNIFFED = 20;

async function sniffAll(path: string): Promise<DatasetFormat | undefined> {
  for (const reader of DATASET_FORMATS.all()) {
    if (await reader.sniff(path)) return reader.name;
  }
  return undefined;
}

/**
 * The format of the dataset at `path` (a file or folder), from names and first bytes only. A folder that
 * holds no annotations itself is looked into one level down (a root of subsets, or ICDAR's gt/ folder).
 * Throws NotFoundError for a missing path, UsageError when nothing matches.
 */
export async function detectFormat(path: string): Promise<DatasetFormat> {
  const kind = await pathKind(path);
  if (kind === 'missing') throw new NotFoundError(`${path}: no such file or folder`);
  const direct = await sniffAll(path);
  if (direct) return direct;
  if (kind === 'dir') {
    let looked = 0;
    for await (const entry of await opendir(path)) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const found = await sniffAll(join(path, entry.name));
      if (found) return found;
      if (++looked >= MAX_SUBFOLDERS_SNIFFED) break;
    }
  }
  throw new UsageError(`${path}: cannot tell the dataset format; pass ${optionName('format')} (${DATASET_FORMATS.names().join(', ')})`, { details: optionDetails('format') });
}
