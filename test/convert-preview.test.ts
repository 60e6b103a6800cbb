/**
 * `previewDataset`: training rows decoded back and drawn. The dialect comes from report.json beside the
 * file, from --dialect, or from the answer's syntax; objects rows are placed from their pixel boxes; a row
 * whose image is missing is reported and the rest goes on. The pictures are PNGs of the image's size (or
 * shrunk to maxSidePx) with the outlines drawn where the ground truth is: checked here by pixel colour along
 * one box edge of a rendered image with known text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { convertDataset } from '../src/datasets/convert.js';
import { previewDataset } from '../src/datasets/preview.js';
import { recogniseDialect } from '../src/datasets/preview-rows.js';
import { getDialect } from '../src/grounding/index.js';
import { SEED_TEST, tempOut } from './helpers/convert.js';
import { tempDataset } from './helpers/datasets.js';
import { renderTextLines } from './helpers/text-images.js';

describe('recogniseDialect', () => {
  it('tells the dialects apart by their syntax, and says when a syntax is shared', () => {
    const size = { width: 640, height: 480 };
    const regions = [{ points: [[10, 20], [200, 20], [200, 60], [10, 60]] as [number, number][], box: [10, 20, 200, 60] as [number, number, number, number], text: 'A' }];
    for (const name of ['internvl2', 'qwen-vl', 'florence-2', 'paligemma', 'deepseek-vl2']) {
      expect(recogniseDialect(getDialect(name).format(regions, size)), name).toEqual({ dialect: name });
    }
    expect(recogniseDialect(getDialect('qwen2-vl').format(regions, size)).note).toMatch(/guessed qwen2-vl/);
    expect(recogniseDialect('[{"bbox_2d": [10, 20, 1200, 60], "label": "A"}]')).toEqual({ dialect: 'qwen2.5-vl' });
    expect(recogniseDialect('no boxes here')).toEqual({});
  });
});

describe('previewDataset', () => {
  it('draws each row where its answer says, with the dialect of report.json', async () => {
    const { png, quads } = await renderTextLines(600, 300, [{ text: 'PREVIEW', x: 100, y: 150, fontSizePx: 60 }]);
    const gt = `${quads[0].flat().join(',')},PREVIEW\n`;
    const dataset = tempDataset({ 'img.png': png, 'gt_img.txt': gt });
    const out = tempOut('pv-convert');
    await convertDataset(dataset, { out, format: 'icdar2015', dialect: 'qwen2.5-vl', split: 1 });
    const pictures = tempOut('pv');
    const result = await previewDataset(join(out, 'train.jsonl'), { out: pictures });
    expect(result.pictures).toHaveLength(1);
    expect(result.pictures[0]).toMatchObject({ dialect: 'qwen2.5-vl', regions: 1, warnings: [] });
    const { data, info } = await sharp(result.pictures[0].picture).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([600, 300]);
    // The outline's first colour (#00e5ff) runs along the top edge of the text's box; the background is beige.
    const [x1, y1, x2] = [Math.min(...quads[0].map((p) => p[0])), Math.min(...quads[0].map((p) => p[1])), Math.max(...quads[0].map((p) => p[0]))];
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const midX = Math.round((x1 + x2) / 2);
    expect(pixel(midX, Math.round(y1))).toEqual([0, 229, 255]);
    expect(pixel(midX, Math.round(y1) - 12)).not.toEqual([0, 229, 255]);
    expect(readFileSync(join(pictures, 'index.md'), 'utf8')).toContain('qwen2.5-vl');
  });

  it('reads objects rows, recognises dialects without a report, and goes on past a missing image', async () => {
    const out = tempOut('pv-objects');
    await convertDataset(SEED_TEST, { out, answer: 'objects', dialect: 'qwen2-vl' });
    const objects = await previewDataset(join(out, 'val.jsonl'), { out: tempOut('pv-o'), maxSidePx: 400 });
    expect(objects.pictures).toHaveLength(5);
    for (const p of objects.pictures) expect(p.warnings).toEqual([]);

    const native = tempOut('pv-native');
    await convertDataset(SEED_TEST, { out: native, dialect: 'deepseek-vl2' });
    const lonely = join(tempOut('pv-lonely'), 'rows.jsonl');
    const rows = readFileSync(join(native, 'val.jsonl'), 'utf8').trim().split('\n');
    const missing = JSON.stringify({ messages: [{ role: 'user', content: '<image>x' }, { role: 'assistant', content: '<|ref|>a<|/ref|><|det|>[[1, 2, 3, 4]]<|/det|>' }], images: ['/nowhere/x.jpg'] });
    writeFileSync(lonely, [rows[0], missing, 'not json', rows[1]].join('\n'));
    const problems: string[] = [];
    const result = await previewDataset(lonely, { out: tempOut('pv-l'), maxSidePx: 400, onProblem: (p) => problems.push(`${p.kind} ${p.line}`) });
    expect(result.pictures.map((p) => [p.row, p.dialect])).toEqual([[1, 'deepseek-vl2'], [4, 'deepseek-vl2']]);
    expect(result.failed).toBe(2);
    expect(problems).toEqual(['unreadable-image 2', 'bad-record 3']);
  });
});

describe('previewDataset with the wrong dialect', () => {
  it('says, for each row without boxes, which dialect its syntax is, and that a missing file is not found', async () => {
    const out = tempOut('pv-wrong-convert');
    await convertDataset(SEED_TEST, { out, dialect: 'internvl2' });
    const notes: string[] = [];
    const result = await previewDataset(join(out, 'val.jsonl'), { out: tempOut('pv-wrong'), dialect: 'qwen2-vl', limit: 3, onProblem: (p) => notes.push(p.message) });
    const wrong = 'no qwen2-vl boxes in this answer; its syntax is internvl2\'s: is option "dialect" qwen2-vl right?';
    expect(result.pictures.map((p) => [p.regions, p.warnings[0]])).toEqual([[0, wrong], [0, wrong], [0, wrong]]);
    // Said once, with how many more rows it held for (not once per row).
    expect(notes).toEqual([wrong, `the note of row 1 held for 2 more rows ("${wrong.slice(0, 40)}…")`]);
    await expect(previewDataset(join(out, 'nope.jsonl'), { out: tempOut('pv-nope') })).rejects.toMatchObject({ code: 'OCRDET_NOT_FOUND' });
  });
});
