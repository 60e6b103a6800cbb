/**
 * The embedded PP-OCRv4 detector: decode → det (resize, normalise, run, DB post-processing) →
 * [direction classifier] → recognition → regions in reading order, in original-image pixels.
 *
 * Region fields: `points` (quad clockwise from the top-left) and `box` from DB post-processing, `score` =
 * the det box score (mean text probability inside the box, 0..1); with text on, `text` and `textScore`
 * (the recogniser's mean per-character probability, 0..1).
 */
import { readFile } from 'node:fs/promises';
import { InterruptedError, ModelError, OcrdetError, UsageError } from '../../core/errors.js';
import { blockBox, groupBlocks } from '../../core/blocks.js';
import { makeRegion, sortReadingOrder, turnPoints } from '../../core/geometry.js';
import { parseOptions } from '../../core/options.js';
import type { Detection, Orientation, Region } from '../../core/types.js';
import { describeInput, nameInput } from '../../image/sharp.js';
import { IMAGENET_NORMALIZE, detImageFromRgb, loadDetImage, rgbToChw, turnRgb, type DetImage } from '../../image/tensor.js';
import { failedDetection } from '../failed.js';
import type { DetectCallOptions, Detector } from '../types.js';
import { ppocrBackend } from './backend.js';
import { planCrop } from './crop.js';
import { charsetFromDictionary, type CtcCharset } from './ctc.js';
import { boxesFromProbabilityMap, type DbBox } from './db-postprocess.js';
import { modelIdentity, resolveModelFiles, type ModelFiles } from './models.js';
import { ppocrOptionsSchema, type PpocrOptions, type ResolvedPpocrOptions } from './options.js';
import { findOrientation } from './orientation.js';
import { classifyDirections, recognizeCrops } from './recognize.js';
import { SessionHandle } from './session.js';

/** Validates options (UsageError naming each bad one), resolves model files (ModelError), loads nothing yet. */
export async function createPpocrDetector(options: PpocrOptions = {}): Promise<PpocrDetector> {
  const resolved = parseOptions(ppocrOptionsSchema, options, 'ppocr');
  // Orientation needs the direction classifier even when lines are not classified one by one.
  const files = await resolveModelFiles({ ...resolved, cls: resolved.cls || orientationOn(resolved) });
  return new PpocrDetector(resolved, files);
}

export class PpocrDetector implements Detector {
  readonly backend = ppocrBackend.name;
  readonly model: string;
  private readonly det: SessionHandle;
  private readonly rec?: SessionHandle;
  private readonly cls?: SessionHandle;
  private charset?: Promise<CtcCharset>;
  private closed = false;

  constructor(
    readonly options: ResolvedPpocrOptions,
    readonly files: ModelFiles,
  ) {
    const settings = { intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads, threadSpinning: options.threadSpinning };
    this.model = modelIdentity(files);
    this.det = new SessionHandle(files.det, 'det', settings);
    if (options.text && files.rec) this.rec = new SessionHandle(files.rec, 'rec', settings);
    if (files.cls && ((options.text && options.cls) || orientationOn(options))) this.cls = new SessionHandle(files.cls, 'cls', settings);
  }

  /** Whether pages are checked for being turned (needs the classifier). */
  private get orienting(): boolean {
    return orientationOn(this.options) && this.cls !== undefined;
  }

  /** Loads the sessions now instead of on the first image (start-up cost paid up front). */
  async warmUp(): Promise<void> {
    await Promise.all([this.det.get(), this.rec?.get(), this.cls?.get(), this.loadCharset()]);
  }

  async detect(input: string | Buffer, call: DetectCallOptions = {}): Promise<Detection> {
    if (this.closed) throw new UsageError('ppocr detector: detect() called after close()');
    const started = performance.now();
    nameInput(input, call.name);
    const name = call.name ?? (typeof input === 'string' ? input : describeInput(input));
    const timings: Record<string, number> = {};
    const lap = (key: string, since: number) => {
      timings[key] = round2(performance.now() - since);
      return performance.now();
    };
    this.prefetchRecognition();
    let image: DetImage;
    try {
      call.signal?.throwIfAborted();
      image = await loadDetImage(input, { ...this.options, keepFull: this.rec !== undefined || this.orienting });
    } catch (error) {
      if (isAbort(error, call.signal)) throw new InterruptedError(`${name}: detection aborted`, { cause: error });
      if (error instanceof OcrdetError && (error.code === 'OCRDET_BAD_IMAGE' || error.code === 'OCRDET_NOT_FOUND')) {
        return failedDetection({ image: name, backend: this.backend, model: this.model, timings: { total: round2(performance.now() - started) } }, error);
      }
      throw error;
    }
    try {
      let t = lap('decode', started);
      const given = image.original;
      let boxes = await this.detectBoxes(image);
      t = lap('det', t);
      let orientation: Orientation | undefined;
      if (this.orienting && image.full) {
        ({ image, boxes, orientation } = await this.uprightView(image, boxes));
        t = lap('orientation', t);
      }
      let regions = await this.recognize(image, boxes, call.signal, timings);
      const blocks = groupBlocks(regions);
      if (orientation) {
        // Found and read on the upright view; reported in the pixels of the image as given.
        const upright = image.original;
        regions = regions.map(({ points, box: _box, ...rest }) => makeRegion(turnPoints(points, orientation, upright), rest));
        for (const block of blocks) block.box = blockBox(block.lines.map((i) => regions[i].points));
      }
      timings.total = round2(performance.now() - started);
      const turned = orientation === undefined ? {} : { orientation };
      return { image: name, width: given.width, height: given.height, ...turned, regions, blocks, backend: this.backend, model: this.model, timings };
    } catch (error) {
      if (isAbort(error, call.signal)) throw new InterruptedError(`${name}: detection aborted`, { cause: error });
      throw error;
    }
  }

  /**
   * Finds how the image is turned (./orientation.ts) and, when it is, turns it upright and detects again:
   * the det model and the reading order then see lines as they were printed.
   */
  private async uprightView(image: DetImage, boxes: DbBox[]): Promise<{ image: DetImage; boxes: DbBox[]; orientation: Orientation }> {
    const [cls, rec, charset] = await Promise.all([this.cls!.get(), this.rec?.get(), this.loadCharset()]);
    const { orientation } = await findOrientation(image.full!, boxes, { cls, rec, charset });
    if (orientation === 0) return { image, boxes, orientation };
    const upright = await detImageFromRgb(await turnRgb(image.full!, ((360 - orientation) % 360) as 90 | 180 | 270), this.options);
    return { image: upright, boxes: await this.detectBoxes(upright), orientation };
  }

  /**
   * On the first image, starts loading the cls/rec sessions and the dictionary while the image decodes and
   * the det model runs (start-up to the first result). Failures are not lost: they surface when awaited.
   */
  private prefetchRecognition(): void {
    if (!this.rec || this.rec.loaded) return;
    for (const pending of [this.rec.get(), this.cls?.get(), this.loadCharset()]) pending?.catch(() => undefined);
  }

  /** Det stage: normalised tensor → probability map → DB boxes in original pixels. */
  private async detectBoxes(image: DetImage): Promise<DbBox[]> {
    const { resized, original } = image;
    const det = await this.det.get();
    const tensor = rgbToChw(resized, IMAGENET_NORMALIZE);
    const output = await det.run(tensor, [1, 3, resized.height, resized.width]);
    const [, channels, mapHeight, mapWidth] = output.dims;
    if (output.dims.length !== 4 || channels < 1 || mapHeight !== resized.height || mapWidth !== resized.width) {
      throw new ModelError(`det model: output [${output.dims.join(', ')}] is not a 1×1×H×W probability map of the ${resized.width}×${resized.height} input`);
    }
    const map = { data: output.data.subarray(0, mapWidth * mapHeight), width: mapWidth, height: mapHeight };
    return boxesFromProbabilityMap(map, original, this.options);
  }

  /** Cls + rec stages (when on) and the regions in reading order. */
  private async recognize(image: DetImage, boxes: DbBox[], signal: AbortSignal | undefined, timings: Record<string, number>): Promise<Region[]> {
    const regions = boxes.map((box) => makeRegion(box.points, { score: round4(box.score) }));
    if (!this.rec || !image.full || boxes.length === 0) {
      if (this.rec) timings.rec = 0;
      return sortReadingOrder(regions);
    }
    let plans = boxes.map((box) => planCrop(box.points));
    // PaddleOCR's per-line 180° classifier (use_angle_cls), only when asked: orientation loads the model too.
    if (this.cls && this.options.cls) {
      const t = performance.now();
      const cls = await this.cls.get();
      plans = (await classifyDirections(image.full, plans, cls, { ...this.options, signal })).plans;
      timings.cls = round2(performance.now() - t);
    }
    const t = performance.now();
    const [rec, charset] = await Promise.all([this.rec.get(), this.loadCharset()]);
    if (!charset) throw new ModelError('ppocr detector: text recognition is on but no dictionary was resolved');
    const texts = await recognizeCrops(image.full, plans, rec, charset, { ...this.options, signal });
    regions.forEach((region, i) => {
      region.text = texts[i].text;
      region.textScore = round4(texts[i].confidence);
    });
    timings.rec = round2(performance.now() - t);
    // PaddleOCR's drop_score: a region whose text the recogniser is unsure of is most often no text at all.
    return sortReadingOrder(regions.filter((_, i) => texts[i].confidence >= this.options.minTextScore));
  }

  private loadCharset(): Promise<CtcCharset> | undefined {
    const file = this.files.dictionary;
    if (!this.rec || !file) return undefined;
    this.charset ??= readFile(file, 'utf8').then(
      (text) => charsetFromDictionary(text, this.options.useSpaceChar),
      (error: unknown) => {
        this.charset = undefined;
        throw new ModelError(`dictionary ${file} cannot be read (${(error as Error).message})`, { cause: error });
      },
    );
    return this.charset;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.det.release(), this.rec?.release(), this.cls?.release()]);
  }
}

/** Whether pages are checked for being turned: asked for, or by default with text on (see DEFAULTS.orientation). */
function orientationOn(options: Pick<ResolvedPpocrOptions, 'orientation' | 'text'>): boolean {
  return (options.orientation ?? (options.text ? 'auto' : 'off')) === 'auto';
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) && (error === signal?.reason || (error instanceof Error && error.name === 'AbortError'));
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
