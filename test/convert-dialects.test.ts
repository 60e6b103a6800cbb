/**
 * `convertDataset` on examples/seed-test (50 images, 660 regions of which 510 care, 150 don't care,
 * as `ocrdet data stats` counts them) for every grounding dialect: 45 train / 5 val samples, and every
 * answer decoded with the dialect's own parse gives back every care region of its image — same label, each
 * coordinate within one unit of the dialect's grid — without a warning. Also the ms-swift `objects` rows
 * and InternVL's own rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { boundsOf, clipPoints } from '../src/core/geometry.js';
import type { Sample } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { OBJECTS_DIALECTS } from '../src/datasets/convert-target.js';
import { datasetStats } from '../src/datasets/index.js';
import { dialects, getDialect } from '../src/grounding/index.js';
import { recordInputSize } from '../src/grounding/record.js';
import { readDataRecordFile } from '../src/datasets/record-file.js';
import { assistantOf, missingRegions, readJsonl, SEED_TEST, seedTestByImage, tempOut } from './helpers/convert.js';

type SwiftRow = { messages: { role: string; content: string }[]; images: string[]; objects?: Record<string, unknown> };

let truth: Map<string, Sample>;
let careRegions = 0;
beforeAll(async () => {
  truth = await seedTestByImage();
  const stats = await datasetStats(SEED_TEST, { probeImages: false });
  careRegions = stats.regions - stats.ignored;
});

describe('seed-test → ms-swift JSONL, every dialect', () => {
  it('seed-test holds 50 images and 510 care regions (what data stats counts)', () => {
    expect(truth.size).toBe(50);
    expect(careRegions).toBe(510);
  });

  for (const dialect of dialects.all()) {
    it(`${dialect.name}: 45/5 samples whose answers hold every care region of their image`, async () => {
      const out = tempOut(dialect.name);
      const report = await convertDataset(SEED_TEST, { out, dialect: dialect.name });
      const train = readJsonl<SwiftRow>(join(out, 'train.jsonl'));
      const val = readJsonl<SwiftRow>(join(out, 'val.jsonl'));
      expect([train.length, val.length]).toEqual([45, 5]);
      expect(report.samples).toMatchObject({ train: 45, val: 5, total: 50 });
      expect(report.regions.inAnswers).toBe(careRegions);
      expect(report.regions.dropped['dont-care']).toBe(150);
      // Decoded as detection decodes them: in the model input the data record names (Qwen2.5-VL's pixels).
      const record = readDataRecordFile(join(out, 'ocrdet-data.json'));
      expect(record.dialect).toBe(dialect.name);
      let decodedRegions = 0;
      for (const row of [...train, ...val]) {
        const sample = truth.get(row.images[0])!;
        expect(sample, row.images[0]).toBeDefined();
        const inputSize = recordInputSize(record, sample);
        const { regions, warnings } = dialect.parse(assistantOf(row), { width: sample.width, height: sample.height }, inputSize ? { inputSize } : {});
        expect(warnings, row.images[0]).toEqual([]);
        expect(missingRegions(sample, regions, dialect, inputSize), `${dialect.name} on ${row.images[0]}`).toEqual([]);
        decodedRegions += regions.length;
      }
      expect(decodedRegions).toBe(careRegions);
      const images = new Set([...train, ...val].map((r) => r.images[0]));
      expect(images.size).toBe(50);
      // Rows are canonical JSON: exactly what JSON.stringify writes for the parsed row.
      const lines = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n');
      for (const line of lines) expect(JSON.stringify(JSON.parse(line))).toBe(line);
    });
  }

  for (const name of OBJECTS_DIALECTS) {
    it(`${name} --answer objects: one <ref-object><bbox> line per care region and an objects dict ms-swift accepts`, async () => {
      const out = tempOut(`objects-${name}`);
      await convertDataset(SEED_TEST, { out, dialect: name, answer: 'objects' });
      const rows = [...readJsonl<SwiftRow>(join(out, 'train.jsonl')), ...readJsonl<SwiftRow>(join(out, 'val.jsonl'))];
      expect(rows).toHaveLength(50);
      let boxes = 0;
      for (const row of rows) {
        const sample = truth.get(row.images[0])!;
        const objects = row.objects as { ref: string[]; bbox: number[][]; bbox_type: string };
        // ms-swift's _check_objects keeps only these keys; bbox_type 'real' = pixels of the image as loaded.
        expect(Object.keys(objects)).toEqual(['ref', 'bbox', 'bbox_type']);
        expect(objects.bbox_type).toBe('real');
        const answer = assistantOf(row);
        expect(answer.split('\n').every((line) => line === '<ref-object><bbox>')).toBe(true);
        expect(answer.match(/<bbox>/g)).toHaveLength(objects.bbox.length);
        expect(answer.match(/<ref-object>/g)).toHaveLength(objects.ref.length);
        for (const box of objects.bbox) {
          expect(box).toHaveLength(4);
          expect(box[0] < box[2] && box[1] < box[3]).toBe(true);
          expect(box[0] >= 0 && box[1] >= 0 && box[2] <= sample.width && box[3] <= sample.height).toBe(true);
        }
        // The pixel boxes are the care regions' bounds clipped to the image, to 0.01 px.
        const expected = sample.regions
          .filter((r) => !r.ignore)
          .map((r) => ({ text: r.text, box: boundsOf(clipPoints(r.points, sample)).map((v) => Math.round(v * 100) / 100) }))
          .sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
        const written = objects.bbox.map((box, i) => ({ text: objects.ref[i], box })).sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
        expect(written).toEqual(expected);
        boxes += objects.bbox.length;
      }
      expect(boxes).toBe(careRegions);
    });
  }

  it("--to internvl writes InternVL's rows (id, image, width, height, conversations) and meta.json", async () => {
    const out = tempOut('internvl');
    await convertDataset(SEED_TEST, { out, to: 'internvl' });
    const train = readJsonl<Record<string, unknown>>(join(out, 'train.jsonl'));
    expect(train).toHaveLength(45);
    train.forEach((row, i) => {
      expect(Object.keys(row)).toEqual(['id', 'image', 'width', 'height', 'conversations']);
      expect(row.id).toBe(i);
      const [human, gpt] = row.conversations as { from: string; value: string }[];
      expect(human).toEqual({ from: 'human', value: '<image>\n请识别图中所有文字，并输出坐标框' });
      const sample = truth.get(row.image as string)!;
      expect([row.width, row.height]).toEqual([sample.width, sample.height]);
      const { regions } = getDialect('internvl2').parse(gpt.value, sample);
      expect(missingRegions(sample, regions, getDialect('internvl2'))).toEqual([]);
    });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toEqual({ ocrdet_train: { root: out, annotation: join(out, 'train.jsonl'), data_augment: false, repeat_time: 1, length: 45 } });
  });

  it('refuses combinations the targets cannot train: objects for paligemma, internvl rows in another dialect', async () => {
    await expect(convertDataset(SEED_TEST, { out: tempOut(), dialect: 'paligemma', answer: 'objects' })).rejects.toThrow(/use --answer native/);
    await expect(convertDataset(SEED_TEST, { out: tempOut(), to: 'internvl', dialect: 'qwen2-vl' })).rejects.toThrow(/internvl2 dialect/);
    await expect(convertDataset(SEED_TEST, { out: tempOut(), answer: 'objects', swiftVersion: 2 })).rejects.toThrow(/2\.x rows/);
  });
});
