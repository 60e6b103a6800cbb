/**
 * The record every grounding dialect exports.
 *
 * A dialect is the edge where ocrdet's regions (always pixels of the original image) meet one model
 * family's answer syntax and coordinate convention: `format` writes the exact answer a model is trained to
 * emit, `parse` reads what a model emitted back into regions and never throws.
 */
import type { Named } from '../core/registry.js';
import type { ImageSize, Region } from '../core/types.js';
import type { CoordinateGrid } from './grids.js';
import type { ImageRule } from './image-rules.js';

export type { CoordinateGrid } from './grids.js';

/** What the answer lists: transcribed text lines, labelled objects, or text boxes without transcription. */
export type GroundingTask = 'text' | 'objects' | 'boxes';

/** Default detection prompts, one per task (the user turn that asks for the answer `format` writes). */
export interface DialectPrompts {
  readonly text: string;
  readonly objects: string;
  /** Prompt for regions without transcription; the text prompt is used when absent. */
  readonly boxes?: string;
}

export interface FormatOptions {
  /** Default 'text'. 'boxes' labels every region `boxLabel`; Florence-2 switches syntax per task. */
  task?: GroundingTask;
  /** Label for regions without text, and for every region in the 'boxes' task. Default 'text'. */
  boxLabel?: string;
  /** Qwen2.5-VL: the model's input size (e.g. the server's reported size); computed with smart_resize when absent. */
  inputSize?: ImageSize;
  /** Qwen2.5-VL smart_resize bounds, in pixels (qwen-vl-utils defaults: 3,136 and 12,845,056). */
  minPixels?: number;
  maxPixels?: number;
  /** Qwen2.5-VL / Qwen3-VL: 'json' (the models' own bbox_2d answers, default) or 'legacy' (ms-swift's <|box_start|> tokens). */
  style?: 'json' | 'legacy';
}

export interface ParseOptions {
  /** Florence-2 needs it to tell an OCR quad (8 locations) from two boxes of one label (OD). Default 'text'. */
  task?: GroundingTask;
  inputSize?: ImageSize;
  minPixels?: number;
  maxPixels?: number;
  /**
   * The value that stands for the full width/height, when the model was trained on another scale than the
   * dialect's (e.g. 999 for data written by ms-swift 2.x, which truncated into 0–999).
   */
  coordinateScale?: number;
  /** Two regions with the same text whose boxes overlap at least this much (IoU) are one. Default 0.9. */
  duplicateIoU?: number;
}

export interface ParseResult {
  /** Recovered regions in original-image pixels, in the answer's order, duplicates removed. */
  regions: Region[];
  /** One line per problem: what was dropped or repaired, and where (`box 12: …`). */
  warnings: string[];
}

export interface GroundingDialect extends Named {
  /** One line: model family, syntax, coordinates. */
  readonly description: string;
  readonly prompts: DialectPrompts;
  readonly grid: CoordinateGrid;
  /**
   * How the model family the dialect is named after sees an image (image-rules.ts): its resize or tiling rule
   * at the settings ms-swift trains it with. A data record may carry other settings for the same rule.
   */
  readonly image: ImageRule;
  /** Whether the answer can hold quadrilaterals (Florence-2); otherwise quads become their bounds. */
  readonly keepsQuads: boolean;
  /**
   * The exact answer the model is trained to emit for these regions of an image of `size` pixels:
   * don't-care regions left out (and regions with no width or height inside the image), the rest in reading
   * order, numbers rounded and clamped as the model's own pipeline does. Throws UsageError only for an
   * unusable image size.
   */
  format(regions: readonly Region[], size: ImageSize, options?: FormatOptions): string;
  /** Regions recovered from a model's answer, in original-image pixels; never throws. */
  parse(answer: string, size: ImageSize, options?: ParseOptions): ParseResult;
  /** The size the model actually sees (Qwen2.5-VL's smart_resize); absent when coordinates are relative. */
  inputSize?(size: ImageSize, options?: Pick<FormatOptions, 'inputSize' | 'minPixels' | 'maxPixels'>): ImageSize;
}
