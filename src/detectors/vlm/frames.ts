/**
 * The image side of a request: read the image's size, plan its frames (./plan.ts), and encode each frame
 * at exactly its planned size as a `data:` URL. All pixel work goes through src/image (the one door to sharp).
 */
import { BadImageError } from '../../core/errors.js';
import type { ImageSize } from '../../core/types.js';
import { decodeImage } from '../../image/decode.js';
import { encodeLoaded, encodeRegion, loadForEncoding, toDataUrl, type EncodedFormat, type EncodeOptions, type EncodedImage } from '../../image/encode.js';
import { describeInput } from '../../image/sharp.js';
import type { ResolvedVlmOptions } from './options.js';
import { pixelBudget } from '../../grounding/image-rules.js';
import { parseTileSpec, planFrames, type Frame, type SendBudget } from './plan.js';

export interface PreparedFrame extends Frame {
  dataUrl: string;
  /** Bytes of the encoded image (before base64). */
  bytes: number;
}

export interface PreparedImage {
  /** The oriented original's size. */
  size: ImageSize;
  frames: PreparedFrame[];
}

/** PNG stays lossless for PNG inputs (screenshots, rendered pages) unless the image sent is large. */
const PNG_MAX_PIXELS = 4_000_000;

export function chooseFormat(setting: ResolvedVlmOptions['imageFormat'], sourceFormat: string, sentPixels: number): EncodedFormat {
  if (setting !== 'auto') return setting;
  return sourceFormat === 'png' && sentPixels <= PNG_MAX_PIXELS ? 'png' : 'jpeg';
}

function checkSize(encoded: EncodedImage, frame: Frame, input: string | Buffer): void {
  // The mapping of coordinates relies on this size; a mismatch is a bug, not a bad image.
  if (encoded.size.width !== frame.sent.width || encoded.size.height !== frame.sent.height) {
    throw new Error(`${describeInput(input)}: encoded ${encoded.size.width}×${encoded.size.height}, planned ${frame.sent.width}×${frame.sent.height}`);
  }
}

/**
 * Plans and encodes the frames of one image. Throws BadImageError / NotFoundError for unreadable inputs,
 * and BadImageError when an explicit tile size would cut the image into too many tiles.
 */
export async function prepareImage(input: string | Buffer, options: ResolvedVlmOptions, budget: SendBudget): Promise<PreparedImage> {
  const image = await loadForEncoding(input, { maxPixels: options.maxPixels });
  const size = image.size;
  let frames: Frame[];
  try {
    const tileOptions = {
      maxPixels: budget.maxPixels ?? pixelBudget(budget.rule),
      ...(budget.maxSidePx ? { maxSidePx: budget.maxSidePx } : {}),
      overlap: options.tileOverlap,
      maxTiles: options.maxTiles,
      overview: options.tileOverview,
    };
    frames = planFrames(size, parseTileSpec(options.tile), tileOptions, budget);
  } catch (error) {
    throw new BadImageError(`${describeInput(input)}: ${(error as Error).message}`, { cause: error });
  }
  const largest = Math.max(...frames.map((f) => f.sent.width * f.sent.height));
  const encodeOptions = (frame: Frame): EncodeOptions => ({
    size: frame.sent,
    format: chooseFormat(options.imageFormat, image.format, largest),
    jpegQuality: options.jpegQuality,
    maxPixels: options.maxPixels,
  });
  const encoded: EncodedImage[] = [];
  if (frames.length === 1 && frames[0].kind === 'full') {
    encoded.push(await encodeLoaded(image, encodeOptions(frames[0])));
  } else {
    // Decoded once for all tiles; dropped as soon as they are encoded.
    const rgb = await decodeImage(input, { maxPixels: options.maxPixels });
    for (const frame of frames) encoded.push(await encodeRegion(rgb, frame.rect, encodeOptions(frame)));
  }
  return {
    size,
    frames: frames.map((frame, i) => {
      checkSize(encoded[i], frame, input);
      return { ...frame, dataUrl: toDataUrl(encoded[i]), bytes: encoded[i].data.length };
    }),
  };
}
