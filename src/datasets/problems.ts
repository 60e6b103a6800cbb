/**
 * What a dataset reader says about bad or doubtful input. Readers never throw on one bad file or record:
 * they report a DatasetProblem through `onProblem` and go on. The CLI prints each as one line on stderr.
 */

export type DatasetProblemKind =
  /** An image without annotation, or an annotation whose image is not where the format says. */
  | 'unpaired'
  /** A whole file could not be read: broken XML or JSON, empty file, unreadable image header. */
  | 'bad-file'
  /** One record (line, object, shape, annotation) could not be read: not JSON, a coordinate that is not a number. */
  | 'bad-record'
  /** The image an annotation names does not exist (the sample is still yielded, without image size if unknown). */
  | 'missing-image'
  /** A region lies partly (kept as written) or wholly (dropped) outside the image. */
  | 'out-of-image'
  /** A region with fewer than 3 distinct points or zero area (dropped), or a self-intersecting polygon (kept). */
  | 'degenerate'
  /** Bytes that are not valid in the file's encoding: the text holds U+FFFD (or a control character) there; kept. */
  | 'encoding'
  /** Information, not an error: annotation-only datasets, skipped shape types, frames and sizes. */
  | 'note';

export interface DatasetProblem {
  kind: DatasetProblemKind;
  /** The file the problem is in (annotation file, or the image for unreadable images). */
  file: string;
  /** 1-based line, for line-based formats and XML syntax errors. */
  line?: number;
  /** Where in the file: `object[3]`, `shapes[2]`, `annotations[id=17]`, an image reference. */
  element?: string;
  /** Why, in words a person can act on. */
  message: string;
  /**
   * True when something was left out or could not be used: a file, a record, a region, or an image that
   * is missing or unreadable. False (or absent) for warnings about data kept as written, and for notes.
   * `ocrdet data stats` exits with 1 when any reported problem has `skipped: true`.
   */
  skipped?: boolean;
}

/** The one line shown for a problem: `file:line: element: reason`. */
export function formatProblem(problem: DatasetProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const element = problem.element ? `${problem.element}: ` : '';
  return `${where}: ${element}${problem.message}`;
}

/** A value as it appears in messages: strings quoted and shortened, everything else as JSON. */
/** A line of a file for a message: quoted and cut (quoteValue), or `binary data` when it is not text. */
export function quoteLine(text: string, maxChars = 60): string {
  // U+FFFD is what UTF-8 decoding left of invalid bytes; NUL and other C0 controls (tab aside) are not text.
  return /[\uFFFD\u0000-\u0008\u000E-\u001F]/.test(text.slice(0, 200)) ? 'binary data' : quoteValue(text, maxChars);
}

export function quoteValue(value: unknown, maxChars = 40): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
