/**
 * labelme: LabelMe JSON, one file per image (wkentaro/labelme): `shapes[]` of `{label, points, shape_type}`,
 * `imagePath` (relative to the JSON, often written on another machine or with Windows separators),
 * `imageHeight`/`imageWidth`, and optionally the image itself, base64, in `imageData`.
 * Text regions are `polygon`, `rectangle` (two opposite corners) and `oriented_rectangle` (four corners)
 * shapes; a missing `shape_type` (old files) means polygon. Circles, lines, points and masks are not text
 * regions: they are skipped with a note. The label is the text; `###` or a `difficult` flag mark don't-care.
 * `source` is the JSON's folder relative to the dataset path.
 * Frame: ORIENTED pixels. LabelMe applies the EXIF orientation before showing an image and stores the
 * oriented image in imageData (wkentaro/labelme, labelme/_label_file.py, read_image_file →
 * utils.apply_exif_orientation), so its coordinates, imageWidth and imageHeight are those of the displayed image.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { Sample } from '../../core/types.js';
import { IMAGE_EXTENSIONS, isImageName, jsonErrorAt, pathKind, readAnnotationText, readHead, walkFiles } from '../files.js';
import { normaliseRef } from '../images.js';
import type { DatasetReader, ImageRef, RawRegion, RawSample, ReaderContext } from '../reader.js';

const REGION_SHAPES = new Set(['polygon', 'rectangle', 'oriented_rectangle']);

function shapeRegion(shape: Record<string, unknown>, element: string): RawRegion {
  const label = shape.label === undefined || shape.label === null ? undefined : String(shape.label);
  const flags = (shape.flags ?? {}) as Record<string, unknown>;
  const ignore = shape.difficult === true || flags.difficult === true;
  const base = { element, ...(label !== undefined ? { text: label } : {}), ...(ignore ? { ignore: true } : {}) };
  const points = shape.points;
  if (shape.shape_type === 'rectangle' && Array.isArray(points) && points.length === 2 && Array.isArray(points[0]) && Array.isArray(points[1])) {
    const [[xa, ya], [xb, yb]] = points as unknown[][];
    return { ...base, points: [[xa, ya], [xb, ya], [xb, yb], [xa, yb]] };
  }
  return { ...base, points };
}

/** The extension of an embedded image, from its first bytes. */
function embeddedExtension(bytes: Buffer): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return '.png';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return '.bmp';
  return '.jpg';
}

function imageOf(json: Record<string, unknown>, file: string): ImageRef {
  const dir = dirname(file);
  const stem = basename(file, extname(file));
  const imagePath = typeof json.imagePath === 'string' && json.imagePath.trim() !== '' ? normaliseRef(json.imagePath) : undefined;
  // LabelMe's own tutorial file says imagePath "apc2016_obj3.json": only an image name is an image reference.
  const ref = imagePath && isImageName(imagePath) ? imagePath : undefined;
  const embedded = typeof json.imageData === 'string' && json.imageData.length > 0 ? Buffer.from(json.imageData, 'base64') : undefined;
  const wouldBe = ref ? join(dir, ref) : join(dir, `${stem}${embedded ? embeddedExtension(embedded) : '.jpg'}`);
  return {
    ...(ref ? { ref } : {}),
    baseDirs: [dir],
    names: IMAGE_EXTENSIONS.map((ext) => `${stem}${ext}`),
    ...(embedded && embedded.length > 0 ? { embedded } : {}),
    wouldBe,
  };
}

async function readLabelMe(file: string, source: string, context: ReaderContext): Promise<RawSample | undefined> {
  const content = readAnnotationText(file, context);
  if (content === undefined) return undefined;
  if (content.trim() === '') {
    context.report({ kind: 'bad-file', file, message: 'empty file', skipped: true });
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    const { line, reason } = jsonErrorAt(content, error);
    context.report({ kind: 'bad-file', file, ...(line ? { line } : {}), message: `not JSON (${reason})`, skipped: true });
    return undefined;
  }
  if (!json || typeof json !== 'object' || !Array.isArray((json as Record<string, unknown>).shapes)) {
    context.report({ kind: 'bad-file', file, message: 'not a LabelMe file (no "shapes" list)', skipped: true });
    return undefined;
  }
  const doc = json as Record<string, unknown>;
  const shapes = doc.shapes as unknown[];
  const regions: RawRegion[] = [];
  const skippedTypes = new Map<string, number>();
  shapes.forEach((shape, i) => {
    const record = (shape && typeof shape === 'object' ? shape : {}) as Record<string, unknown>;
    const type = record.shape_type === undefined || record.shape_type === null ? 'polygon' : String(record.shape_type);
    if (REGION_SHAPES.has(type)) regions.push(shapeRegion({ ...record, shape_type: type }, `shapes[${i}]`));
    else skippedTypes.set(type, (skippedTypes.get(type) ?? 0) + 1);
  });
  if (skippedTypes.size > 0) {
    const list = [...skippedTypes].map(([type, n]) => `${n} ${type}`).join(', ');
    context.report({ kind: 'note', file, message: `not text regions, skipped: ${list} shape${shapes.length - regions.length === 1 ? '' : 's'}` });
  }
  const width = doc.imageWidth;
  const height = doc.imageHeight;
  return {
    file,
    image: imageOf(doc, file),
    ...(width !== undefined && width !== null ? { size: { width: Number(width), height: Number(height) } } : {}),
    regions,
    ...(source ? { source } : {}),
  };
}

async function* read(path: string, context: ReaderContext): AsyncGenerator<Sample> {
  const files = (await pathKind(path)) === 'file' ? [{ path, relDir: '' }] : walkFiles(path, (name) => name.toLowerCase().endsWith('.json'));
  for await (const file of files) {
    const raw = await readLabelMe(file.path, file.relDir, context);
    if (raw) yield await context.finish(raw);
  }
}

/** LabelMe files name their shapes early: `"shapes": [` within the first bytes. */
export function looksLikeLabelMe(head: string): boolean {
  return /"shapes"\s*:\s*\[/.test(head) && /"(imagePath|imageHeight|version|flags)"\s*:/.test(head);
}

async function sniff(path: string): Promise<boolean> {
  const kind = await pathKind(path);
  if (kind === 'file') return path.toLowerCase().endsWith('.json') && looksLikeLabelMe(await readHead(path));
  if (kind !== 'dir') return false;
  let checked = 0;
  for await (const file of walkFiles(path, (name) => name.toLowerCase().endsWith('.json'), 0)) {
    if (looksLikeLabelMe(await readHead(file.path))) return true;
    if (++checked >= 3) break;
  }
  return false;
}

export const labelmeReader: DatasetReader = {
  name: 'labelme',
  aliases: ['labelme-json'],
  description: 'LabelMe JSON per image: polygon / rectangle shapes, imagePath, optional imageData',
  frame: 'oriented',
  sniff,
  read,
};
