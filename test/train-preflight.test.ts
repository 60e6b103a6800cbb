/**
 * Pre-flight: data files, images, dialect vs model family, GPUs and memory. GPUs come from a STAND-IN
 * nvidia-smi printing recorded `--query-gpu` output (test/fixtures/train/nvidia-smi: 8 × A800-SXM4-80GB
 * with card 6 busy; one Tesla T4). Data: the reference's own three training rows (their images live on
 * the reference's machine, so they are missing here) and rows written by the test around rendered images.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDataFile } from '../src/train/preflight-data.js';
import { estimateGpuMemory, parseNvidiaSmi, queryGpus } from '../src/train/gpus.js';
import { preflight } from '../src/train/preflight.js';
import { PRESETS } from '../src/train/presets.js';
import { resolveRecipe, type RecipeInput } from '../src/train/recipe.js';
import { resolveSwiftVersion } from '../src/train/version.js';
import { solidJpeg } from './helpers/images.js';
import { removeScratchDirs, scratchDir, standinEnv, TRAIN_FIXTURES } from './standins/bin.js';

afterAll(removeScratchDirs);

const SEED_ROWS = join(TRAIN_FIXTURES, 'seed-scripts/ocr_det_test_dataset.head3.jsonl');

async function dataDir(rows: unknown[]): Promise<string> {
  const dir = scratchDir('ocrdet-data-');
  writeFileSync(join(dir, 'a.jpg'), await solidJpeg(64, 48));
  writeFileSync(join(dir, 'train.jsonl'), rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return dir;
}

const messagesRow = (image: string, answer: string) => ({
  messages: [
    { role: 'user', content: '<image>Please detect all text lines and mark their positions.' },
    { role: 'assistant', content: answer },
  ],
  images: [image],
});

describe('nvidia-smi (stand-in with recorded output)', () => {
  it('reads the recorded CSV in both forms: with header and units, and as ocrdet asks (noheader,nounits)', async () => {
    const recorded = parseNvidiaSmi(readFileSync(join(TRAIN_FIXTURES, 'nvidia-smi/a800x8.csv'), 'utf8'));
    const queried = await queryGpus(standinEnv().env);
    expect(queried).toEqual(recorded);
    expect(queried).toHaveLength(8);
    expect(queried[6]).toEqual({ index: 6, name: 'NVIDIA A800-SXM4-80GB', totalMiB: 81920, usedMiB: 74829, freeMiB: 6399 });
  });

  it('a machine without a working driver, or without nvidia-smi', async () => {
    await expect(queryGpus(standinEnv({ STANDIN_GPUS_FAIL: '1' }).env)).rejects.toThrow(/nvidia-smi failed \(exit code 9\): NVIDIA-SMI has failed/);
    await expect(queryGpus({ PATH: '/nonexistent' })).rejects.toThrow('no NVIDIA GPU visible: nvidia-smi is not installed');
  });
});

describe('memory a recipe needs per GPU', () => {
  it('the reference figure at the reference batch: 45.46 GiB at the first step, 67.16 GiB at its peak', () => {
    const need = estimateGpuMemory(PRESETS.get('internvl2-8b'), 2);
    expect(need.minimumGiB).toBeCloseTo(45.46, 6);
    expect(need.peakGiB).toBeCloseTo(67.16, 6);
  });

  it('scaled to another batch: the weights stay (8.1212141e9 × 2 bytes = 15.127 GiB), the rest scales', () => {
    const need = estimateGpuMemory(PRESETS.get('internvl2-8b'), 1);
    // 15.1269 + (45.46 − 15.1269) / 2 = 30.2935; 15.1269 + (67.16 − 15.1269) / 2 = 41.1435
    expect(need.minimumGiB).toBeCloseTo(30.2935, 3);
    expect(need.peakGiB).toBeCloseTo(41.1435, 3);
    expect(need.basis).toMatch(/scaled from batch 2 to 1/);
    expect(estimateGpuMemory(PRESETS.get('qwen2-vl-7b'), 1)).toMatchObject({ minimumGiB: 20, peakGiB: 20 });
    expect(estimateGpuMemory(PRESETS.get('qwen2-vl-7b'), 1, 30)).toMatchObject({ minimumGiB: 30, basis: 'requiredGpuMemoryGiB in the recipe' });
  });
});

describe('preflight', () => {
  async function check(flags: RecipeInput, env: NodeJS.ProcessEnv = {}, version = '3.12.6') {
    const data = await dataDir([messagesRow('a.jpg', '<ref>Total</ref><box>[[90, 160, 135, 212]]</box>')]);
    const recipe = resolveRecipe({ flags: { data, out: join(data, 'runs'), ...flags } });
    return preflight({ recipe, version: resolveSwiftVersion(version), files: { train: join(data, 'train.jsonl') }, cwd: data, env: standinEnv(env).env });
  }

  it('passes on free A800s with data in the recipe\'s dialect', async () => {
    const report = await check({ gpus: '0,1,2,3' });
    expect(report.problems).toEqual([]);
    expect(report.warnings.filter((w) => w.startsWith('GPU'))).toEqual([]); // (a disk warning depends on this machine's /tmp)
    expect(report.data[0]).toMatchObject({ rows: 1, images: 1, missingImages: 0, dialects: { internvl2: 1 } });
    expect(report.disk?.checkpointsGiB).toBeCloseTo((3 * 16 * (45.8487e6 / 16) * 12) / 2 ** 30, 6); // 3 × 0.512 GiB
  });

  it('a busy card (6.2 GiB free of 80) stops the launch with a line that says what to do', async () => {
    const report = await check({ gpus: '4,5,6,7' });
    expect(report.problems).toEqual([
      'GPU 6 (NVIDIA A800-SXM4-80GB): 6.2 GiB free of 80.0, the recipe needs about 45.5 GiB (the reference log: memory(GiB) 45.46 at step 1, peak 67.16 from step 215 (batch 2, max_length 2048)); free it, pick others with --gpus, or lower --batch-size',
    ]);
  });

  it('a T4 has room for neither the start nor the peak; a card that is not there is named', async () => {
    const t4 = await check({ gpus: '0' }, { STANDIN_GPUS_CSV: join(TRAIN_FIXTURES, 'nvidia-smi/t4.csv') });
    expect(t4.problems[0]).toMatch(/^GPU 0 \(Tesla T4\): 12\.8 GiB free of 14\.8, the recipe needs about 45\.5 GiB/);
    expect((await check({ gpus: '0,8' })).problems).toEqual(['GPU 8: not present (nvidia-smi lists 0, 1, 2, 3, 4, 5, 6, 7); choose others with --gpus']);
  });

  it('enough to start but less than the reference\'s peak is a warning', async () => {
    // Batch 3: 15.13 + (45.46 − 15.13) × 3/2 = 60.6 GiB to start, 15.13 + (67.16 − 15.13) × 3/2 = 93.2 GiB at peak; an A800 has 79.3 free.
    const report = await check({ gpus: '0', batchSize: 3 });
    expect(report.problems).toEqual([]);
    expect(report.warnings.filter((w) => w.startsWith('GPU'))).toEqual([
      'GPU 0 (NVIDIA A800-SXM4-80GB): 79.3 GiB free; enough to start, but the reference run grew to 93.2 GiB (the reference log: memory(GiB) 45.46 at step 1, peak 67.16 from step 215 (batch 2, max_length 2048), scaled from batch 2 to 3) and may run out of memory later',
    ]);
  });

  it('without nvidia-smi: a problem that says how to skip the check', async () => {
    const data = await dataDir([messagesRow('a.jpg', '<ref>x</ref><box>[[1, 2, 3, 4]]</box>')]);
    const recipe = resolveRecipe({ flags: { data, out: join(data, 'runs') } });
    const report = await preflight({ recipe, version: resolveSwiftVersion('3'), files: { train: join(data, 'train.jsonl') }, cwd: data, env: { PATH: '/nonexistent' } });
    expect(report.problems).toEqual(['no NVIDIA GPU visible: nvidia-smi is not installed (pass --no-gpu-check to build and launch anyway)']);
  });

  it('the dialect must fit the model family; ms-swift 2.x cannot train Qwen2.5-VL', async () => {
    expect((await check({ preset: 'qwen2.5-vl-7b', dialect: 'internvl2', gpus: '0' })).problems[0]).toBe(
      'dialect "internvl2" does not fit Qwen/Qwen2.5-VL-7B-Instruct (the qwen2.5-vl family, trained in qwen2.5-vl or qwen2-vl): convert the data with --dialect qwen2.5-vl, or pick a preset whose family writes internvl2',
    );
    expect((await check({ preset: 'qwen2.5-vl-7b', dialect: 'qwen2-vl', gpus: '0' })).problems.filter((p) => p.includes('does not fit'))).toEqual([]);
    expect((await check({ dialect: 'florence-2', gpus: '0' })).problems[0]).toMatch(/^dialect "florence-2" does not fit OpenGVLab\/InternVL2-8B \(the internvl2 family, trained in internvl2\)/);
    expect((await check({ preset: 'qwen2.5-vl-7b', gpus: '0' }, {}, '2.4.2')).problems).toContain('Qwen/Qwen2.5-VL-7B-Instruct needs ms-swift 3.1.0 or later (ms-swift 2.4.2 has no model_type for it)');
  });
});

describe('the data files', () => {
  it('the reference\'s own rows: 2.x format, internvl2 answers, images on another machine', async () => {
    const report = await checkDataFile(SEED_ROWS, { cwd: '/', dialect: 'internvl2', role: 'train' });
    expect(report).toMatchObject({ rows: 3, images: 3, missingImages: 3, dialects: { internvl2: 3 } });
    expect(report.problems[0]).toBe(`${SEED_ROWS}:1: image /home/lgd/e_commerce_lmm/data/OCR_Det/test/Images/taxi_invoice_2.jpg not found (relative paths are read from /)`);
    const asQwen = await checkDataFile(SEED_ROWS, { cwd: '/', dialect: 'qwen2-vl', role: 'train' });
    expect(asQwen.problems.at(-1)).toBe(`${SEED_ROWS}: 3 of 3 answers are written in the internvl2 dialect, the recipe trains qwen2-vl; convert with --dialect qwen2-vl or pass --dialect internvl2 with a model it fits`);
  });

  it('one line per bad line, with file and line number; the rest is still read', async () => {
    const dir = await dataDir([
      messagesRow('a.jpg', '<|object_ref_start|>x<|object_ref_end|><|box_start|>(1,2),(3,4)<|box_end|>'),
      '{"messages": [',
      { text: 'no conversation here' },
      { messages: [{ role: 'user', content: '<image><image>two tags' }, { role: 'assistant', content: 'a' }], images: ['a.jpg'] },
      messagesRow('https://example.com/remote.jpg', 'b'),
    ]);
    const path = join(dir, 'train.jsonl');
    const report = await checkDataFile(path, { cwd: dir, dialect: 'qwen2-vl', role: 'train' });
    expect(report.problems).toEqual([
      `${path}:2: not JSON (Unexpected end of JSON input)`,
      `${path}:3: not an ms-swift row (expected "messages" with an assistant turn, or "query" and "response")`,
      `${path}:4: 2 <image> tags but 1 image`,
    ]);
    expect(report).toMatchObject({ rows: 4, images: 3, missingImages: 0, dialects: { 'qwen2-vl': 1 } });
  });

  it('a missing file says how to make it', async () => {
    const report = await checkDataFile('nowhere/train.jsonl', { cwd: tmpdir(), dialect: 'internvl2', role: 'train' });
    expect(report.problems).toEqual(['nowhere/train.jsonl: no such file (write it with `ocrdet data convert DATASET --to swift --dialect internvl2 --out DIR`)']);
  });
});
