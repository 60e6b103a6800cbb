/**
 * `detect --backend vlm` given the data record of the model's training (`record`, the CLI's --from): for every
 * model family, the images it sends are what training showed the model, the prompts are the training rows', and
 * the answers the model was trained to write come back as the regions they were written from. The server is the
 * PROTOCOL DOUBLE of test/helpers/openai-double.js, answering each image with its training row's answer.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../src/cli/program.js';
import type { Sample } from '../src/core/types.js';
import { convertDataset } from '../src/datasets/convert.js';
import { readDataRecordFile } from '../src/datasets/record-file.js';
import { readDataset } from '../src/datasets/index.js';
import { createVlmDetector } from '../src/detectors/vlm/backend.js';
import { FAMILIES } from '../src/grounding/families.js';
import { modelView, sameView } from '../src/grounding/image-rules.js';
import { getDialect } from '../src/grounding/index.js';
import { recordInputSize } from '../src/grounding/record.js';
import { probeImage } from '../src/image/probe.js';
import { startOpenAiDouble, type OpenAiDouble } from './helpers/openai-double.js';
import { missingRegions } from './helpers/grounding.js';
import { readJsonl, SEED_TEST } from './helpers/convert.js';
import { removeScratchDirs, scratchDir } from './standins/bin.js';
import { captureStreams } from './helpers/streams.js';

afterAll(removeScratchDirs);

/** Four seed-test photos: 1600×1200 (shrunk by every tiling and budget), 600×800 portrait, 800×800, 310×310. */
const PHOTOS = ['MSRA_TD500_IMG_1688', 'MTWI2018_TB16V4vLXXXXXX6aXXXunYpLFXX', 'MTWI2018_TB16mBHLXXXXXauXFXXunYpLFXX', 'MTWI2018_TB17QdJLXXXXXXhXFXXunYpLFXX'];

let dataset = '';
const truth = new Map<string, Sample>();
let server: OpenAiDouble | undefined;

beforeAll(async () => {
  dataset = scratchDir('ocrdet-vlm-record-');
  for (const folder of ['Images', 'Annotations']) mkdirSync(join(dataset, folder));
  for (const name of PHOTOS) {
    cpSync(join(SEED_TEST, 'Images', `${name}.jpg`), join(dataset, 'Images', `${name}.jpg`));
    cpSync(join(SEED_TEST, 'Annotations', `${name}.xml`), join(dataset, 'Annotations', `${name}.xml`));
  }
  for await (const sample of readDataset(dataset, { format: 'voc-quad' })) truth.set(sample.image, sample);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Row = { messages: { role: string; content: string }[]; images: string[] };

describe('every family: detect sends what training saw and reads back what training wrote', () => {
  for (const family of FAMILIES.all()) {
    it(family.name, async () => {
      const out = scratchDir(`ocrdet-${family.name}-`);
      await convertDataset(dataset, { out, family: family.name, dialect: family.dialects[0], split: 1 });
      const record = readDataRecordFile(join(out, 'ocrdet-data.json'));
      const rows = readJsonl<Row>(join(out, 'train.jsonl'));
      expect(rows).toHaveLength(PHOTOS.length);
      // The model answers each image with the answer it was trained on for it.
      let current: Row | undefined;
      server = await startOpenAiDouble({ answer: () => current!.messages.find((m) => m.role === 'assistant')!.content });
      const detector = await createVlmDetector({ baseUrl: server.url, model: 'ocrdet-test-model', record });
      const dialect = getDialect(record.dialect);
      for (const row of rows) {
        current = row;
        const image = row.images[0];
        const detection = await detector.detect(image);
        const sent = server.received.at(-1)!;
        // The pixels trained: the image file of the row, as ms-swift loads it.
        const trained = await probeImage(image);
        const view = modelView(trained, record.image);
        expect(sameView(modelView({ width: sent.image!.width!, height: sent.image!.height! }, record.image), view), `${basename(image)} sent at ${sent.image!.width}×${sent.image!.height}`).toBe(true);
        // The prompts of the rows.
        const user = row.messages.find((m) => m.role === 'user')!.content;
        expect(sent.prompt).toBe(record.prompt);
        expect(user.replace(/^<image>/, '')).toBe(record.prompt);
        // The answer read in the frame it was written in: every care region back, within one grid unit.
        const sample = truth.get(image)!;
        const inputSize = recordInputSize(record, sample);
        expect(detection.error).toBeUndefined();
        expect(missingRegions(sample, detection.regions, dialect, inputSize), basename(image)).toEqual([]);
      }
      await detector.close();
    });
  }
});

describe('options that contradict the record, and the CLI\'s --from', () => {
  let record: ReturnType<typeof readDataRecordFile>;
  let out = '';
  beforeAll(async () => {
    out = scratchDir('ocrdet-from-');
    await convertDataset(dataset, { out, dialect: 'qwen2.5-vl', split: 1 });
    record = readDataRecordFile(join(out, 'ocrdet-data.json'));
  });

  it('a dialect, a prompt or a pixel budget other than the record\'s is a usage error naming both', async () => {
    await expect(createVlmDetector({ baseUrl: 'http://127.0.0.1:1/v1', model: 'ocrdet-test-model', record, dialect: 'qwen2-vl' })).rejects.toThrow('option "dialect" "qwen2-vl" contradicts the data record, which says "qwen2.5-vl"');
    await expect(createVlmDetector({ baseUrl: 'http://127.0.0.1:1/v1', model: 'ocrdet-test-model', record, prompt: 'find text' })).rejects.toThrow(`option "prompt" "find text" contradicts the data record, which says "${record.prompt}"`);
    await expect(createVlmDetector({ baseUrl: 'http://127.0.0.1:1/v1', model: 'ocrdet-test-model', record, maxInputPixels: 12845056 })).rejects.toThrow(/option "maxInputPixels" 12845056 contradicts the data record/);
  });

  it('detect --from a data folder: the record\'s prompt and Qwen2.5-VL\'s 1,003,520-px input (a 1600×1200 photo goes at 1148×840)', async () => {
    server = await startOpenAiDouble({ answer: () => '[]' });
    const photo = join(dataset, 'Images', `${PHOTOS[0]}.jpg`);
    const streams = captureStreams();
    expect(await run(['detect', photo, '--backend', 'vlm', '--base-url', server.url, '--model', 'ocrdet-test-model', '--from', out, '-q'])).toBe(0);
    vi.restoreAllMocks();
    // smart_resize of 1600×1200 at 1,003,520 px: β = √(1,920,000 / 1,003,520) = 1.3832, ⌊1200 / β / 28⌋ = 30 → 840,
    // ⌊1600 / β / 28⌋ = 41 → 1148: the model's input, sent as it is.
    expect(server.received[0].image).toMatchObject({ width: 1148, height: 840 });
    expect(modelView({ width: 1600, height: 1200 }, record.image).canvas).toEqual({ width: 1148, height: 840 });
    expect(server.received[0].prompt).toBe(record.prompt);
    expect(JSON.parse(streams.stdout)).toMatchObject({ dialect: 'qwen2.5-vl', width: 1600, height: 1200 });
  });

  it('--from a folder without a record says where it looked (exit 2)', async () => {
    const empty = scratchDir('ocrdet-empty-');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await run(['detect', join(dataset, 'Images', `${PHOTOS[3]}.jpg`), '--backend', 'vlm', '--base-url', 'http://127.0.0.1:1/v1', '--model', 'ocrdet-test-model', '--from', empty])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toContain(`--from ${empty}: no ocrdet-data.json there or in the 4 folders above`);
  });
});
