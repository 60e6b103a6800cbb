/**
 * icdar2015: ICDAR 2015 Robust Reading, Challenge 4 (Incidental Scene Text) ground truth, one text file per
 * image: `gt_img_N.txt` for `img_N.jpg`, lines `x1,y1,x2,y2,x3,y3,x4,y4,transcription` (UTF-8, with a BOM in
 * the official training files and without one in some redistributions; transcriptions may contain commas:
 * "1,888", "Beanstro,"). `###` marks a don't-care region. Also read: the axis-aligned ICDAR 2013 variants,
 * `x1, y1, x2, y2, "text"` (test) and `x1 y1 x2 y2 "text"` (training), and lines without a transcription.
 *
 * Images: the `images` folder option, else the ground-truth file's own folder, else a sibling folder whose name says
 * images (the official `ch4_training_images/` beside `ch4_training_localization_transcription_gt/`).
 * `source` is the ground-truth file's folder relative to the dataset path (undefined at its root).
 * Frame: STORED pixels (the format carries no image metadata; the Google Glass images it was made for carry
 * no EXIF orientation, and the competition's evaluation never reads images).
 */
import { opendir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Sample } from '../../core/types.js';
import { IMAGE_EXTENSIONS, pathKind, readAnnotationText, readHead, textLines, walkFiles } from '../files.js';
import { quoteValue } from '../problems.js';
import type { DatasetReader, RawRegion, RawSample, ReaderContext } from '../reader.js';

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/;
const SPACE_SEPARATED_BOX = /^\s*([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)(?:\s+(.*))?$/;

/** The ICDAR 2013 files quote their transcriptions: `"Tiredness"`. */
function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : value;
}

/** One ground-truth line → a region, or the reason it is not one. */
export function parseIcdarLine(line: string): Omit<RawRegion, 'element' | 'line'> | string {
  const spaced = SPACE_SEPARATED_BOX.exec(line);
  if (spaced) {
    const [x1, y1, x2, y2] = spaced.slice(1, 5).map(Number);
    return { points: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], ...(spaced[5] !== undefined ? { text: unquote(spaced[5]) } : {}) };
  }
  const fields = line.split(',');
  let numeric = 0;
  while (numeric < fields.length && numeric < 8 && NUMERIC.test(fields[numeric])) numeric += 1;
  if (numeric === 8) {
    const coords = fields.slice(0, 8).map(Number);
    const text = fields.length > 8 ? fields.slice(8).join(',') : undefined;
    return { points: [0, 2, 4, 6].map((i) => [coords[i], coords[i + 1]]), ...(text !== undefined ? { text } : {}) };
  }
  if (numeric >= 4) {
    const [x1, y1, x2, y2] = fields.slice(0, 4).map(Number);
    const text = fields.length > 4 ? unquote(fields.slice(4).join(',')) : undefined;
    return { points: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], ...(text !== undefined ? { text } : {}) };
  }
  const bad = fields[numeric] ?? '';
  return `field ${numeric + 1} ${quoteValue(bad.trim())} is not a number; expected x1,y1,…,x4,y4,text or x1,y1,x2,y2,text`;
}

/** `gt_img_12.txt` → `img_12.jpg`, `img_12.png`, …; `img_12.txt` → the same names. */
function imageNamesFor(gtName: string): string[] {
  const stem = basename(gtName, extname(gtName));
  const stems = stem.startsWith('gt_') ? [stem.slice(3), stem] : [stem];
  return stems.flatMap((s) => IMAGE_EXTENSIONS.map((ext) => `${s}${ext}`));
}

const IMAGE_FOLDER = /ima?ges?|imgs?/i;

/** The ground-truth folder, then its sub-folders and sibling folders whose name says images; cached. */
class ImageFolders {
  private readonly cache = new Map<string, string[]>();

  async for(gtDir: string): Promise<string[]> {
    let dirs = this.cache.get(gtDir);
    if (!dirs) {
      dirs = [gtDir, ...(await imageFoldersIn(gtDir)), ...(await imageFoldersIn(dirname(gtDir))).filter((d) => d !== gtDir)];
      this.cache.set(gtDir, dirs);
    }
    return dirs;
  }
}

async function imageFoldersIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of await opendir(dir)) {
      if (entry.isDirectory() && IMAGE_FOLDER.test(entry.name)) found.push(join(dir, entry.name));
    }
  } catch {
    // an unreadable folder holds no images we can use
  }
  return found;
}

/** The sample of one gt_*.txt; undefined when the file cannot be read (reported). */
async function readGroundTruth(path: string, source: string, folders: ImageFolders, context: ReaderContext): Promise<RawSample | undefined> {
  const regions: RawRegion[] = [];
  let lines = 0;
  const content = readAnnotationText(path, context);
  if (content === undefined) return undefined;
  for (const { text, line } of textLines(content)) {
    lines = line;
    if (text.trim() === '') continue;
    const parsed = parseIcdarLine(text);
    if (typeof parsed === 'string') context.report({ kind: 'bad-record', file: path, line, message: `${parsed}; line skipped`, skipped: true });
    else regions.push({ ...parsed, line });
  }
  if (lines === 0) context.report({ kind: 'bad-file', file: path, message: 'empty file: read as an image without text' });
  return {
    file: path,
    image: { baseDirs: await folders.for(dirname(path)), names: imageNamesFor(basename(path)) },
    regions,
    ...(source ? { source } : {}),
  };
}

async function* read(path: string, context: ReaderContext): AsyncGenerator<Sample> {
  const folders = new ImageFolders();
  const files = (await pathKind(path)) === 'file'
    ? [{ path, relDir: '' }]
    : walkFiles(path, (name) => name.toLowerCase().endsWith('.txt'));
  for await (const file of files) {
    const raw = await readGroundTruth(file.path, file.relDir, folders, context);
    if (raw) yield await context.finish(raw);
  }
}

/** A line of this format: eight numbers then text, or four numbers then text. */
export function looksLikeIcdar(head: string): boolean {
  const first = head.split(/\r?\n/).find((l) => l.trim() !== '');
  return first !== undefined && !first.includes('\t') && typeof parseIcdarLine(first) !== 'string';
}

async function sniff(path: string): Promise<boolean> {
  const kind = await pathKind(path);
  if (kind === 'file') return path.toLowerCase().endsWith('.txt') && looksLikeIcdar(await readHead(path, 4096));
  if (kind !== 'dir') return false;
  let checked = 0;
  for await (const entry of await opendir(path)) {
    if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.txt')) continue;
    if (looksLikeIcdar(await readHead(join(path, entry.name), 4096))) return true;
    if (++checked >= 3) return false;
  }
  return false;
}

export const icdar2015Reader: DatasetReader = {
  name: 'icdar2015',
  aliases: ['icdar', 'ic15', 'icdar2013', 'ic13'],
  description: 'gt_img_N.txt per image: x1,y1,…,x4,y4,text (also x1,y1,x2,y2,text); ### = don\'t care',
  frame: 'stored',
  sniff,
  read,
};
