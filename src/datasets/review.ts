/**
 * Labels written for a person to review in the annotation tools of the field, and read back by ocrdet's own
 * readers after the review (readers/labelme.ts, readers/ppocr.ts): the step between autolabelling and training.
 *
 * Each tool gets its own folder (`labelme/`, `ppocr/`) mirroring the images' folders, with each image beside
 * its labels — a hard link to the original (a copy where the file system cannot link) — because both tools
 * open a folder of images and look for the labels beside them:
 * - LabelMe (wkentaro/labelme): `<stem>.json` beside `<stem>.<ext>` (labelme/_app.py, _resolve_label_path), the
 *   LabelMe 5 file format (labelme/_label_file.py: version, flags, shapes, imagePath, imageData null,
 *   imageHeight, imageWidth). Each region is a polygon shape labelled with its text; a don't-care region keeps
 *   its text and has the shape flag `difficult` (LabelMe keeps shape flags it loads, and shows them as
 *   checkboxes with `--labelflags '{".*": ["difficult"]}'`); the shape's description gives the scores.
 * - PPOCRLabel (PFCCLab/PPOCRLabel): per folder, `Label.txt` with `<folder name>/<image name><TAB>[{
 *   "transcription", "points", "difficult" }]` (PPOCRLabel.py importDirImages, getImglabelidx, savePPlabel),
 *   and the same lines in `Cache.cach`, where PPOCRLabel keeps labels nobody has checked yet: when it saves, it
 *   rewrites Label.txt with the images a person checked (its "Check" button) and nothing else, so Label.txt after
 *   a review holds the reviewed images, and the rest stay in the cache. PPOCRLabel writes "difficult": false
 *   whatever it loaded, so a don't-care region is `###`, PaddleOCR's own mark, which a save keeps.
 *
 * A label file that exists already is never written over (it may hold a person's corrections): a second run
 * adds files for new images only (for PPOCRLabel, images in neither Label.txt nor Cache.cach), and counts the
 * ones it kept.
 */
import { copyFileSync, existsSync, linkSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, posix } from 'node:path';
import { makeDirectory } from '../core/dirs.js';
import type { Point, Region, Sample } from '../core/types.js';
import { readLines } from './files.js';

export type ReviewTool = 'labelme' | 'ppocr';
export const REVIEW_TOOLS: readonly ReviewTool[] = ['labelme', 'ppocr'];

export interface ReviewSummary {
  /** Per tool, the folder its files are in. */
  folders: Partial<Record<ReviewTool, string>>;
  /** Images given label files now. */
  written: number;
  /** Images whose label files were there already and were left as they were. */
  kept: number;
  /** Images linked into the review folders (the rest were copied). */
  linked: number;
  copied: number;
}

/** The LabelMe file format version written: LabelMe 5's (read by LabelMe 5 and later). */
const LABELME_VERSION = '5.5.0';

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** The scores of a region in words, for the reviewer. */
function describeScores(region: Region): string {
  const parts = [
    ...(region.score !== undefined ? [`score ${region.score.toFixed(2)}`] : []),
    ...(region.textScore !== undefined ? [`text score ${region.textScore.toFixed(2)}`] : []),
  ];
  return parts.length > 0 ? `ocrdet: ${parts.join(', ')}${region.ignore ? " (unsure: don't care)" : ''}` : '';
}

/** A LabelMe file for one sample whose image is `imageName` beside it. */
export function labelmeFile(sample: Sample, imageName: string): string {
  const shapes = sample.regions.map((region) => ({
    label: region.text ?? '',
    points: region.points.map(([x, y]) => [round2(x), round2(y)]),
    group_id: null,
    description: describeScores(region),
    shape_type: 'polygon',
    flags: { difficult: region.ignore === true },
    mask: null,
  }));
  const file = { version: LABELME_VERSION, flags: {}, shapes, imagePath: imageName, imageData: null, imageHeight: sample.height, imageWidth: sample.width };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** One Label.txt line: PPOCRLabel's key (`<folder name>/<image name>`) and its regions, don't care as `###`. */
export function ppocrLine(key: string, sample: Sample): string {
  const items = sample.regions.map((region) => ({
    transcription: region.ignore ? '###' : (region.text ?? ''),
    points: region.points.map(([x, y]): Point => [Math.round(x), Math.round(y)]),
    difficult: false,
  }));
  return `${key}\t${JSON.stringify(items)}`;
}

/** Hard-links `source` to `target` (a copy where linking fails: another file system, no links); false for a copy. */
function placeImage(source: string, target: string): boolean {
  if (existsSync(target)) return true;
  makeDirectory(dirname(target));
  try {
    linkSync(source, target);
    return true;
  } catch {
    copyFileSync(source, target);
    return false;
  }
}

/** Writes review files, one sample at a time; `finish()` writes the PPOCRLabel files. */
export class ReviewWriter {
  readonly summary: ReviewSummary;
  /** PPOCRLabel: per folder, the keys already in its Label.txt or Cache.cach, and the lines to add. */
  private readonly ppocrFolders = new Map<string, { known: Set<string>; lines: string[] }>();

  constructor(
    readonly out: string,
    readonly tools: readonly ReviewTool[],
  ) {
    this.summary = { folders: Object.fromEntries(tools.map((tool) => [tool, join(out, tool)])), written: 0, kept: 0, linked: 0, copied: 0 };
  }

  /** Adds one sample under `name`, its path in the review folders ('/'-separated, with the image's extension). */
  async add(sample: Sample, name: string): Promise<void> {
    let wrote = false;
    let kept = false;
    for (const tool of this.tools) {
      const target = join(this.out, tool, ...name.split('/'));
      const done = tool === 'labelme' ? this.addLabelMe(sample, target) : await this.addPpocr(sample, target);
      if (done) wrote = true;
      else kept = true;
      if (placeImage(sample.image, target)) this.summary.linked++;
      else this.summary.copied++;
    }
    if (wrote) this.summary.written++;
    else if (kept) this.summary.kept++;
  }

  private addLabelMe(sample: Sample, image: string): boolean {
    const json = join(dirname(image), `${basename(image, extname(image))}.json`);
    if (existsSync(json)) return false;
    makeDirectory(dirname(json));
    writeFileSync(json, labelmeFile(sample, basename(image)));
    return true;
  }

  private async addPpocr(sample: Sample, image: string): Promise<boolean> {
    const folder = dirname(image);
    let entry = this.ppocrFolders.get(folder);
    if (!entry) {
      // PPOCRLabel keeps in Label.txt only the images a person checked; the cache remembers every image labelled.
      const known = new Set([...(await labelKeys(join(folder, 'Label.txt'))), ...(await labelKeys(join(folder, 'Cache.cach')))]);
      entry = { known, lines: [] };
      this.ppocrFolders.set(folder, entry);
    }
    const key = posix.join(basename(folder), basename(image));
    if (entry.known.has(key)) return false;
    entry.known.add(key);
    entry.lines.push(ppocrLine(key, sample));
    return true;
  }

  /** Appends the new lines to each folder's Label.txt and Cache.cach. */
  finish(): ReviewSummary {
    for (const [folder, { lines }] of this.ppocrFolders) {
      if (lines.length === 0) continue;
      makeDirectory(folder);
      for (const file of ['Label.txt', 'Cache.cach']) appendLines(join(folder, file), lines);
    }
    return this.summary;
  }
}

/** The image keys a Label.txt holds (none when it does not exist). */
async function labelKeys(file: string): Promise<Set<string>> {
  const keys = new Set<string>();
  if (!existsSync(file)) return keys;
  for await (const { text } of readLines(file)) {
    const tab = text.indexOf('\t');
    if (tab > 0) keys.add(text.slice(0, tab));
  }
  return keys;
}

function appendLines(file: string, lines: readonly string[]): void {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const joint = before === '' || before.endsWith('\n') ? '' : '\n';
  writeFileSync(file, `${before}${joint}${lines.join('\n')}\n`);
}
