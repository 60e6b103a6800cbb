/**
 * The one way a Detection records an image that could not be processed: no regions, the sizes when they are
 * known (0 otherwise), and `error` as `{ code, message }` — the error as data, never a string to parse back.
 */
import { toOcrdetError } from '../core/errors.js';
import type { Detection } from '../core/types.js';

export interface FailedImage {
  /** `Detection.image`: the path or name of the input. */
  image: string;
  backend: string;
  model: string;
  timings: Record<string, number>;
  /** The image's size when it was decoded before the failure (vlm: a server that gave up); 0 when unknown. */
  width?: number;
  height?: number;
}

/** A Detection for `failed` with `error` from what was thrown (anything not an OcrdetError is OCRDET_INTERNAL). */
export function failedDetection(failed: FailedImage, error: unknown): Detection {
  const { code, message } = toOcrdetError(error);
  return {
    image: failed.image,
    width: failed.width ?? 0,
    height: failed.height ?? 0,
    regions: [],
    backend: failed.backend,
    model: failed.model,
    timings: failed.timings,
    error: { code, message },
  };
}
