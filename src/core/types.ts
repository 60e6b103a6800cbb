/**
 * The small vocabulary every part of ocrdet speaks: points, boxes, regions, samples and detections.
 *
 * Coordinates are always pixels of the ORIGINAL image after EXIF orientation, i.e. the image as a
 * person sees it. Normalised coordinates (0–1000, bins, y-first, model input pixels) exist only inside
 * a grounding dialect, at the edge.
 */
import type { ErrorPayload } from './errors.js';

/** A point in original-image pixels. */
export type Point = [x: number, y: number];

/** Axis-aligned box in original-image pixels: left, top, right, bottom (x1 ≤ x2, y1 ≤ y2). */
export type Box = [x1: number, y1: number, x2: number, y2: number];

/** Width and height in pixels (after EXIF orientation). */
export interface ImageSize {
  width: number;
  height: number;
}

/** One text line, word or object. */
export interface Region {
  /** Polygon, clockwise from the top-left point; 4 points for a quadrilateral. */
  points: Point[];
  /** Axis-aligned bounds of `points`. */
  box: Box;
  /** Transcription or label, when known. */
  text?: string;
  /** Detector confidence, 0..1. */
  score?: number;
  /** Recogniser confidence in `text`, 0..1, when a recogniser produced it (ppocr: mean per-character probability). */
  textScore?: number;
  /** Ground truth only: a "don't care" region ('###' or difficult). */
  ignore?: boolean;
}

/** One annotated (or detected) image. `width`/`height` are 0 when unknown (annotation-only datasets). */
export interface Sample {
  image: string;
  width: number;
  height: number;
  regions: Region[];
  /** Subset the image belongs to (a dataset's sub-folder, or a `source` field), for per-subset scores. */
  source?: string;
}

/** Why a detector could not process an image: a code of the error table (./errors.ts) and its one-line message. */
export type DetectionError = Pick<ErrorPayload, 'code' | 'message'>;

/** How far a page or photo is turned: its text is turned this many degrees clockwise from upright. */
export type Orientation = 0 | 90 | 180 | 270;

/** A block of lines read together (a paragraph, a column's run of text, a vertical CJK column group). */
export interface Block {
  /** Axis-aligned bounds of its lines' points. */
  box: Box;
  /** Indices into `regions` of its lines, in reading order. */
  lines: number[];
}

/** What a detector returns for one image (or one page of a document). */
export interface Detection extends Sample {
  /** 1-based page of a PDF or multi-page TIFF (`image` is then the document's path); absent for an image. */
  page?: number;
  /** Resolution a PDF page was rendered at; coordinates are pixels of that rendering. */
  dpi?: number;
  /**
   * How the page or photo was turned, when orientation was detected: regions were found and read on the
   * upright view, then mapped back to the pixels of the image as given.
   */
  orientation?: Orientation;
  /** Lines grouped into blocks, in reading order (regions keep their own order). */
  blocks?: Block[];
  backend: string;
  model: string;
  /** Milliseconds per stage: decode, det, rec, total (embedded); encode, request, parse (vlm). */
  timings: Record<string, number>;
  warnings?: string[];
  /** Set when the image could not be processed; `regions` is then empty. */
  error?: DetectionError;
}
