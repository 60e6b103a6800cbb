/**
 * coco: COCO "instances" JSON — `images[]` (file_name, width, height, id), `annotations[]` (image_id,
 * category_id, bbox [x, y, w, h], segmentation polygons [[x1, y1, x2, y2, …]] or RLE, iscrowd) and
 * `categories[]` (id, name). One sample per image, in the order of `images`, with its annotations.
 * Region text: a transcription field when the file has one (COCO-Text's `utf8_string`, or `text`,
 * `transcription`), else the category name. `iscrowd: 1` (how MMOCR's converters write ICDAR's `###`),
 * `ignore` or COCO-Text's `legibility: "illegible"` mark a don't-care region. A segmentation polygon is used
 * when present (the largest, when an object has several parts), else the bbox (RLE masks have no polygon).
 * Images: the `images` folder option, else beside the JSON, in `images/`, in the parent folder, or in the folder named
 * after the split (`annotations/instances_val2017.json` → `val2017/`). `source` is file_name's folder.
 * Memory: the one JSON file is parsed whole (COCO puts each image's annotations anywhere in the file), then
 * samples are yielded one image at a time and forgotten.
 * Frame: STORED pixels, as pycocotools and COCO's own tools (which never apply EXIF orientation) read them;
 * the sample builder notices files whose width/height are already the oriented ones.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { Sample } from '../../core/types.js';
import { jsonErrorAt, pathKind, readAnnotationText, readHead, walkFiles } from '../files.js';
import { normaliseRef } from '../images.js';
import { quoteValue } from '../problems.js';
import type { DatasetReader, RawRegion, ReaderContext } from '../reader.js';


type Json = Record<string, unknown>;

function pairs(flat: unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (let k = 0; k + 1 < flat.length; k += 2) out.push([flat[k], flat[k + 1]]);
  return out;
}

function shoelace(points: unknown[][]): number {
  let sum = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    sum += Number(points[j][0]) * Number(points[i][1]) - Number(points[i][0]) * Number(points[j][1]);
  }
  return Math.abs(sum / 2) || 0;
}

/** The region's points: the (largest) segmentation polygon, else the bbox, else the reason there are none. */
function annotationPoints(annotation: Json): { points: unknown; parts?: number; problem?: string } {
  const segmentation = annotation.segmentation;
  if (Array.isArray(segmentation) && segmentation.length > 0 && segmentation.every(Array.isArray)) {
    const polygons = (segmentation as unknown[][]).map((flat) => pairs(flat));
    if (polygons.some((p, i) => (segmentation[i] as unknown[]).length % 2 === 1 || p.length === 0)) {
      return { points: undefined, problem: `segmentation ${quoteValue(segmentation)} is not a flat list of x, y pairs` };
    }
    const largest = polygons.reduce((best, p) => (shoelace(p) > shoelace(best) ? p : best));
    return { points: largest, parts: polygons.length };
  }
  const bbox = annotation.bbox;
  if (Array.isArray(bbox) && bbox.length === 4) {
    const [x, y, w, h] = bbox.map((v) => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Number(v) : Number.NaN));
    if ([x, y, w, h].some((v) => !Number.isFinite(v))) return { points: undefined, problem: `bbox ${quoteValue(bbox)} has a value that is not a number` };
    return { points: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]] };
  }
  return { points: undefined, problem: `no segmentation polygon and no [x, y, w, h] bbox (got ${quoteValue(bbox)})` };
}

function annotationRegion(annotation: Json, categories: Map<unknown, string>): RawRegion & { parts?: number } {
  const transcription = [annotation.utf8_string, annotation.text, annotation.transcription].find((t) => typeof t === 'string') as string | undefined;
  const text = transcription ?? categories.get(annotation.category_id);
  const ignore = annotation.iscrowd === 1 || annotation.ignore === 1 || annotation.ignore === true || annotation.legibility === 'illegible';
  const { points, parts, problem } = annotationPoints(annotation);
  return {
    points,
    ...(problem !== undefined ? { problem } : {}),
    element: `annotations[id=${quoteValue(annotation.id ?? '?')}]`,
    ...(text !== undefined ? { text } : {}),
    ...(ignore ? { ignore: true } : {}),
    ...(parts !== undefined ? { parts } : {}),
  };
}

function imageFolders(file: string): string[] {
  const dir = dirname(file);
  const parent = dirname(dir);
  const split = basename(file, extname(file)).replace(/^(instances|annotations?|captions|person_keypoints)_/, '');
  return [...new Set([dir, join(dir, 'images'), parent, join(parent, 'images'), join(parent, split), join(dir, split)])];
}

async function loadJson(file: string, context: ReaderContext): Promise<Json | undefined> {
  // The size limit (500 MiB by default: V8's longest string) and the encoding are readAnnotationText's.
  const content = readAnnotationText(file, context);
  if (content === undefined) return undefined;
  if (content.trim() === '') {
    context.report({ kind: 'bad-file', file, message: 'empty file', skipped: true });
    return undefined;
  }
  try {
    const json: unknown = JSON.parse(content);
    if (json && typeof json === 'object' && Array.isArray((json as Json).images)) return json as Json;
    context.report({ kind: 'bad-file', file, message: 'not a COCO file (no "images" list)', skipped: true });
  } catch (error) {
    const { line, reason } = jsonErrorAt(content, error);
    context.report({ kind: 'bad-file', file, ...(line ? { line } : {}), message: `not JSON (${reason})`, skipped: true });
  }
  return undefined;
}

async function* readCocoFile(file: string, context: ReaderContext): AsyncGenerator<Sample> {
  let json: Json | undefined;
  try {
    json = await loadJson(file, context);
  } catch (error) {
    context.report({ kind: 'bad-file', file, message: `cannot read (${(error as Error).message})`, skipped: true });
  }
  if (!json) return;
  const categories = new Map<unknown, string>();
  for (const c of Array.isArray(json.categories) ? (json.categories as Json[]) : []) if (c && c.name !== undefined) categories.set(c.id, String(c.name));
  const byImage = new Map<unknown, Json[]>();
  for (const a of Array.isArray(json.annotations) ? (json.annotations as Json[]) : []) {
    if (!a || typeof a !== 'object') continue;
    const list = byImage.get(a.image_id);
    if (list) list.push(a);
    else byImage.set(a.image_id, [a]);
  }
  const images = json.images as Json[];
  json = undefined; // only the grouped annotations and the image list are kept from here on
  const baseDirs = imageFolders(file);
  let multiPart = 0;
  for (const [index, image] of images.entries()) {
    const element = image && image.id !== undefined ? `images[id=${quoteValue(image.id)}]` : `images[${index}]`;
    if (!image || typeof image.file_name !== 'string') {
      context.report({ kind: 'bad-record', file, element, message: `image without a "file_name": ${quoteValue(image)}; skipped`, skipped: true });
      continue;
    }
    const annotations = byImage.get(image.id) ?? [];
    byImage.delete(image.id);
    const regions = annotations.map((a) => annotationRegion(a, categories));
    multiPart += regions.filter((r) => (r.parts ?? 1) > 1).length;
    const ref = normaliseRef(image.file_name);
    const folder = dirname(ref);
    yield await context.finish({
      file,
      element,
      image: { ref, baseDirs },
      ...(image.width !== undefined ? { size: { width: Number(image.width), height: Number(image.height) } } : {}),
      regions: regions.map(({ parts: _parts, ...region }) => region),
      ...(folder !== '.' ? { source: folder } : {}),
    });
  }
  if (multiPart > 0) context.report({ kind: 'note', file, message: `${multiPart} annotations have several polygons; the largest of each is used` });
  const orphans = [...byImage.values()].reduce((n, list) => n + list.length, 0);
  if (orphans > 0) {
    const ids = [...byImage.keys()].slice(0, 5).map((id) => quoteValue(id)).join(', ');
    context.report({ kind: 'bad-record', file, element: 'annotations', message: `${orphans} annotations name an image_id not in "images" (${ids}${byImage.size > 5 ? ', …' : ''}); skipped`, skipped: true });
  }
}

/** COCO files start with (or soon reach) "images"/"annotations"/"categories" lists, and have no "shapes". */
export function looksLikeCoco(head: string): boolean {
  return !/"shapes"\s*:\s*\[/.test(head) && /"(images|annotations|categories)"\s*:\s*\[/.test(head);
}

async function* read(path: string, context: ReaderContext): AsyncGenerator<Sample> {
  if ((await pathKind(path)) === 'file') {
    yield* readCocoFile(path, context);
    return;
  }
  for await (const file of walkFiles(path, (name) => name.toLowerCase().endsWith('.json'))) {
    if (looksLikeCoco(await readHead(file.path))) yield* readCocoFile(file.path, context);
  }
}

async function sniff(path: string): Promise<boolean> {
  const kind = await pathKind(path);
  if (kind === 'file') return path.toLowerCase().endsWith('.json') && looksLikeCoco(await readHead(path));
  if (kind !== 'dir') return false;
  let checked = 0;
  for await (const file of walkFiles(path, (name) => name.toLowerCase().endsWith('.json'), 0)) {
    if (looksLikeCoco(await readHead(file.path))) return true;
    if (++checked >= 3) break;
  }
  return false;
}

export const cocoReader: DatasetReader = {
  name: 'coco',
  aliases: ['coco-json', 'instances'],
  description: 'COCO instances JSON: images + annotations (bbox, polygon segmentation) + categories',
  frame: 'stored',
  sniff,
  read,
};
