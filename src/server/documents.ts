/**
 * `POST /v1/detect` for documents: a PDF (or a TIFF of several pages) is detected page by page, each page
 * one Detection with `page` (and `dpi` for a PDF), answered as an array in page order. Query parameters, for
 * images and documents alike: `?format=json|text|hocr|alto`; for documents: `?dpi=` (PDF rendering,
 * default 200), `?pages=1-3,7`, `?pictures=1` (each page Detection then carries `picture`, the rendered page
 * as a JPEG data URL, so a browser can show a PDF page it cannot draw itself: the web page uses it).
 * Each page takes its own turn through the server's detection queue.
 */
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import type { Detection } from '../core/types.js';
import { encodeRegion, toDataUrl } from '../image/encode.js';
import { PAGE_DEFAULTS, PageReader, parsePageRanges, selectPages } from '../image/pages.js';
import { rawImageInput } from '../image/sharp.js';

const FORMATS = ['json', 'text', 'hocr', 'alto'] as const;

/** The query of `POST /v1/detect`, checked: a bad value is a 400 naming the parameter. */
const querySchema = z.object({
  name: z.string().optional(),
  format: z.enum(FORMATS).default('json'),
  dpi: z.coerce.number().int().min(1).max(1200).default(PAGE_DEFAULTS.dpi),
  pages: z.string().min(1).optional(),
  pictures: z.enum(['1', 'true', '0', 'false']).optional(),
});

export type DetectQuery = Omit<z.output<typeof querySchema>, 'pictures'> & { pictures: boolean };

/** Reads the query; throws UsageError naming each bad parameter (`?dpi=`, `?format=`). */
export function parseDetectQuery(query: unknown): DetectQuery {
  const parsed = querySchema.safeParse(query ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `?${issue.path.join('.')}=: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`);
    throw new UsageError(`POST /v1/detect: ${problems.join('; ')}`, { cause: parsed.error });
  }
  const { pictures, ...rest } = parsed.data;
  return { ...rest, pictures: pictures === '1' || pictures === 'true' };
}

/** JPEG quality of `picture`: enough to look at, a few hundred kB per A4 page at 200 dpi. */
const PICTURE_JPEG_QUALITY = 80;

export interface DocumentOptions {
  /** Detects one page (rendered pixels), in its turn through the server's queue. */
  detect: (page: Buffer, name: string) => Promise<Detection>;
  maxPages: number;
  maxPixels?: number;
}

/**
 * The Detections of a document's pages, or undefined when `bytes` is a plain image (one page). Throws
 * BadImageError for a PDF that cannot be opened, UsageError for a bad `pages` or too many pages.
 */
export async function detectDocument(bytes: Buffer, name: string, query: DetectQuery, options: DocumentOptions): Promise<Detection[] | undefined> {
  const reader = new PageReader({ dpi: query.dpi, maxPixels: options.maxPixels });
  try {
    const count = await reader.count(bytes, name);
    if (!count) return undefined;
    const pages = selectPages(query.pages === undefined ? undefined : parsePageRanges(query.pages), count.pages);
    if (pages.length === 0) throw new UsageError(`${name} has ${count.pages} pages: ?pages=${query.pages} selects none`);
    if (pages.length > options.maxPages) {
      throw new UsageError(`${name}: ${pages.length} pages, more than the ${options.maxPages} this server detects per request; ask for some with ?pages=1-${options.maxPages}`);
    }
    const detections: Detection[] = [];
    for (const page of pages) {
      const rgb = await reader.render(bytes, count.kind, page, name);
      const detection = await options.detect(rawImageInput(rgb), name);
      const { image, page: _page, dpi: _dpi, ...rest } = detection;
      const picture = query.pictures
        ? { picture: toDataUrl(await encodeRegion(rgb, { left: 0, top: 0, width: rgb.width, height: rgb.height }, { size: rgb, format: 'jpeg', jpegQuality: PICTURE_JPEG_QUALITY })) }
        : {};
      detections.push({ image, page, ...(count.kind === 'pdf' ? { dpi: reader.dpi } : {}), ...rest, ...picture });
    }
    return detections;
  } finally {
    await reader.close();
  }
}
