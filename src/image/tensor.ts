/**
 * Images → model input tensors. The det input is decoded, oriented and resized in one libvips pipeline
 * (JPEG shrink-on-load included) and normalised into a CHW float32 array with per-channel lookup tables.
 *
 * Sizing follows PaddleOCR's `DetResizeForTest.resize_image_type0` (PaddlePaddle/PaddleOCR
 * ppocr/data/imaug/operators.py): scale so the limited side meets `limitSideLen`, truncate, then round each
 * side to the nearest multiple of 32 (at least 32); normalisation follows its `NormalizeImage` + `ToCHWImage`.
 */
import type { ImageSize } from '../core/types.js';
import { decodeImage, type RgbImage } from './decode.js';
import { checkInputFile, explainSharpError, openImage, sharp } from './sharp.js';

export type LimitType = 'max' | 'min' | 'resize_long';

/** The det input size for an image: PaddleOCR's DetResizeForTest (type 0) arithmetic. */
export function detInputSize(size: ImageSize, limitSideLen: number, limitType: LimitType): ImageSize {
  const { width: w, height: h } = size;
  let ratio = 1;
  if (limitType === 'max') {
    if (Math.max(h, w) > limitSideLen) ratio = limitSideLen / Math.max(h, w);
  } else if (limitType === 'min') {
    if (Math.min(h, w) < limitSideLen) ratio = limitSideLen / Math.min(h, w);
  } else {
    ratio = limitSideLen / Math.max(h, w);
  }
  // Python's round() rounds halves to even; at exact halves (x.5 × 32) that picks the even multiple.
  const toMultipleOf32 = (v: number) => Math.max(32, roundHalfEven(Math.trunc(v * ratio) / 32) * 32);
  return { width: toMultipleOf32(w), height: toMultipleOf32(h) };
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface DetImage {
  /** Size of the oriented original image. */
  original: ImageSize;
  /** The image resized to the det input size, packed RGB. */
  resized: RgbImage;
  /** The full-resolution oriented image, packed RGB (only when asked for: recognition crops from it). */
  full?: RgbImage;
}

export interface LoadDetImageOptions {
  limitSideLen: number;
  limitType: LimitType;
  maxPixels: number;
  /** Keep the full-resolution RGB image too (decoded once, then resized from memory). */
  keepFull: boolean;
  /** libvips resampling kernel for the resize. Default 'linear' (PaddleOCR resizes with cv2 INTER_LINEAR). */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
}

/**
 * Decodes an image and resizes it to the det input size. Throws BadImageError / NotFoundError with the
 * reason (empty, truncated, not an image, over the pixel limit, missing).
 */
export async function loadDetImage(input: string | Buffer, options: LoadDetImageOptions): Promise<DetImage> {
  await checkInputFile(input);
  const kernel = options.kernel ?? 'linear';
  try {
    if (options.keepFull) {
      const full = await decodeImage(input, { maxPixels: options.maxPixels });
      const target = detInputSize(full, options.limitSideLen, options.limitType);
      const resized = await resizeRaw(full, target, kernel);
      return { original: { width: full.width, height: full.height }, resized, full };
    }
    const pipeline = openImage(input, { maxPixels: options.maxPixels });
    const original = orientedSize(await pipeline.metadata());
    const target = detInputSize(original, options.limitSideLen, options.limitType);
    const { data, info } = await pipeline
      .resize(target.width, target.height, { fit: 'fill', kernel })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { original, resized: { data, width: info.width, height: info.height } };
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('OCRDET_')) throw error;
    throw explainSharpError(input, error);
  }
}

/** Oriented size from a pipeline opened with `pages: 1` (sharp ≥ 0.34 reports it as `autoOrient`). */
function orientedSize(meta: { width?: number; height?: number; autoOrient?: ImageSize }): ImageSize {
  const size = meta.autoOrient ?? { width: meta.width ?? 0, height: meta.height ?? 0 };
  if (!size.width || !size.height) throw new Error('image header has no size');
  return { width: size.width, height: size.height };
}

/** A decoded image as the det stage takes it (resized to the det input size), the full image kept. */
export async function detImageFromRgb(full: RgbImage, options: Pick<LoadDetImageOptions, 'limitSideLen' | 'limitType' | 'kernel'>): Promise<DetImage> {
  const target = detInputSize(full, options.limitSideLen, options.limitType);
  const resized = await resizeRaw(full, target, options.kernel ?? 'linear');
  return { original: { width: full.width, height: full.height }, resized, full };
}

/** A decoded image turned by 90, 180 or 270 degrees clockwise (libvips, exact: no resampling). */
export async function turnRgb(image: RgbImage, degreesClockwise: 90 | 180 | 270): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .rotate(degreesClockwise)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function resizeRaw(image: RgbImage, target: ImageSize, kernel: NonNullable<LoadDetImageOptions['kernel']>): Promise<RgbImage> {
  if (image.width === target.width && image.height === target.height) return image;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(target.width, target.height, { fit: 'fill', kernel })
    .raw()
    .toBuffer();
  return { data, width: target.width, height: target.height };
}

export interface NormalizeOptions {
  /** Per-channel mean of values scaled to 0..1, in the order of `channelOrder`. */
  mean: readonly [number, number, number];
  /** Per-channel standard deviation, same order. */
  std: readonly [number, number, number];
  /**
   * Channel order of the tensor. PaddleOCR models are trained on OpenCV's BGR images ('bgr'); the
   * mean/std are applied in that order.
   */
  channelOrder: 'rgb' | 'bgr';
}

/** ImageNet mean/std, as PaddleOCR's det pre-processing applies them (to B, G, R in that order). */
export const IMAGENET_NORMALIZE: NormalizeOptions = Object.freeze({
  mean: [0.485, 0.456, 0.406] as const,
  std: [0.229, 0.224, 0.225] as const,
  channelOrder: 'bgr' as const,
});

/** Packed RGB bytes → CHW float32 `(v / 255 − mean) / std`, channels in `channelOrder`. One pass, table lookups. */
export function rgbToChw(image: RgbImage | { data: Uint8Array; width: number; height: number }, options: NormalizeOptions): Float32Array {
  const { data, width, height } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const tables = [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - options.mean[c]) / options.std[c];
    return table;
  });
  // Tensor channel c reads source byte `sources[c]` of each pixel (0 = R, 2 = B).
  const [s0, s1, s2] = options.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const [t0, t1, t2] = tables;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = t0[data[j + s0]];
    out[i + plane] = t1[data[j + s1]];
    out[i + 2 * plane] = t2[data[j + s2]];
  }
  return out;
}
