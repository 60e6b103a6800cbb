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
import { BadImageError, OcrdetError } from '../core/errors.js';
import type { RgbImage } from './decode.js';
import { decodeImage } from './decode.js';
import { PdfDocument, looksLikePdf } from './pdf.js';
import { IMAGE_DEFAULTS, sharp } from './sharp.js';

export const PAGE_DEFAULTS = Object.freeze({
  /**
   * PDF rendering resolution. 150 dpi draws 10 pt text 21 px tall, above the 16–20 px where PP-OCRv4's
   * recognition starts to drop characters, while an A4 page stays 1240×1754 px (6.5 MB of RGB) and renders
   * in tens of ms; detection sees the page shrunk to 960 px anyway (`limitSideLen`), so more dpi helps only
   * recognition of small print. Measured in the README ("PDF pages").
   */
  dpi: 150,
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

/** The first bytes of a file (up to `length`); empty for an unreadable one (its reader says why later). */
async function head(path: string, length: number): Promise<Buffer> {
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
  /** Open PDFs, most recently used last. */
  private readonly documents = new Map<string, Promise<PdfDocument>>();

  constructor(options: PageReaderOptions = {}) {
    this.dpi = options.dpi ?? PAGE_DEFAULTS.dpi;
    this.maxPixels = options.maxPixels ?? IMAGE_DEFAULTS.maxPixels;
  }

  /**
   * How many pages `path` has: a PageCount for a PDF or a TIFF of several pages, undefined for a one-page
   * image (or a file that is no image at all: its detector says why). Throws BadImageError / NotFoundError
   * for a PDF that cannot be opened (empty, damaged, encrypted, no pages).
   */
  async count(path: string): Promise<PageCount | undefined> {
    const bytes = await head(path, 1024);
    if (looksLikePdf(bytes)) return { kind: 'pdf', pages: (await this.pdf(path)).pageCount };
    if (looksLikeTiff(bytes)) {
      // A TIFF whose header cannot be read is left to the detector, which fails it with the reason.
      const pages = await sharp(path, { limitInputPixels: false }).metadata().then((meta) => meta.pages ?? 1, () => 1);
      return pages > 1 ? { kind: 'tiff', pages } : undefined;
    }
    return undefined;
  }

  /** Page `page` (1-based) of a document `count` described, decoded to packed RGB. Throws BadImageError. */
  async render(path: string, kind: PagedKind, page: number): Promise<RgbImage> {
    if (kind === 'pdf') return (await this.pdf(path)).renderPage(page, { dpi: this.dpi, maxPixels: this.maxPixels });
    try {
      return await decodeImage(path, { maxPixels: this.maxPixels, page: page - 1 });
    } catch (error) {
      // decodeImage names the file; the message names the page too.
      const reason = error instanceof OcrdetError ? error.message.replace(`${path}: `, '') : String(error);
      throw new BadImageError(`${path} page ${page}: ${reason}`, { cause: error });
    }
  }

  /** The open PDF `path`, opened now if need be (the least recently used one is closed beyond the limit). */
  private pdf(path: string): Promise<PdfDocument> {
    let document = this.documents.get(path);
    if (document) this.documents.delete(path);
    else document = PdfDocument.open(path);
    this.documents.set(path, document);
    // A document that failed to open is not kept: the next call tries again (and fails the same way).
    document.catch(() => this.documents.get(path) === document && this.documents.delete(path));
    while (this.documents.size > PAGE_DEFAULTS.openDocuments) {
      const [oldest, opening] = this.documents.entries().next().value as [string, Promise<PdfDocument>];
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
