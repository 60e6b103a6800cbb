/**
 * Inputs → pages: every PDF and multi-page TIFF among the inputs becomes one input per page (its pages
 * selected by `pages`, e.g. "1-3,7"), every other image stays one input. A document that cannot be opened
 * (empty, damaged, truncated, encrypted, without pages) stays one input carrying its error: the batch writes
 * one error line for it and goes on.
 */
import { UsageError, toOcrdetError, type OcrdetError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { PageReader, PagedKind } from '../image/pages.js';
import type { ImageInput } from './inputs.js';

/** One unit of work: an image, or one page of a document. */
export interface PageInput extends ImageInput {
  /** 1-based page of a document; absent for a plain image. */
  page?: number;
  /** The kind of document the page belongs to. */
  kind?: PagedKind;
  /** Why the document could not be opened: the input then fails with this error. */
  error?: OcrdetError;
}

/** Pages to read from each document: 1-based ranges, `to` undefined for "to the last page". */
export type PageSelection = readonly { from: number; to?: number }[];

/**
 * Parses `1-3,7,10-` (pages 1 to 3, 7, and 10 to the end) into ranges. Throws UsageError naming the
 * option for anything else (0, reversed ranges, words).
 */
export function parsePageRanges(text: string): PageSelection {
  const ranges: { from: number; to?: number }[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:\s*(-)\s*(\d*))?$/.exec(part);
    const from = match ? Number(match[1]) : NaN;
    const to = match?.[2] ? (match[3] ? Number(match[3]) : undefined) : from;
    if (!match || from < 1 || (to !== undefined && to < from)) {
      throw new UsageError(`${optionName('pages')} "${text}": expected pages and ranges such as 1-3,7 or 10- (1-based), not "${part}"`, { details: optionDetails('pages') });
    }
    ranges.push(to === undefined ? { from } : { from, to });
  }
  return ranges;
}

/** The pages of a `count`-page document that `selection` picks, ascending, each once. */
export function selectPages(selection: PageSelection | undefined, count: number): number[] {
  if (!selection) return Array.from({ length: count }, (_, i) => i + 1);
  const picked = new Set<number>();
  for (const { from, to } of selection) {
    for (let page = from; page <= Math.min(to ?? count, count); page++) picked.add(page);
  }
  return [...picked].sort((a, b) => a - b);
}

/** `doc.pdf` page 3 → `doc-p3.pdf`: the name overlays are derived from, one per page. */
function pageRelativePath(relativePath: string, page: number): string {
  return relativePath.replace(/(\.[^./]*)?$/, (ext) => `-p${page}${ext}`);
}

/** Expands documents into their selected pages, in input order. `onNotice` hears of pages a document lacks. */
export async function expandPages(
  images: readonly ImageInput[],
  reader: PageReader,
  selection?: PageSelection,
  onNotice?: (message: string) => void,
): Promise<PageInput[]> {
  const out: PageInput[] = [];
  for (const image of images) {
    let count;
    try {
      count = await reader.count(image.path);
    } catch (error) {
      out.push({ ...image, error: toOcrdetError(error) });
      continue;
    }
    if (!count) {
      out.push(image);
      continue;
    }
    const pages = selectPages(selection, count.pages);
    const wanted = selection?.some(({ from, to }) => (to ?? from) > count.pages);
    if (wanted || pages.length === 0) onNotice?.(`${image.path}: has ${count.pages} page${count.pages === 1 ? '' : 's'}; ${pages.length === 0 ? 'none of the pages asked for' : 'pages beyond it skipped'}`);
    for (const page of pages) out.push({ path: image.path, relativePath: pageRelativePath(image.relativePath, page), page, kind: count.kind });
  }
  return out;
}
