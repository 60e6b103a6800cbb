/**
 * The small record every dataset format implements (one file per format under readers/), and what a
 * reader hands to the shared sample builder. A reader only parses its syntax; finding and probing images,
 * EXIF orientation, number checks, degenerate and out-of-image regions are done once, in sample-builder.ts.
 */
import type { Named } from '../core/registry.js';
import type { ImageSize, Sample } from '../core/types.js';
import type { DatasetProblem } from './problems.js';

export type DatasetFormat = 'voc-quad' | 'icdar2015' | 'ppocr' | 'labelme' | 'coco' | 'results';

export interface ReadDatasetOptions {
  /** The format; detected from the path when absent. */
  format?: DatasetFormat;
  /** Where the images are when not where the format says (the `images` option): looked up by relative path, then by name. */
  images?: string;
  /** Read each image's header for its size and EXIF orientation (no pixel decode). Default true. */
  probeImages?: boolean;
  /** Called once per problem; readers never throw on one bad file or record. */
  onProblem?: (problem: DatasetProblem) => void;
  /**
   * Yield only samples whose image file exists (and, when probing, has a readable header); each one left out is
   * reported as a problem and handed to `onSkippedSample`, for counting. Training data needs the files.
   */
  requireImages?: boolean;
  /** With requireImages: a sample left out for its image (already reported through onProblem). */
  onSkippedSample?: (sample: Sample) => void;
  /**
   * `results` (ocrdet's own Detection JSONL) only: a region whose detector `score` is under this is don't care
   * (readers/results.ts says why). Default RESULTS_DEFAULTS.minScore.
   */
  minScore?: number;
  /**
   * `results` only: a region whose recogniser `textScore` is under this is don't care; 0 when the task needs no
   * text (boxes, objects). Default RESULTS_DEFAULTS.minTextScore.
   */
  minTextScore?: number;
  /**
   * The largest annotation file read whole, in bytes (for ppocr: the longest line of Label.txt); a larger one
   * is a `bad-file` problem. Default: the format's (datasets/files.ts ANNOTATION_SIZE_LIMITS).
   */
  maxAnnotationBytes?: number;
}

/**
 * The frame a format's coordinates are written in. 'stored': pixels of the image as stored in the file
 * (the annotation tool ignored EXIF orientation); 'oriented': pixels of the image as displayed, after
 * EXIF orientation. Samples always come out in the oriented frame (src/core/types.ts: every Point is a pixel of
 * the original image after EXIF orientation).
 */
export type CoordinateFrame = 'stored' | 'oriented';

/** One region as a reader found it: points not yet checked (numbers or numeric strings, any count). */
export interface RawRegion {
  /** `[[x, y], …]`; anything else is reported as a bad record. */
  points: unknown;
  /** Set when the reader found no usable points: why (the region is reported and skipped). */
  problem?: string;
  text?: string;
  ignore?: boolean;
  /** Detector and recogniser confidences, kept on the region (results). */
  score?: number;
  textScore?: number;
  /** Where in the file, for problems: `object[3]`, `shapes[2]`. */
  element?: string;
  line?: number;
}

/** Where a sample's image may be. */
export interface ImageRef {
  /** The image path as the annotation writes it (relative, absolute, Windows-style), if it names one. */
  ref?: string;
  /** Folders the ref (and `names`) are looked up in, in order, when no `images` folder is given. */
  baseDirs: string[];
  /** Further file names to try in those folders (e.g. derived from the annotation's file name). */
  names?: string[];
  /** The image bytes embedded in the annotation (LabelMe's imageData). */
  embedded?: Buffer;
  /** The path to report when the image is found nowhere (defaults to the first candidate). */
  wouldBe?: string;
}

export interface RawSample {
  /** The annotation file, for problems. */
  file: string;
  line?: number;
  /** `element` for sample-level problems (e.g. `images[id=3]`). */
  element?: string;
  image: ImageRef;
  /** Image size as the annotation gives it, in the format's frame; absent when it gives none. */
  size?: ImageSize;
  regions: RawRegion[];
  source?: string;
}

export interface ReaderContext {
  readonly options: Readonly<{ images?: string; probeImages: boolean; maxAnnotationBytes: number; minScore?: number; minTextScore?: number }>;
  report(problem: DatasetProblem): void;
  /** Turns what a reader parsed into a Sample (never throws; problems are reported). */
  finish(raw: RawSample): Promise<Sample>;
  /**
   * Whether a missing image is a problem of its own (`missing-image`) or, as in voc-quad where images and
   * annotations are paired by name, an `unpaired` annotation. Set by the reader before `finish`.
   */
  missingImageKind: 'missing-image' | 'unpaired';
}

export interface DatasetReader extends Named {
  readonly name: DatasetFormat;
  readonly description: string;
  /** The frame the format's coordinates are in (each reader's header says why). */
  readonly frame: CoordinateFrame;
  /** Whether a path looks like this format: file names and the first bytes only. */
  sniff(path: string): Promise<boolean>;
  /** Streams the samples of the dataset at `path` (a file or folder). */
  read(path: string, context: ReaderContext): AsyncIterable<Sample>;
}
