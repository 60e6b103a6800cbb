/**
 * voc-quad: the reference project's annotation format (its test set is examples/seed-test), and plain Pascal VOC.
 *
 * Layout: DATASET/Annotations/*.xml beside DATASET/Images/ (or JPEGImages/, images/, imgs/); a folder of
 * subsets laid out so (VOCdevkit/VOC2012/…), whose folder name becomes `source`; a flat folder of XML files
 * beside their images; or one XML file.
 * Objects: `<object><name>TEXT</name><difficult>0|1</difficult><bndbox><x0>…<y3></bndbox></object>` —
 * four corners, as the reference writes them — or VOC's `<bndbox><xmin>…<ymax></bndbox>`. `difficult=1` or
 * the text `###` mark a don't-care region. `source` is the subset folder, else the reference's `<type>`
 * (seed-test: MSRA-TD500, MTWI-2018).
 * Pairing: by name, tolerating what seed-test holds: `x.jpg.xml` ↔ `x.jpg.jpg`, `x.xml` ↔ `x.jpg`, case
 * differences, and `<filename>` as a last resort (VOC files often carry a stale one: mmdetection's test
 * 000001.xml says 000002.jpg). Images without annotation and annotations without image are reported.
 * Frame: STORED pixels. VOC tools (labelImg and its descendants) draw on `QImage.fromData`, which does not
 * apply EXIF orientation; the sample builder notices annotations whose size is already the oriented one.
 * Text: in the encoding the XML declaration names (GBK is common in Chinese sets; ../text.ts), with numeric
 * character references (`&#x4E2D;`) decoded.
 * Hostile files are one `bad-file` each, never the end of a run: entity declarations (a DOCTYPE's internal
 * subset: external entities read other files, nested ones expand without end) are refused before parsing,
 * nesting deeper than `MAX_NESTED_TAGS` stops the parser, and files over the size limit are not read.
 */
import { opendir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Sample } from '../../core/types.js';
import { CaseInsensitiveIndex, IMAGE_EXTENSIONS, firstEntries, isFile, isImageName, pathKind, readAnnotationText, walkFiles } from '../files.js';
import type { DatasetReader, RawRegion, RawSample, ReaderContext } from '../reader.js';

interface Layout {
  root: string;
  annotations: string;
  images?: string;
  source?: string;
  /** One XML file instead of a folder. */
  file?: string;
}

const IMAGE_FOLDERS = ['images', 'jpegimages', 'imgs', 'image', 'img'];

/** VOC files nest 4 deep (annotation › object › bndbox › x0); 64 leaves room for any tool's extra wrapping. */
const MAX_NESTED_TAGS = 64;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  // Numeric character references (&#x4E2D;) are decoded only with this option (fast-xml-parser 5); it also
  // decodes HTML's named entities (&copy;). Declared entities never get here: files declaring any are refused.
  htmlEntities: true,
  maxNestedTags: MAX_NESTED_TAGS,
  // Only <annotation><object> repeats in these files; matching by name spares building a path string per tag
  // (jPath: false), which was a fifth of the parse time.
  jPath: false,
  isArray: (name) => name === 'object',
});

function pick(dirs: readonly string[], wanted: readonly string[]): string | undefined {
  for (const name of wanted) {
    const found = dirs.find((d) => d.toLowerCase() === name);
    if (found) return found;
  }
  return undefined;
}

async function layoutOf(dir: string, source?: string): Promise<Layout | undefined> {
  const { files, dirs } = await firstEntries(dir, 2_000);
  const annotations = pick(dirs, ['annotations']);
  if (annotations) {
    const images = pick(dirs, IMAGE_FOLDERS);
    return { root: dir, annotations: join(dir, annotations), ...(images ? { images: join(dir, images) } : {}), ...(source ? { source } : {}) };
  }
  if (files.some((f) => f.toLowerCase().endsWith('.xml'))) return { root: dir, annotations: dir, images: dir, ...(source ? { source } : {}) };
  return undefined;
}

async function* layouts(path: string): AsyncGenerator<Layout> {
  if ((await pathKind(path)) === 'file') {
    // One XML from an Annotations/ folder: its images are in the sibling image folder.
    const inAnnotations = basename(dirname(path)).toLowerCase() === 'annotations';
    const layout = inAnnotations ? await layoutOf(dirname(dirname(path))) : undefined;
    yield { root: dirname(path), annotations: dirname(path), images: layout?.images ?? dirname(path), file: path };
    return;
  }
  const top = await layoutOf(path);
  if (top) {
    yield top;
    return;
  }
  for await (const entry of await opendir(path)) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const subset = await layoutOf(join(path, entry.name), entry.name);
    if (subset) yield subset;
  }
}

/** File names an annotation's image may have: `x.jpg.xml` → x.jpg.jpg, x.jpg.png, …, x.jpg. */
function imageNamesFor(xmlName: string, filename: string | undefined): string[] {
  const stem = basename(xmlName, extname(xmlName));
  const names = IMAGE_EXTENSIONS.map((ext) => `${stem}${ext}`);
  if (isImageName(stem)) names.push(stem);
  if (filename && !names.includes(filename)) names.push(filename);
  return names;
}

/** The image name to report when none is found: `<filename>` when it matches the XML's name, else `stem.jpg`. */
function wouldBeName(xmlName: string, filename: string | undefined): string {
  const stem = basename(xmlName, extname(xmlName));
  if (filename && (filename === stem || basename(filename, extname(filename)) === stem)) return filename;
  return isImageName(stem) && !filename ? stem : `${stem}.jpg`;
}

/** Annotation file names an image may have: `x.jpg.jpg` → x.jpg.xml, x.jpg.jpg.xml. */
function annotationNamesFor(imageName: string): string[] {
  return [`${basename(imageName, extname(imageName))}.xml`, `${imageName}.xml`];
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return undefined;
  return String(value);
}

function objectRegion(object: Record<string, unknown>, element: string): RawRegion {
  const box = (object.bndbox && typeof object.bndbox === 'object' ? object.bndbox : {}) as Record<string, unknown>;
  const name = text(object.name);
  const difficult = text(object.difficult)?.trim();
  const base = { element, ...(name !== undefined ? { text: name } : {}), ...(difficult === '1' || difficult === 'true' ? { ignore: true } : {}) };
  if ('x0' in box || 'y0' in box) {
    return { ...base, points: [0, 1, 2, 3].map((i) => [box[`x${i}`], box[`y${i}`]]) };
  }
  if ('xmin' in box || 'ymin' in box) {
    const { xmin, ymin, xmax, ymax } = box;
    return { ...base, points: [[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]] };
  }
  return { ...base, points: undefined, problem: `no <bndbox> with <x0>…<y3> or <xmin>…<ymax>` };
}

/** A DOCTYPE with an internal subset, or an entity declaration anywhere: what XML entity attacks need. */
const DECLARES_ENTITIES = /<!DOCTYPE[^>[]*\[|<!ENTITY/i;

/** The `<annotation>` element of an XML file, or undefined after reporting why it cannot be used. */
function parseAnnotation(xmlPath: string, content: string, context: ReaderContext): Record<string, unknown> | undefined {
  const badFile = (message: string, line?: number) => {
    context.report({ kind: 'bad-file', file: xmlPath, ...(line ? { line } : {}), message, skipped: true });
    return undefined;
  };
  if (content.trim() === '') return badFile('empty file');
  if (DECLARES_ENTITIES.test(content)) {
    return badFile('declares entities (<!DOCTYPE … [ … ]> or <!ENTITY>): annotations have none, and they can read other files or expand without end; not read');
  }
  const valid = XMLValidator.validate(content);
  if (valid !== true) return badFile(`broken XML: ${valid.err.msg}`, valid.err.line);
  let parsed: { annotation?: unknown };
  try {
    parsed = parser.parse(content) as { annotation?: unknown };
  } catch (error) {
    const reason = (error as Error).message;
    return badFile(/nested tags/i.test(reason) ? `elements nested more than ${MAX_NESTED_TAGS} deep; not read` : `cannot parse the XML (${reason})`);
  }
  const annotation = parsed.annotation;
  if (!annotation || typeof annotation !== 'object') return badFile('no <annotation> root element');
  return annotation as Record<string, unknown>;
}

async function readAnnotation(xmlPath: string, layout: Layout, context: ReaderContext): Promise<RawSample | undefined> {
  const content = readAnnotationText(xmlPath, context, { xml: true });
  if (content === undefined) return undefined;
  const annotation = parseAnnotation(xmlPath, content, context);
  if (!annotation) return undefined;
  const doc = annotation as Record<string, unknown>;
  const size = doc.size as Record<string, unknown> | undefined;
  const filename = text(doc.filename);
  const names = imageNamesFor(basename(xmlPath), filename);
  const objects = (doc.object as Record<string, unknown>[] | undefined) ?? [];
  const source = layout.source ?? text(doc.type);
  return {
    file: xmlPath,
    image: {
      // Without an image folder, name the one the format expects so messages say where images were looked for.
      baseDirs: [layout.images ?? join(layout.root, 'Images')],
      names,
      wouldBe: join(layout.images ?? join(layout.root, 'Images'), wouldBeName(basename(xmlPath), filename)),
    },
    ...(size && text(size.width) !== undefined ? { size: { width: Number(text(size.width)), height: Number(text(size.height)) } } : {}),
    regions: objects.map((object, i) => objectRegion(object && typeof object === 'object' ? object : {}, `object[${i + 1}]`)),
    ...(source ? { source } : {}),
  };
}

/** Reports the images of a layout's own image folder that no annotation pairs with. */
async function reportUnpairedImages(layout: Layout, claimed: ReadonlySet<string>, context: ReaderContext): Promise<void> {
  if (!layout.images || context.options.images) return;
  const index = new CaseInsensitiveIndex();
  for await (const image of walkFiles(layout.images, isImageName, 0)) {
    let paired = claimed.has(image.name);
    for (const name of annotationNamesFor(image.name)) {
      if (paired) break;
      paired = isFile(join(layout.annotations, name)) || Boolean(await index.find(layout.annotations, name));
    }
    if (!paired) {
      context.report({ kind: 'unpaired', file: image.path, message: `image without annotation (no ${annotationNamesFor(image.name).join(' or ')} in ${layout.annotations})`, skipped: true });
    }
  }
}

async function* read(path: string, context: ReaderContext): AsyncGenerator<Sample> {
  context.missingImageKind = 'unpaired';
  for await (const layout of layouts(path)) {
    // Images paired through <filename> rather than by name: few, so remembering them keeps memory flat.
    const claimedByFilename = new Set<string>();
    const files = layout.file
      ? [{ path: layout.file, name: basename(layout.file) }]
      : walkFiles(layout.annotations, (name) => name.toLowerCase().endsWith('.xml'), 0);
    for await (const xml of files) {
      const raw = await readAnnotation(xml.path, layout, context);
      if (!raw) continue;
      const sample = await context.finish(raw);
      const matched = basename(sample.image);
      if (!imageNamesFor(xml.name, undefined).includes(matched)) claimedByFilename.add(matched);
      yield sample;
    }
    if (!layout.file) await reportUnpairedImages(layout, claimedByFilename, context);
  }
}

async function sniff(path: string): Promise<boolean> {
  if ((await pathKind(path)) === 'file') return path.toLowerCase().endsWith('.xml');
  return Boolean(await layoutOf(path));
}

export const vocQuadReader: DatasetReader = {
  name: 'voc-quad',
  aliases: ['voc', 'pascal-voc', 'xml'],
  description: 'Annotations/*.xml + Images/: the reference four-corner <bndbox><x0>…<y3>, or VOC <xmin>…<ymax>',
  frame: 'stored',
  sniff,
  read,
};
