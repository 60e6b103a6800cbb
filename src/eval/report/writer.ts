/**
 * Writes the report folder while `compareRuns` scores: `errors.jsonl` (one line per miss and false alarm,
 * per run and threshold), `index.html` and `images/NNNNN.jpg` (a small upright copy of each ground-truth
 * image, through src/image/). Everything is written beside its place (`*.partial`) and moved into place when
 * complete, so a run that stops leaves an earlier report in DIR whole. Nothing grows with the number of images
 * but two numbers per picture: each scored image is written out and let go, and at most `concurrency`
 * pictures are in flight (scoring waits for a free slot).
 */
import { once } from 'node:events';
import { createWriteStream, readdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OcrdetError } from '../../core/errors.js';
import { isDir, makeOutputDir } from '../../datasets/files.js';
import { makeThumbnail, THUMBNAIL_DEFAULTS } from '../../image/thumbnail.js';
import type { CompareReport } from '../compare.js';
import type { ScoredImage } from '../runs.js';
import { errorLines, imageRecord, pageSummary } from './data.js';
import { pageEnd, pageRecord, pageStart } from './page.js';

export const REPORT_DEFAULTS = Object.freeze({
  /** Longer side of the pictures, px; 0 writes no pictures. */
  maxSidePx: THUMBNAIL_DEFAULTS.maxSidePx,
  jpegQuality: THUMBNAIL_DEFAULTS.jpegQuality,
  /** Pictures being made at once (libvips' threads do the work). */
  concurrency: 4,
});

export interface ReportOptions {
  /** The ground truth as the user named it (shown in the header). */
  gt: string;
  /** Each run's name and results file, in order. */
  runs: Array<{ name: string; pred: string }>;
  maxSidePx?: number;
  jpegQuality?: number;
  concurrency?: number;
  /** Told about each picture that could not be made (`image: reason`); the page shows its regions on grey. */
  onPictureProblem?: (image: string, reason: string) => void;
}

export interface ReportFiles {
  dir: string;
  index: string;
  errors: string;
  /** Lines written to errors.jsonl. */
  errorLines: number;
  pictures: number;
  picturesMissing: number;
  /** Bytes of index.html, of errors.jsonl, of the pictures. */
  bytes: { index: number; errors: number; pictures: number };
}

const PICTURE_DIR = 'images';
/** The pictures this writer names; only these are ever removed from DIR/images. */
const PICTURE_NAME = /^\d{5,}\.jpg$/;
const PARTIAL = '.partial';

/** Writes to a stream, waiting when its buffer is full (memory stays flat however much is written). */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

export class ReportWriter {
  private readonly pictures: Array<[number, number] | 0> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private errorCount = 0;
  private missing = 0;
  private pictureBytes = 0;

  private constructor(
    readonly dir: string,
    /** Whether this writer made DIR (an aborted run then removes it when empty). */
    private readonly madeDir: boolean,
    private readonly options: Required<Omit<ReportOptions, 'onPictureProblem'>> & Pick<ReportOptions, 'onPictureProblem'>,
    private readonly page: WriteStream,
    private readonly errors: WriteStream,
  ) {}

  /** Creates DIR (an error names the option `option` when it cannot be) and starts the files. */
  static async open(dir: string, options: ReportOptions, option = 'report'): Promise<ReportWriter> {
    const madeDir = !isDir(dir);
    makeOutputDir(dir, option);
    const settings = { ...REPORT_DEFAULTS, ...options };
    const partialPictures = path.join(dir, PICTURE_DIR + PARTIAL);
    rmSync(partialPictures, { recursive: true, force: true }); // a stopped run's, never the user's
    if (settings.maxSidePx > 0) makeOutputDir(partialPictures, option);
    const page = createWriteStream(path.join(dir, `index.html${PARTIAL}`));
    const errors = createWriteStream(path.join(dir, `errors.jsonl${PARTIAL}`));
    const writer = new ReportWriter(dir, madeDir, settings, page, errors);
    await write(page, pageStart(options.runs.map((r) => r.name).join(' vs ')));
    return writer;
  }

  /** Writes one scored image's errors and record, and starts its picture. */
  async add(image: ScoredImage): Promise<void> {
    const lines = errorLines(image, this.options.runs.map((r) => r.name));
    this.errorCount += lines.length;
    if (lines.length > 0) await write(this.errors, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await write(this.page, pageRecord(imageRecord(image)));
    this.pictures[image.slot] = 0;
    if (this.options.maxSidePx <= 0) return;
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    const job = this.picture(image.slot, image.path, image.image).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  private async picture(slot: number, source: string, name: string): Promise<void> {
    try {
      const thumbnail = await makeThumbnail(source, { maxSidePx: this.options.maxSidePx, jpegQuality: this.options.jpegQuality });
      await writeFile(path.join(this.dir, PICTURE_DIR + PARTIAL, `${String(slot).padStart(5, '0')}.jpg`), thumbnail.data);
      this.pictureBytes += thumbnail.data.length;
      this.pictures[slot] = [thumbnail.size.width, thumbnail.size.height];
    } catch (error) {
      this.missing++;
      const reason = error instanceof OcrdetError ? error.message : (error as Error).message;
      this.options.onPictureProblem?.(name, reason);
    }
  }

  /** Waits for the pictures, writes the summary and renames the page into place. */
  async finish(report: CompareReport): Promise<ReportFiles> {
    await Promise.all(this.inFlight);
    const summary = pageSummary(report, {
      title: this.options.runs.map((r) => r.name).join(' vs '),
      created: new Date().toISOString().slice(0, 16).replace('T', ' '),
      gt: this.options.gt,
      runs: this.options.runs,
      pictures: Array.from({ length: report.images }, (_, slot) => this.pictures[slot] ?? 0),
      pictureDir: this.options.maxSidePx > 0 ? PICTURE_DIR : '',
    });
    await write(this.page, pageEnd(summary));
    await Promise.all([close(this.page), close(this.errors)]);
    this.movePictures();
    const index = path.join(this.dir, 'index.html');
    const errors = path.join(this.dir, 'errors.jsonl');
    renameSync(index + PARTIAL, index);
    renameSync(errors + PARTIAL, errors);
    return {
      dir: this.dir,
      index,
      errors,
      errorLines: this.errorCount,
      pictures: this.pictures.filter((p) => p !== 0).length,
      picturesMissing: this.missing,
      bytes: { index: statSync(index).size, errors: statSync(errors).size, pictures: this.pictureBytes },
    };
  }

  /** Replaces an earlier report's pictures (only files named as this writer names them) with this run's. */
  private movePictures(): void {
    const pictures = path.join(this.dir, PICTURE_DIR);
    const partial = pictures + PARTIAL;
    for (const name of statSync(pictures, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(pictures) : []) {
      if (PICTURE_NAME.test(name)) rmSync(path.join(pictures, name), { force: true });
    }
    if (!statSync(partial, { throwIfNoEntry: false })?.isDirectory()) return;
    makeOutputDir(pictures);
    for (const name of readdirSync(partial)) renameSync(path.join(partial, name), path.join(pictures, name));
    rmSync(partial, { recursive: true, force: true });
  }

  /** Stops after a failure: closes the files and removes what this run wrote; an earlier report stays whole. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await Promise.allSettled([close(this.page), close(this.errors)]);
    for (const name of [`index.html${PARTIAL}`, `errors.jsonl${PARTIAL}`, PICTURE_DIR + PARTIAL]) {
      rmSync(path.join(this.dir, name), { recursive: true, force: true });
    }
    if (this.madeDir && readdirSync(this.dir).length === 0) rmSync(this.dir, { recursive: true, force: true });
  }
}
