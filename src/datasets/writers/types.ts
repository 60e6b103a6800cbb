/**
 * The record every output format of `ocrdet data convert` implements (one file per format), behind one
 * typed registry (index.ts). A writer turns one finished sample into its bytes (`encode`, during the single
 * pass over the dataset; the bytes wait in the spool), and opens one sink per split that receives those
 * bytes in the final order once the split is decided (split.ts).
 */
import type { Named } from '../../core/registry.js';
import type { ImageSize, Region } from '../../core/types.js';
import type { GroundingTask } from '../../grounding/types.js';
import type { RenderedAnswer } from '../convert-regions.js';
import type { SplitName } from '../split.js';

export type OutputFormat = 'swift' | 'internvl' | 'icdar' | 'coco';

/** One training sample: an image (or a crop of one) with its regions and, for LLM formats, its answer. */
export interface OutputSample {
  /** The image path as the output names it (absolute, or relative to the output folder). */
  image: string;
  size: ImageSize;
  /** Care regions in pixels of this image. */
  care: readonly Region[];
  /** Don't-care regions (exchange formats keep them as ### / iscrowd). */
  ignored: readonly Region[];
  task: GroundingTask;
  /** LLM formats: the user prompt, the system prompt if any, and the answer. */
  prompt?: string;
  system?: string;
  answer?: RenderedAnswer;
}

export interface Sink {
  /** One image's record, as `encode` produced it (one or more samples), as UTF-8 bytes. */
  write(record: Buffer): void;
  /** Samples written so far. */
  readonly samples: number;
  /** Makes the output final (renames into place). */
  commit(): void;
  /** Removes everything this sink wrote. */
  discard(): void;
}

export interface WriterContext {
  /** The output folder (absolute). */
  out: string;
}

/** What varies within a format. */
export interface WriterConfig {
  /** swift: 3 (3.x and 4.x rows: messages + images [+ objects]) or 2 (system/query/response/images). */
  swiftVersion: 2 | 3;
  /** swift 3.x/4.x: whether the user turn starts with `<image>` (not for Florence-2, whose turn is its task token alone). */
  imageTag: boolean;
}

/** A format as registered: its name and a factory for one conversion's writer. */
export interface OutputFormatEntry extends Named {
  readonly name: OutputFormat;
  readonly description: string;
  /** Whether samples carry an answer: the token budget, crops, prompts and dialects apply. */
  readonly answers: boolean;
  create(config: WriterConfig): OutputWriter;
}

export interface OutputWriter {
  /** A sample's bytes: complete lines, each ending in "\n". */
  encode(sample: OutputSample): string;
  /** Opens the sinks of both splits. */
  openSinks(context: WriterContext): Record<SplitName, Sink>;
  /** The files (or folders) a split ends up in, relative to the output folder. */
  files(): Record<string, string>;
  /** Anything written once both splits are committed (InternVL's meta file). */
  finish?(context: WriterContext, samples: Record<SplitName, number>): void;
}
