/**
 * COCO "instances" JSON for detectors: DIR/train.json and DIR/val.json, each `{"images": [...],
 * "annotations": [...], "categories": [...]}`. Every region is an annotation with its polygon as
 * `segmentation`, its bounds as `bbox` [x, y, w, h] and `area` (the polygon's); don't-care regions have
 * `iscrowd: 1` (how MMOCR's converters write ICDAR's ###). Text tasks use one category, "text", and keep the
 * transcription in a `text` field (as COCO-Text keeps `utf8_string`); the objects task has one category per
 * label. `file_name` is the image path as the `paths` option says (absolute, or relative to DIR). Ids count from 1 in
 * file order; category ids are shared by both files, in order of first appearance.
 * Streaming: a split's images and annotations go to two temporary files, joined into the JSON on commit.
 * Source of the format: cocodataset.org "Data format" (object detection), as read by
 * src/datasets/readers/coco.ts.
 */
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { boundsOf, polygonArea } from '../../core/geometry.js';
import type { Region } from '../../core/types.js';
import { AtomicFile, BufferedFile } from '../spool.js';
import type { SplitName } from '../split.js';
import type { OutputFormatEntry, OutputSample, OutputWriter, Sink } from './types.js';


const round2 = (v: number): number => Math.round(v * 100) / 100;

interface EncodedAnnotation {
  label: string;
  text?: string;
  segmentation: number[][];
  bbox: number[];
  area: number;
  iscrowd: 0 | 1;
}

function annotation(region: Region, sample: OutputSample, ignore: boolean): EncodedAnnotation {
  const [x1, y1, x2, y2] = boundsOf(region.points);
  const textTask = sample.task !== 'objects';
  const label = textTask ? 'text' : region.text?.trim() || 'text';
  const text = sample.task === 'text' ? (ignore ? '###' : (region.text ?? '')) : undefined;
  return {
    label,
    ...(text !== undefined ? { text } : {}),
    segmentation: [region.points.flatMap(([x, y]) => [round2(x), round2(y)])],
    bbox: [round2(x1), round2(y1), round2(x2 - x1), round2(y2 - y1)],
    area: round2(polygonArea(region.points)),
    iscrowd: ignore ? 1 : 0,
  };
}

function encode(sample: OutputSample): string {
  const record = {
    image: { file_name: sample.image, width: sample.size.width, height: sample.size.height },
    annotations: [...sample.care.map((r) => annotation(r, sample, false)), ...sample.ignored.map((r) => annotation(r, sample, true))],
  };
  return `${JSON.stringify(record)}\n`;
}

/** Copies a file's bytes into `target`, in 1 MB reads. */
function appendFile(target: BufferedFile, path: string): void {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) target.write(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

function cocoSink(out: string, split: SplitName, categories: Map<string, number>): Sink {
  const images = new BufferedFile(join(out, `.${split}.images.partial-${process.pid}`));
  const annotations = new BufferedFile(join(out, `.${split}.annotations.partial-${process.pid}`));
  let imageId = 0;
  let annotationId = 0;
  const cleanUp = (): void => {
    for (const file of [images, annotations]) {
      try {
        file.close();
      } catch {
        // already closed
      }
      rmSync(file.path, { force: true });
    }
  };
  return {
    write(record) {
      for (const row of record.toString('utf8').split('\n')) {
        if (row === '') continue;
        const parsed = JSON.parse(row) as { image: Record<string, unknown>; annotations: EncodedAnnotation[] };
        imageId++;
        images.write(`${imageId > 1 ? ',\n' : '\n'}${JSON.stringify({ id: imageId, ...parsed.image })}`);
        for (const { label, ...rest } of parsed.annotations) {
          if (!categories.has(label)) categories.set(label, categories.size + 1);
          annotationId++;
          const entry = { id: annotationId, image_id: imageId, category_id: categories.get(label), ...rest };
          annotations.write(`${annotationId > 1 ? ',\n' : '\n'}${JSON.stringify(entry)}`);
        }
      }
    },
    get samples() {
      return imageId;
    },
    commit() {
      images.close();
      annotations.close();
      const file = new AtomicFile(join(out, `${split}.json`));
      file.write('{"images": [');
      appendFile(file, images.path);
      file.write('],\n"annotations": [');
      appendFile(file, annotations.path);
      const list = [...categories].map(([name, id]) => ({ id, name, supercategory: name }));
      file.write(`],\n"categories": ${JSON.stringify(list)}}\n`);
      file.commit();
      cleanUp();
    },
    discard: cleanUp,
  };
}

function create(): OutputWriter {
  const categories = new Map<string, number>();
  return {
    encode,
    openSinks: ({ out }) => ({ train: cocoSink(out, 'train', categories), val: cocoSink(out, 'val', categories) }),
    files: () => ({ train: 'train.json', val: 'val.json' }),
  };
}

export const cocoFormat: OutputFormatEntry = {
  name: 'coco',
  aliases: ['coco-json'],
  description: 'COCO instances JSON (train.json, val.json): polygon + bbox per region, iscrowd for don\'t care',
  answers: false,
  create,
};
