/**
 * Where model files come from: the bundled package, a model directory (by the rules in
 * src/detectors/ppocr/models.ts), explicit files; and the ModelErrors that name what is missing.
 * Model directories are built from links to the real bundled files.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/core/errors.js';
import { bundledModelDir, modelIdentity, resolveModelFiles } from '../src/detectors/ppocr/index.js';

const BUNDLED = {
  det: 'ch_PP-OCRv4_det_infer.onnx',
  rec: 'ch_PP-OCRv4_rec_infer.onnx',
  cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
  dictionary: 'ppocr_keys_v1.txt',
};

let scratch: string;
let counter = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ocrdet-models-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A fresh directory holding links named `names[i]` to bundled files `targets[i]` (or empty text files). */
async function modelDir(entries: Record<string, string | null>): Promise<string> {
  const dir = join(scratch, `dir${counter++}`);
  await mkdir(dir);
  for (const [name, target] of Object.entries(entries)) {
    if (target === null) await writeFile(join(dir, name), '');
    else await symlink(join(bundledModelDir(), target), join(dir, name));
  }
  return dir;
}

const base = { text: true, cls: false };

describe('bundled models', () => {
  it('are found through the package resolver: det, rec and dictionary; cls only when asked', async () => {
    const files = await resolveModelFiles(base);
    expect(basename(files.det)).toBe(BUNDLED.det);
    expect(basename(files.rec!)).toBe(BUNDLED.rec);
    expect(basename(files.dictionary!)).toBe(BUNDLED.dictionary);
    expect(files.cls).toBeUndefined();
    expect(basename((await resolveModelFiles({ ...base, cls: true })).cls!)).toBe(BUNDLED.cls);
    expect(await resolveModelFiles({ text: false, cls: false })).toEqual({ det: files.det });
  });

  it('name the Detection model det first, joined by +', async () => {
    expect(modelIdentity(await resolveModelFiles({ ...base, cls: true }))).toBe(`${BUNDLED.det}+${BUNDLED.cls}+${BUNDLED.rec}`);
  });
});

describe('a model directory', () => {
  it('supplies a det model alone; rec and dictionary stay bundled', async () => {
    const dir = await modelDir({ 'ch_PP-OCRv4_det_server_infer.onnx': BUNDLED.det });
    const files = await resolveModelFiles({ ...base, modelDir: dir });
    expect(files.det).toBe(join(dir, 'ch_PP-OCRv4_det_server_infer.onnx'));
    expect(basename(files.rec!)).toBe(BUNDLED.rec);
  });

  it('supplies a rec model with its dictionary (another language)', async () => {
    const dir = await modelDir({ 'japan_PP-OCRv4_rec_infer.onnx': BUNDLED.rec, 'japan_dict.txt': BUNDLED.dictionary, 'README.txt': null });
    const files = await resolveModelFiles({ ...base, modelDir: dir });
    expect(files.rec).toBe(join(dir, 'japan_PP-OCRv4_rec_infer.onnx'));
    expect(files.dictionary).toBe(join(dir, 'japan_dict.txt')); // README.txt has neither "dict" nor "keys"
    expect(basename(files.det)).toBe(BUNDLED.det);
  });

  it('matches whole words only: "predict" is not "det"', async () => {
    const dir = await modelDir({ 'predictor.onnx': BUNDLED.det, 'x_cls.onnx': BUNDLED.cls });
    const files = await resolveModelFiles({ ...base, cls: true, modelDir: dir });
    expect(basename(files.det)).toBe(BUNDLED.det);
    expect(files.cls).toBe(join(dir, 'x_cls.onnx'));
  });

  it('is a ModelError when it holds a rec model without a dictionary', async () => {
    const dir = await modelDir({ 'en_rec.onnx': BUNDLED.rec });
    await expect(resolveModelFiles({ ...base, modelDir: dir })).rejects.toThrow(/has a rec model \(en_rec\.onnx\) but no dictionary/);
  });

  it('is a ModelError when it holds a dictionary without a rec model', async () => {
    const dir = await modelDir({ 'en_dict.txt': BUNDLED.dictionary });
    await expect(resolveModelFiles({ ...base, modelDir: dir })).rejects.toThrow(/has a dictionary \(en_dict\.txt\) but no rec model/);
  });

  it('is a ModelError when two files could be the det model, naming both', async () => {
    const dir = await modelDir({ 'a_det.onnx': BUNDLED.det, 'b_det.onnx': BUNDLED.det });
    await expect(resolveModelFiles({ ...base, modelDir: dir })).rejects.toThrow(/2 files could be the det \(a_det\.onnx, b_det\.onnx\)/);
  });

  it('is a ModelError when it holds no model file at all, or does not exist', async () => {
    const empty = await modelDir({});
    await expect(resolveModelFiles({ ...base, modelDir: empty })).rejects.toThrow(ModelError);
    await expect(resolveModelFiles({ ...base, modelDir: empty })).rejects.toThrow(/no model files found/);
    await expect(resolveModelFiles({ ...base, modelDir: join(scratch, 'missing') })).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe('explicit files', () => {
  it('override the directory and the bundle', async () => {
    const dir = await modelDir({ 'x_det.onnx': BUNDLED.det });
    const explicit = join(bundledModelDir(), BUNDLED.det);
    expect((await resolveModelFiles({ ...base, modelDir: dir, detModel: explicit })).det).toBe(explicit);
  });

  it('are a ModelError when missing, and a rec model needs its dictionary', async () => {
    await expect(resolveModelFiles({ ...base, detModel: join(scratch, 'nope.onnx') })).rejects.toThrow(/det model .*nope\.onnx does not exist/);
    const rec = join(bundledModelDir(), BUNDLED.rec);
    await expect(resolveModelFiles({ ...base, recModel: rec })).rejects.toThrow(/without its dictionary/);
  });
});
