/**
 * The one door to PDFium (Chrome's PDF engine, compiled to WebAssembly, npm `@embedpdf/pdfium`: MIT wrapper,
 * PDFium BSD-3; the .wasm ships inside the package, nothing is downloaded). A PDF is opened from memory
 * (PDFium reads the bytes where they lie, so they stay in the WASM heap until the document is closed) and
 * each page is rendered on white at a chosen DPI to packed RGB, the same pixels every detector reads.
 *
 * Why PDFium and not pdf.js: it ships as one WASM file (no native canvas addon), renders 2–5× faster and kept
 * memory flat over 500 pages (measured in /work/notes/research-13-14-15.md, point 1; bench/pdf.bench.js).
 * Rendering is synchronous: one page holds the thread for 15–190 ms.
 *
 * Fonts a PDF does not embed: PDFium has the 14 standard fonts built in; other missing fonts (e.g. CJK
 * "STSong-Light") render blank, as in any renderer without that font installed. Scanned PDFs are unaffected.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { WrappedPdfiumModule } from '@embedpdf/pdfium';
import { BadImageError, NotFoundError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import type { ImageSize } from '../core/types.js';
import type { RgbImage } from './decode.js';

/** PDFium's FPDF_GetLastError codes (fpdfview.h) and what each means for a user. */
const LOAD_ERRORS: Record<number, string> = {
  1: 'PDFium could not read it (unknown error)',
  2: 'the file cannot be opened',
  3: 'not a PDF, or a damaged or truncated one',
  4: 'encrypted: it needs a password to open',
  5: 'protected by an unsupported security handler',
  6: 'a page is missing or damaged',
};

/** FPDF_ANNOT (draw annotations, as viewers do) | FPDF_REVERSE_BYTE_ORDER (RGBA instead of BGRA). */
const RENDER_FLAGS = 0x01 | 0x10;
/** PDF user space: 72 units per inch. */
const POINTS_PER_INCH = 72;

let loading: Promise<WrappedPdfiumModule> | undefined;

/** PDFium, loaded on first use (the WASM file from the package, never from the network), once per process. */
async function pdfium(): Promise<WrappedPdfiumModule> {
  loading ??= (async () => {
    const { init } = await import('@embedpdf/pdfium');
    const wasmBinary = await readFile(createRequire(import.meta.url).resolve('@embedpdf/pdfium/pdfium.wasm'));
    const module = await init({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
    module.PDFiumExt_Init();
    return module;
  })();
  try {
    return await loading;
  } catch (error) {
    loading = undefined;
    throw error;
  }
}

/** Does `bytes` start like a PDF (`%PDF-` within the first 1024 bytes, as readers tolerate junk before it)? */
export function looksLikePdf(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024));
  return head.includes('%PDF-');
}

export interface RenderOptions {
  /** Dots per inch: a page of W × H points becomes round(W·dpi/72) × round(H·dpi/72) pixels. */
  dpi: number;
  /** Largest page accepted, in pixels: a bigger page is refused before anything is allocated. */
  maxPixels: number;
}

/** An open PDF. Close it: its bytes and pages live in the WASM heap until then. */
export class PdfDocument {
  private closed = false;

  private constructor(
    private readonly module: WrappedPdfiumModule,
    private readonly handle: number,
    private readonly memory: number,
    /** Name used in messages (the path, or an upload's name). */
    readonly name: string,
    readonly pageCount: number,
  ) {}

  /**
   * Opens a PDF from a path or bytes. Throws NotFoundError (no such file) or BadImageError: empty, not a PDF,
   * damaged or truncated, encrypted, or without pages, each said in one line.
   */
  static async open(input: string | Buffer, name = typeof input === 'string' ? input : 'PDF'): Promise<PdfDocument> {
    let bytes: Buffer;
    if (typeof input === 'string') {
      try {
        bytes = await readFile(input);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new NotFoundError(`${name}: no such file`, { cause: error });
        throw new BadImageError(`${name}: cannot be read (${code ?? (error as Error).message})`, { cause: error });
      }
    } else bytes = input;
    if (bytes.length === 0) throw new BadImageError(`${name}: empty file (0 bytes)`);
    const module = await pdfium();
    const memory = module.pdfium.wasmExports.malloc(bytes.length);
    if (!memory) throw new BadImageError(`${name}: too large to open (${bytes.length} bytes do not fit in PDFium's memory)`);
    heapOf(module).set(bytes, memory);
    const handle = module.FPDF_LoadMemDocument(memory, bytes.length, '');
    if (!handle) {
      const code = module.FPDF_GetLastError();
      module.pdfium.wasmExports.free(memory);
      const reason = LOAD_ERRORS[code] ?? `PDFium error ${code}`;
      const hint = looksLikePdf(bytes) || code === 4 ? '' : ' (it does not start with %PDF-)';
      throw new BadImageError(`${name}: ${reason}${hint}`, { details: { pdfiumError: code } });
    }
    const pageCount = module.FPDF_GetPageCount(handle);
    const document = new PdfDocument(module, handle, memory, name, pageCount);
    if (pageCount <= 0) {
      document.close();
      throw new BadImageError(`${name}: the PDF has no pages`);
    }
    return document;
  }

  /** Page `page`'s size in points (1/72 inch), its /Rotate applied. */
  pageSizePt(page: number): ImageSize {
    const module = this.usable(page);
    const handle = module.FPDF_LoadPage(this.handle, page - 1);
    if (!handle) throw new BadImageError(`${this.name}: page ${page} cannot be read (${LOAD_ERRORS[module.FPDF_GetLastError()] ?? 'damaged'})`);
    try {
      return { width: module.FPDF_GetPageWidthF(handle), height: module.FPDF_GetPageHeightF(handle) };
    } finally {
      module.FPDF_ClosePage(handle);
    }
  }

  /** Renders page `page` (1-based) on white paper at `dpi`, as packed RGB. Throws BadImageError for a damaged or oversized page. */
  renderPage(page: number, options: RenderOptions): RgbImage {
    const module = this.usable(page);
    const handle = module.FPDF_LoadPage(this.handle, page - 1);
    if (!handle) throw new BadImageError(`${this.name}: page ${page} cannot be read (${LOAD_ERRORS[module.FPDF_GetLastError()] ?? 'damaged'})`);
    let bitmap = 0;
    try {
      const scale = options.dpi / POINTS_PER_INCH;
      const width = Math.max(1, Math.round(module.FPDF_GetPageWidthF(handle) * scale));
      const height = Math.max(1, Math.round(module.FPDF_GetPageHeightF(handle) * scale));
      if (width * height > options.maxPixels) {
        throw new BadImageError(
          `${this.name}: page ${page} at ${options.dpi} dpi would be ${width}×${height} pixels, over the pixel limit (${options.maxPixels}); lower ${optionName('dpi')} or raise ${optionName('maxPixels')}`,
          { details: optionDetails('dpi', 'maxPixels') },
        );
      }
      bitmap = module.FPDFBitmap_Create(width, height, 0);
      if (!bitmap) throw new BadImageError(`${this.name}: page ${page} at ${options.dpi} dpi (${width}×${height}) does not fit in PDFium's memory; lower ${optionName('dpi')}`, { details: optionDetails('dpi') });
      module.FPDFBitmap_FillRect(bitmap, 0, 0, width, height, 0xffffffff);
      module.FPDF_RenderPageBitmap(bitmap, handle, 0, 0, width, height, 0, RENDER_FLAGS);
      const stride = module.FPDFBitmap_GetStride(bitmap);
      const start = module.FPDFBitmap_GetBuffer(bitmap);
      return { data: rgbaRowsToRgb(heapOf(module), start, stride, width, height), width, height };
    } finally {
      if (bitmap) module.FPDFBitmap_Destroy(bitmap);
      module.FPDF_ClosePage(handle);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.module.FPDF_CloseDocument(this.handle);
    this.module.pdfium.wasmExports.free(this.memory);
  }

  private usable(page: number): WrappedPdfiumModule {
    if (this.closed) throw new Error(`${this.name}: the PDF was closed`);
    if (!Number.isInteger(page) || page < 1 || page > this.pageCount) throw new RangeError(`${this.name}: page ${page} is not one of its ${this.pageCount} pages`);
    return this.module;
  }
}

/** The WASM heap (Emscripten's HEAPU8; its type comes from @types/emscripten, which ocrdet does not install). */
function heapOf(module: WrappedPdfiumModule): Uint8Array {
  return (module.pdfium as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** Copies a 4-bytes-per-pixel bitmap out of the WASM heap as packed RGB (the 4th byte is padding). */
function rgbaRowsToRgb(heap: Uint8Array, start: number, stride: number, width: number, height: number): Buffer {
  const out = Buffer.allocUnsafe(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let i = start + y * stride;
    for (let x = 0; x < width; x++, i += 4) {
      out[o++] = heap[i];
      out[o++] = heap[i + 1];
      out[o++] = heap[i + 2];
    }
  }
  return out;
}
