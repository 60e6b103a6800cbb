/**
 * An output format: pure functions from Detections to text. A document is `begin` + one `page` per
 * Detection (an image, or a page of a PDF) + `end`, so a batch can write each page as it finishes.
 */
import type { Detection } from '../core/types.js';

export interface FormatContext {
  /** The software that made the output (hOCR `ocr-system`, ALTO `processingSoftware`). */
  software: { name: string; version: string };
  /** The files the Detections come from, when known up front (ALTO names one source image). */
  files?: readonly string[];
}

export interface OutputFormat {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly description: string;
  /** MIME type, for the HTTP API. */
  readonly mediaType: string;
  begin(context: FormatContext): string;
  /** One Detection; `index` is its 0-based place in the document. */
  page(detection: Detection, index: number): string;
  end(): string;
}
