/**
 * The det model alone, for other backends: an image → the det model's text probability map (where the text
 * pixels are) and the DB quads found in it, in the original image's pixels. The `vlm` backend uses it to snap
 * a model's axis-aligned boxes to the text's own quadrilaterals and to score its answers against an embedded
 * detection (src/detectors/vlm/snap.ts, agreement.ts): one det pass per image, no recognition.
 *
 *   textMap(image) = decode + resize (image/tensor.ts) → det session (./session.ts, the one door to
 *   onnxruntime) → probability map → DB post-processing (./db-postprocess.ts).
 *
 * Loads nothing until the first image: onnxruntime-node is imported by the session on first use.
 */
import { ModelError, UsageError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { ImageSize } from '../../core/types.js';
import { IMAGENET_NORMALIZE, loadDetImage, rgbToChw } from '../../image/tensor.js';
import type { RgbImage } from '../../image/decode.js';
import { boxesFromProbabilityMap, type DbBox, type ProbabilityMap } from './db-postprocess.js';
import { modelIdentity, resolveModelFiles } from './models.js';
import { ppocrOptionsSchema, type PpocrOptions, type ResolvedPpocrOptions } from './options.js';
import { SessionHandle, type ModelSession } from './session.js';

/** What one det pass over an image gives. */
export interface TextMap {
  /** Size of the oriented original image: `boxes` are in its pixels; `map` covers it whole, at its own resolution. */
  original: ImageSize;
  /** The det model's text probability per pixel of its input (the image resized to the det input size). */
  map: ProbabilityMap;
  /** The DB quads of the map, in original pixels, with their box scores (what `ocrdet detect --no-text` finds). */
  boxes: DbBox[];
  /** Milliseconds: decode (+ resize), det (model + DB post-processing). */
  timings: { decode: number; det: number };
}

/**
 * Runs the det model on an image already resized to its input size: the 1×1×H×W probability map. Throws
 * ModelError when the model's output is not that.
 */
export async function runDetModel(det: ModelSession, resized: RgbImage): Promise<ProbabilityMap> {
  const tensor = rgbToChw(resized, IMAGENET_NORMALIZE);
  const output = await det.run(tensor, [1, 3, resized.height, resized.width]);
  const [, channels, mapHeight, mapWidth] = output.dims;
  if (output.dims.length !== 4 || channels < 1 || mapHeight !== resized.height || mapWidth !== resized.width) {
    throw new ModelError(`det model: output [${output.dims.join(', ')}] is not a 1×1×H×W probability map of the ${resized.width}×${resized.height} input`);
  }
  return { data: output.data.subarray(0, mapWidth * mapHeight), width: mapWidth, height: mapHeight };
}

/** The det model of the ppocr backend on its own (see the module comment). */
export class TextMapper {
  readonly model: string;
  private readonly det: SessionHandle;
  private closed = false;

  constructor(readonly options: ResolvedPpocrOptions, detFile: string) {
    this.model = modelIdentity({ det: detFile });
    this.det = new SessionHandle(detFile, 'det', { intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads, threadSpinning: options.threadSpinning });
  }

  /**
   * One det pass over `input` (a path or the image's bytes). Throws BadImageError / NotFoundError for an image
   * that cannot be read, ModelError for a model that cannot run.
   */
  async textMap(input: string | Buffer): Promise<TextMap> {
    if (this.closed) throw new UsageError('text mapper: textMap() called after close()');
    const started = performance.now();
    const image = await loadDetImage(input, { ...this.options, keepFull: false });
    const decoded = performance.now();
    const map = await runDetModel(await this.det.get(), image.resized);
    const boxes = boxesFromProbabilityMap(map, image.original, this.options);
    const round2 = (ms: number) => Math.round(ms * 100) / 100;
    return { original: image.original, map, boxes, timings: { decode: round2(decoded - started), det: round2(performance.now() - decoded) } };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.det.release();
  }
}

/**
 * A det-only mapper with the ppocr backend's options (its defaults: the bundled PP-OCRv4 det model, PaddleOCR's
 * DB settings). Validates options (UsageError) and resolves the model file (ModelError); loads nothing yet.
 */
export async function createTextMapper(options: PpocrOptions = {}): Promise<TextMapper> {
  const resolved = parseOptions(ppocrOptionsSchema, { ...options, text: false, cls: false }, 'ppocr');
  const files = await resolveModelFiles(resolved);
  return new TextMapper(resolved, files.det);
}
