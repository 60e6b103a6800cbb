/**
 * ICDAR 2015 ground truth for detectors: one `gt_<image stem>.txt` per image, lines
 * `x1,y1,x2,y2,x3,y3,x4,y4,transcription` (integers, clockwise from the top-left), `###` for don't-care
 * regions, in DIR/train/ and DIR/val/. Polygons of more than four points are written as their minimum-area
 * rectangle (the format holds quadrilaterals only). The format names no image: images are paired by name
 * (`gt_img_1.txt` ↔ `img_1.jpg`), so DIR/<split>-images.tsv lists `gt file<TAB>image path` for each; read
 * the folder back with `--images` pointing at the images, or convert with `--copy-images` (DIR/images/,
 * found by the reader beside the split folders).
 * Source of the format: ICDAR 2015 Robust Reading Challenge 4 ground truth (as read by
 * src/datasets/readers/icdar2015.ts).
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { makeDirectory } from '../../core/dirs.js';
import { minAreaRect, orderClockwise } from '../../core/geometry.js';
import type { Point, Region } from '../../core/types.js';
import { AtomicFile } from '../spool.js';
import type { SplitName } from '../split.js';
import type { OutputFormatEntry, OutputSample, OutputWriter, Sink } from './types.js';

function quadOf(region: Region): Point[] {
  return region.points.length === 4 ? region.points : orderClockwise(minAreaRect(region.points).points);
}

function line(region: Region, text: string): string {
  const numbers = quadOf(region).flatMap(([x, y]) => [Math.round(x), Math.round(y)]);
  return `${numbers.join(',')},${text.replace(/[\r\n]+/g, ' ')}`;
}

function encode(sample: OutputSample): string {
  const stem = basename(sample.image, extname(sample.image));
  const lines = [
    ...sample.care.map((r) => line(r, sample.task === 'boxes' ? '' : (r.text ?? ''))),
    ...sample.ignored.map((r) => line(r, '###')),
  ];
  return `${JSON.stringify({ name: `gt_${stem}.txt`, image: sample.image, content: lines.length ? `${lines.join('\n')}\n` : '' })}\n`;
}

/** A free file name in `dir`: `name`, else `name~2`, `name~3`, … before the extension. */
function freeName(dir: string, name: string): string {
  if (!existsSync(join(dir, name))) return name;
  const ext = extname(name);
  for (let n = 2; ; n++) {
    const candidate = `${basename(name, ext)}~${n}${ext}`;
    if (!existsSync(join(dir, candidate))) return candidate;
  }
}

function folderSink(out: string, split: SplitName): Sink {
  const staging = join(out, `.${split}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  makeDirectory(staging);
  const list = new AtomicFile(join(out, `${split}-images.tsv`));
  let samples = 0;
  return {
    write(record) {
      for (const row of record.toString('utf8').split('\n')) {
        if (row === '') continue;
        const { name, image, content } = JSON.parse(row) as { name: string; image: string; content: string };
        const free = freeName(staging, name);
        writeFileSync(join(staging, free), content);
        list.write(`${free}\t${image}\n`);
        samples++;
      }
    },
    get samples() {
      return samples;
    },
    commit() {
      list.commit();
      rmSync(join(out, split), { recursive: true, force: true });
      renameSync(staging, join(out, split));
    },
    discard() {
      list.discard();
      rmSync(staging, { recursive: true, force: true });
    },
  };
}

function create(): OutputWriter {
  return {
    encode,
    openSinks: ({ out }) => ({ train: folderSink(out, 'train'), val: folderSink(out, 'val') }),
    files: () => ({ train: 'train/', val: 'val/', trainImages: 'train-images.tsv', valImages: 'val-images.tsv' }),
  };
}

export const icdarFormat: OutputFormatEntry = {
  name: 'icdar',
  aliases: ['icdar2015', 'ic15'],
  description: 'ICDAR 2015 gt_<image>.txt per image (x1,y1,…,x4,y4,text; ### = don\'t care) in train/ and val/',
  answers: false,
  create,
};
