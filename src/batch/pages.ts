/**
 * Inputs → pages: every PDF and multi-page TIFF among the inputs becomes one input per page (its pages
 * selected by `pages`, e.g. "1-3,7"), every other image stays one input. A document that cannot be opened
 * (empty, damaged, truncated, encrypted, without pages) stays one input carrying its error: the batch writes
 * one error line for it and goes on.
 */
import { toOcrdetError, type OcrdetError } from '../core/errors.js';
import { selectPages, type PageReader, type PageSelection, type PagedKind } from '../image/pages.js';
import type { ImageInput } from './inputs.js';
import { count as countOf } from '../core/plural.js';

export { parsePageRanges, selectPages, type PageSelection } from '../image/pages.js';

/** One unit of work: an image, or one page of a document. */
export interface PageInput extends ImageInput {
  /** 1-based page of a document; absent for a plain image. */
  page?: number;
  /** The kind of document the page belongs to. */
  kind?: PagedKind;
  /** Why the document could not be opened: the input then fails with this error. */
  error?: OcrdetError;
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
    if (wanted || pages.length === 0) onNotice?.(`${image.path}: has ${countOf(count.pages, 'page')}; ${pages.length === 0 ? 'none of the pages asked for' : 'pages beyond it skipped'}`);
    for (const page of pages) out.push({ path: image.path, relativePath: pageRelativePath(image.relativePath, page), page, kind: count.kind });
  }
  return out;
}
