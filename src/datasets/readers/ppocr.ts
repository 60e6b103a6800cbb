/**
 * ppocr: PaddleOCR's detection label files, as PPOCRLabel writes them (`Label.txt`) and as PaddleOCR's
 * training reads them (`train_icdar2015_label.txt`): one image per line,
 * `path<TAB>[{"transcription": "…", "points": [[x, y], …], "difficult": false}, …]`.
 * `###` or `"difficult": true` mark a don't-care region. Points may be 4 or more (polygons).
 *
 * Image paths are relative to the label file's folder (PaddleOCR's data_dir) or to its parent (PPOCRLabel
 * writes `<image folder>/<name>` into a Label.txt kept inside that folder, e.g. its own `data/paddle.png`).
 * A folder given as DATASET is searched for `Label.txt` files (else `*.txt` files in this format).
 * `source` is the folder part of each line's image path.
 * Frame: ORIENTED pixels. PPOCRLabel shows images decoded by `cv2.imdecode(…, IMREAD_COLOR)`
 * (PFCCLab/PPOCRLabel, PPOCRLabel.py, loadFile), and OpenCV's imdecode applies the EXIF orientation unless
 * IMREAD_IGNORE_ORIENTATION is set (opencv/opencv, modules/imgcodecs/src/loadsave.cpp); PaddleOCR's training
 * decodes the same way, so its labels refer to the displayed image.
 */
import { basename, dirname } from 'node:path';
import type { Sample } from '../../core/types.js';
import { describeBytes, pathKind, readHead, readLines, walkFiles } from '../files.js';
import { normaliseRef } from '../images.js';
import { quoteValue } from '../problems.js';
import type { DatasetReader, RawRegion, RawSample, ReaderContext } from '../reader.js';

function itemRegion(item: unknown, element: string, line: number): RawRegion {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    return { points: undefined, problem: `item is not an object: ${quoteValue(item)}`, element, line };
  }
  const { transcription, points, difficult } = item as Record<string, unknown>;
  const text = typeof transcription === 'string' ? transcription : transcription === undefined || transcription === null ? undefined : String(transcription);
  return { points, element, line, ...(text !== undefined ? { text } : {}), ...(difficult === true ? { ignore: true } : {}) };
}

function parseLabelLine(text: string, file: string, line: number, context: ReaderContext): RawSample | undefined {
  const tab = text.indexOf('\t');
  if (tab < 0) {
    context.report({ kind: 'bad-record', file, line, message: `no tab between the image path and the JSON list: ${quoteValue(text)}; line skipped`, skipped: true });
    return undefined;
  }
  const ref = normaliseRef(text.slice(0, tab));
  let items: unknown;
  try {
    items = JSON.parse(text.slice(tab + 1));
  } catch (error) {
    context.report({ kind: 'bad-record', file, line, element: ref, message: `not JSON (${(error as Error).message}); line skipped`, skipped: true });
    return undefined;
  }
  if (!Array.isArray(items)) {
    context.report({ kind: 'bad-record', file, line, element: ref, message: `expected a JSON list of regions, got ${quoteValue(items)}; line skipped`, skipped: true });
    return undefined;
  }
  const labelDir = dirname(file);
  const folder = dirname(ref);
  return {
    file,
    line,
    image: { ref, baseDirs: [labelDir, dirname(labelDir)] },
    regions: items.map((item, i) => itemRegion(item, `${ref} item ${i + 1}`, line)),
    ...(folder && folder !== '.' ? { source: folder } : {}),
  };
}

async function* readLabelFile(file: string, context: ReaderContext): AsyncGenerator<Sample> {
  let lines = 0;
  /** Lines with bytes that are not UTF-8: said once per file, at its first such line. */
  const invalid = { first: 0, count: 0 };
  const maxLineBytes = context.options.maxAnnotationBytes;
  try {
    for await (const { text, line, invalid: bad, tooLongBytes } of readLines(file, { maxLineBytes })) {
      lines = line;
      if (tooLongBytes !== undefined) {
        context.report({ kind: 'bad-record', file, line, message: `a line of ${tooLongBytes} bytes, more than one image's annotations may be (${describeBytes(maxLineBytes)}); line skipped`, skipped: true });
        continue;
      }
      if (bad) {
        invalid.first ||= line;
        invalid.count++;
      }
      if (text.trim() === '') continue;
      const raw = parseLabelLine(text, file, line, context);
      if (raw) yield await context.finish(raw);
    }
  } catch (error) {
    context.report({ kind: 'bad-file', file, message: `cannot read (${(error as Error).message})`, skipped: true });
  }
  if (invalid.count > 0) {
    const more = invalid.count > 1 ? ` (and on ${invalid.count - 1} more line${invalid.count === 2 ? '' : 's'})` : '';
    context.report({ kind: 'encoding', file, line: invalid.first, message: `bytes not valid in UTF-8${more}, replaced by U+FFFD; PaddleOCR writes Label.txt in UTF-8: is it in another encoding?` });
  }
  if (lines === 0) context.report({ kind: 'bad-file', file, message: 'empty file', skipped: true });
}

/** A first line `path<TAB>[`. */
export function looksLikePpocr(head: string): boolean {
  const first = head.split(/\r?\n/).find((l) => l.trim() !== '');
  return first !== undefined && /^[^\t]+\t\s*\[/.test(first);
}

async function* labelFiles(dir: string): AsyncGenerator<string> {
  let found = false;
  for await (const file of walkFiles(dir, (name) => name.toLowerCase() === 'label.txt')) {
    found = true;
    yield file.path;
  }
  if (found) return;
  for await (const file of walkFiles(dir, (name) => name.toLowerCase().endsWith('.txt'))) {
    if (looksLikePpocr(await readHead(file.path, 8192))) yield file.path;
  }
}

async function* read(path: string, context: ReaderContext): AsyncGenerator<Sample> {
  const files = (await pathKind(path)) === 'file' ? [path] : labelFiles(path);
  for await (const file of files) yield* readLabelFile(file, context);
}

async function sniff(path: string): Promise<boolean> {
  const kind = await pathKind(path);
  if (kind === 'file') return path.toLowerCase().endsWith('.txt') && looksLikePpocr(await readHead(path, 8192));
  if (kind !== 'dir') return false;
  let checked = 0;
  for await (const file of walkFiles(path, (name) => name.toLowerCase().endsWith('.txt'), 0)) {
    if (basename(file.path).toLowerCase() === 'label.txt' || looksLikePpocr(await readHead(file.path, 8192))) return true;
    if (++checked >= 3) break;
  }
  return false;
}

export const ppocrReader: DatasetReader = {
  name: 'ppocr',
  aliases: ['paddleocr', 'ppocrlabel', 'label.txt'],
  description: 'PaddleOCR / PPOCRLabel Label.txt: path<TAB>[{"transcription", "points"}, …]',
  frame: 'oriented',
  sniff,
  read,
};
