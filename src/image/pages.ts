/**
 * Page sources: files that hold several pages (PDF documents, multi-page TIFFs) yield decoded pages, one at
 * a time, so a batch sees each page as an input and memory stays that of one page whatever the page count.
 *
 * - A PDF (recognised by its bytes, `%PDF-`, whatever its name) has pages 1…N, each rendered at a DPI
 *   (./pdf.ts). Its Detections record `page` and `dpi`.
 * - A TIFF with more than one page (sharp's `pages`) has pages 1…N, each decoded by libvips at its own size
 *   and orientation. Its Detections record `page`.
 * - Anything else is one image: no pages (its Detection has no `page`).
 *
 * `PageReader` keeps the last few PDFs it opened open (their pages are read in order, a batch works on one
 * or two documents at a time), so a 500-page PDF is parsed once, not 500 times.
 */
import { open } from 'node:fs/promises';
import { BadImageError, OcrdetError, UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { RgbImage } from './decode.js';
import { decodeImage } from './decode.js';
import { PdfDocument, looksLikePdf } from './pdf.js';
import { IMAGE_DEFAULTS, describeInput, sharp } from './sharp.js';

export const PAGE_DEFAULTS = Object.freeze({
  /**
   * PDF rendering resolution. Detection sees the page shrunk to 960 px anyway (`limitSideLen`); the DPI is for
   * recognition, which reads lines from the full page. At 200 dpi 10 pt text is 28 px tall. Measured by
   * bench/pdf.bench.js (README "PDF pages"): on 11 pt Helvetica, 150 dpi lost the spaces of 6 lines of 26 and
   * 200 dpi none (text similarity 0.964 → 1.000); on mixed 7–22 pt print 0.887 → 0.895; 300 dpi adds little
   * (0.901) for twice the pixels. PaddleOCR's own PDF reading renders at 2× (144 dpi).
   */
  dpi: 200,
  /** PDFs kept open by a PageReader (documents being read at once). */
  openDocuments: 2,
});

/** What a file is, for paging. */
export type PagedKind = 'pdf' | 'tiff';

/** A file's pages: `kind` and `pages` for documents, undefined for a plain image. */
export interface PageCount {
  kind: PagedKind;
  pages: number;
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

/** The first bytes of a file (up to `length`); empty for an unreadable one (its reader says why later). */
async function head(input: string | Buffer, length: number): Promise<Buffer> {
  if (typeof input !== 'string') return input.subarray(0, length);
  const path = input;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/** TIFF's byte-order mark and magic 42: `II*\0` or `MM\0*`. */
function looksLikeTiff(bytes: Buffer): boolean {
  return bytes.length >= 4 && ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a && bytes[3] === 0) || (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 0x2a));
}

export interface PageReaderOptions {
  /** PDF rendering resolution. Default PAGE_DEFAULTS.dpi. */
  dpi?: number;
  /** Largest page accepted, in pixels. Default IMAGE_DEFAULTS.maxPixels. */
  maxPixels?: number;
}

/** Reads pages of PDFs and multi-page TIFFs. One per batch; `close()` it at the end. */
export class PageReader {
  readonly dpi: number;
  readonly maxPixels: number;
  /** Open PDFs (by path, or the uploaded bytes themselves), most recently used last. */
  private readonly documents = new Map<string | Buffer, Promise<PdfDocument>>();

  constructor(options: PageReaderOptions = {}) {
    this.dpi = options.dpi ?? PAGE_DEFAULTS.dpi;
    this.maxPixels = options.maxPixels ?? IMAGE_DEFAULTS.maxPixels;
  }

  /**
   * How many pages `path` has: a PageCount for a PDF or a TIFF of several pages, undefined for a one-page
   * image (or a file that is no image at all: its detector says why). Throws BadImageError / NotFoundError
   * for a PDF that cannot be opened (empty, damaged, encrypted, no pages).
   */
  async count(input: string | Buffer, name = describeInput(input)): Promise<PageCount | undefined> {
    const bytes = await head(input, 1024);
    if (looksLikePdf(bytes)) return { kind: 'pdf', pages: (await this.pdf(input, name)).pageCount };
    if (looksLikeTiff(bytes)) {
      // A TIFF whose header cannot be read is left to the detector, which fails it with the reason.
      const pages = await sharp(input, { limitInputPixels: false }).metadata().then((meta) => meta.pages ?? 1, () => 1);
      return pages > 1 ? { kind: 'tiff', pages } : undefined;
    }
    return undefined;
  }

  /** Page `page` (1-based) of a document `count` described, decoded to packed RGB. Throws BadImageError. */
  async render(input: string | Buffer, kind: PagedKind, page: number, name = describeInput(input)): Promise<RgbImage> {
    if (kind === 'pdf') return (await this.pdf(input, name)).renderPage(page, { dpi: this.dpi, maxPixels: this.maxPixels });
    try {
      return await decodeImage(input, { maxPixels: this.maxPixels, page: page - 1 });
    } catch (error) {
      // decodeImage names the file; the message names the page too.
      const reason = error instanceof OcrdetError ? error.message.replace(`${describeInput(input)}: `, '') : String(error);
      throw new BadImageError(`${name} page ${page}: ${reason}`, { cause: error });
    }
  }

  /** The open PDF `input`, opened now if need be (the least recently used one is closed beyond the limit). */
  private pdf(input: string | Buffer, name: string): Promise<PdfDocument> {
    let document = this.documents.get(input);
    if (document) this.documents.delete(input);
    else document = PdfDocument.open(input, name);
    this.documents.set(input, document);
    // A document that failed to open is not kept: the next call tries again (and fails the same way).
    document.catch(() => this.documents.get(input) === document && this.documents.delete(input));
    while (this.documents.size > PAGE_DEFAULTS.openDocuments) {
      const [oldest, opening] = this.documents.entries().next().value as [string | Buffer, Promise<PdfDocument>];
      this.documents.delete(oldest);
      opening.then((d) => d.close(), () => undefined);
    }
    return document;
  }

  /** Closes every open document. */
  async close(): Promise<void> {
    const open = [...this.documents.values()];
    this.documents.clear();
    await Promise.all(open.map((d) => d.then((doc) => doc.close(), () => undefined)));
  }
}
