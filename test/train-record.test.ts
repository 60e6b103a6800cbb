/**
 * `ocrdet train` reads the data record `data convert` wrote: the preset of the data's family, the image
 * environment of the record, max_length from the longest row (or a refusal naming the rows a chosen limit
 * drops), and a usage error for every flag, file field or preset that contradicts it. Run in-process through
 * the program's `run`, with the STAND-INS of test/standins/ on PATH (`swift`, `python3`, `nvidia-smi`).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../src/cli/program.js';
import { convertDataset, type ConvertOptions } from '../src/datasets/convert.js';
import { readDataRecordFile } from '../src/datasets/record-file.js';
import { modelTypeAt, modelIdFor, PRESETS, presetForFamily } from '../src/train/presets.js';
import { resolveSwiftVersion } from '../src/train/version.js';
import { FAMILIES } from '../src/grounding/families.js';
import { SEED_TEST } from './helpers/seed-test.js';
import { captureStreams, type CapturedStreams } from './helpers/streams.js';
import { removeScratchDirs, scratchDir, standinEnv } from './standins/bin.js';

afterAll(removeScratchDirs);

let streams: CapturedStreams;
const data: Record<string, string> = {};

beforeAll(async () => {
  const root = scratchDir('ocrdet-train-record-');
  const conversions: Record<string, Omit<ConvertOptions, 'out'>> = {
    internvl2: {},
    'internvl2.5-6': { family: 'internvl2.5', maxTiles: 6 },
    'qwen2.5-vl': { dialect: 'qwen2.5-vl' },
    'qwen3-vl': { dialect: 'qwen3-vl' },
    'internvl2-v2': { swiftVersion: 2 },
  };
  for (const [name, options] of Object.entries(conversions)) {
    data[name] = join(root, name);
    await convertDataset(SEED_TEST, { out: data[name], ...options });
  }
});

beforeEach(() => {
  streams = captureStreams();
  const { env } = standinEnv({ STANDIN_LINE_MS: '1', STANDIN_SWIFT_VERSION: '3.12.6' });
  for (const [key, value] of Object.entries(env)) if (key === 'PATH' || key.startsWith('STANDIN_')) vi.stubEnv(key, value as string);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

/** The --dry-run --json output of `train`. */
async function dryRun(...args: string[]): Promise<{ code: number; command?: { env: Record<string, string>; args: string[] } }> {
  const code = await run(['train', '--dry-run', '--json', '--out', scratchDir('ocrdet-runs-'), ...args]);
  return { code, ...(code === 0 ? { command: JSON.parse(streams.stdout) } : {}) };
}

const flag = (args: string[], name: string): string | undefined => args[args.indexOf(`--${name}`) + 1];

describe('the preset and the image environment come from the record', () => {
  it('InternVL2 data: the internvl2-8b preset, and max_length raised from the preset\'s 2048 to the longest row on 3.x', async () => {
    const { code, command } = await dryRun('--data', data.internvl2, '--swift-version', '3.12.6');
    expect(code).toBe(0);
    expect(flag(command!.args, 'model')).toBe('OpenGVLab/InternVL2-8B');
    // The longest row: 3,328 image tokens + ~900 estimated text, with 10 % on the text, rounded up to 64.
    const record = readDataRecordFile(join(data.internvl2, 'ocrdet-data.json'));
    const longest = Math.max(...[...record.rows.train, ...record.rows.val].map((r) => r.prompt + r.answer + r.image));
    const maxLength = Number(flag(command!.args, 'max_length'));
    expect(maxLength).toBeGreaterThanOrEqual(longest);
    expect(maxLength % 64).toBe(0);
    expect(maxLength - longest).toBeLessThan(0.1 * (longest - 3328) + 64);
    expect(streams.stderr).toMatch(/max_length \d+: the longest row is ~\d+ tokens \(3328 of them image tokens\), and the preset's 2048 would drop 28 of 50 rows/);
    expect(command!.env).not.toHaveProperty('MAX_NUM'); // 12 is ms-swift's own default
  });

  it('ms-swift 2.x does not count InternVL\'s image tokens (v2.6.1 template.py lines 955–967): the reference\'s 2048 stays', async () => {
    const { code, command } = await dryRun('--data', data['internvl2-v2'], '--swift-version', '2.4.2');
    expect(code).toBe(0);
    expect(command!.args).not.toContain('--max_length');
    expect(flag(command!.args, 'model_type')).toBe('internvl2-8b');
  });

  it('InternVL2.5 data converted with --max-tiles 6: its preset and MAX_NUM=6 (ms-swift v3.12.6 template/internvl.py line 29)', async () => {
    const { command } = await dryRun('--data', data['internvl2.5-6'], '--swift-version', '3.12.6');
    expect(flag(command!.args, 'model')).toBe('OpenGVLab/InternVL2_5-8B');
    expect(command!.env.MAX_NUM).toBe('6');
  });

  it('Qwen2.5-VL data: MAX_PIXELS of the record, the pixels the answers were written for', async () => {
    const { command } = await dryRun('--data', data['qwen2.5-vl'], '--swift-version', '3.12.6');
    expect(flag(command!.args, 'model')).toBe('Qwen/Qwen2.5-VL-7B-Instruct');
    expect(readDataRecordFile(join(data['qwen2.5-vl'], 'ocrdet-data.json')).image).toMatchObject({ maxPixels: 1003520 });
    expect(command!.env.MAX_PIXELS).toBe('1003520');
    expect(command!.env).not.toHaveProperty('MIN_PIXELS'); // qwen-vl-utils' own 3136
  });

  it('Qwen3-VL data: IMAGE_MAX_TOKEN_NUM, the variable ms-swift reads for it (v3.12.6 examples/models/qwen3_vl/transformers.sh)', async () => {
    const { command } = await dryRun('--data', data['qwen3-vl'], '--swift-version', '3.12.6');
    expect(flag(command!.args, 'model')).toBe('Qwen/Qwen3-VL-8B-Instruct');
    expect(command!.env.IMAGE_MAX_TOKEN_NUM).toBe('1024');
  });
});

describe('what contradicts the record is a usage error naming both values (exit 2)', () => {
  it('a preset of another family', async () => {
    expect((await dryRun('--data', data.internvl2, '--preset', 'qwen2-vl-7b', '--swift-version', '3')).code).toBe(2);
    expect(streams.stderr).toContain(`--preset qwen2-vl-7b trains the qwen2-vl family, but ${join(data.internvl2, 'ocrdet-data.json')} says the data was written for internvl2`);
  });

  it('a model of another family', async () => {
    expect((await dryRun('--data', data.internvl2, '--model', 'Qwen/Qwen2.5-VL-7B-Instruct', '--swift-version', '3')).code).toBe(2);
    expect(streams.stderr).toContain('--model Qwen/Qwen2.5-VL-7B-Instruct trains the qwen2.5-vl family');
  });

  it('a dialect, and an image variable of another value', async () => {
    expect((await dryRun('--data', data['qwen2.5-vl'], '--dialect', 'qwen2-vl', '--swift-version', '3')).code).toBe(2);
    expect(streams.stderr).toContain('--dialect qwen2-vl contradicts');
    expect((await dryRun('--data', data['qwen2.5-vl'], '--env', 'MAX_PIXELS=12845056', '--swift-version', '3')).code).toBe(2);
    expect(streams.stderr).toContain('--env MAX_PIXELS=12845056 contradicts');
    expect(streams.stderr).toContain('which says MAX_PIXELS=1003520');
  });

  it('a recipe file\'s field is named as such', async () => {
    const recipe = join(scratchDir('ocrdet-recipe-'), 'r.json');
    writeFileSync(recipe, JSON.stringify({ env: { MAX_NUM: '4' } }));
    expect((await dryRun('--data', data.internvl2, '--recipe', recipe, '--swift-version', '3')).code).toBe(2);
    expect(streams.stderr).toContain("the recipe's env MAX_NUM=4 contradicts");
  });

  it('an ms-swift version that cannot train the rows as written', async () => {
    expect((await dryRun('--data', data['qwen2.5-vl'], '--swift-version', '3.0.0')).code).toBe(2);
    expect(streams.stderr).toContain('ms-swift 3.0.0 cannot train these rows');
    expect((await dryRun('--data', data['internvl2-v2'], '--swift-version', '3.12.6')).code).toBe(2);
    expect(streams.stderr).toContain('says 2.x rows (for ms-swift before 3.0.0)');
  });

  it('a max_length that drops rows is refused, saying how many and what to change', async () => {
    expect((await dryRun('--data', data.internvl2, '--max-length', '2048', '--swift-version', '3.12.6')).code).toBe(2);
    expect(streams.stderr).toMatch(/--max-length 2048: 28 of 50 rows in .* are longer, and ms-swift would drop them \(the longest, (train|val)\.jsonl:\d+, is ~\d+ tokens, 3328 of them image tokens/);
    expect(streams.stderr).toContain('or convert with fewer tiles (--max-tiles)');
  });
});

describe('train --check prints how long the rows are', () => {
  it('the distribution as this ms-swift counts the rows, the limit, and the rows over it', async () => {
    const code = await run(['train', '--check', '--no-gpu-check', '--data', data.internvl2, '--out', scratchDir('ocrdet-runs-'), '--max-length', '3072', '--swift-version', '3.12.6']);
    expect(code).toBe(2);
    expect(streams.stderr).toMatch(/tokens 50 rows as ms-swift 3\.12\.6 counts them \(image tokens included\): median \d+ · p90 \d+ · max \d+; max_length 3072: \d+ over/);
    const over = [...streams.stderr.matchAll(/^over {3}(train|val)\.jsonl:\d+ ~(\d+) tokens \(3328 image\)$/gm)];
    expect(over.length).toBeGreaterThan(0);
    for (const m of over) expect(Number(m[2])).toBeGreaterThan(3072);
  });

  it('ok when every row fits', async () => {
    const code = await run(['train', '--check', '--no-gpu-check', '--data', data.internvl2, '--out', scratchDir('ocrdet-runs-'), '--swift-version', '3.12.6']);
    expect(code).toBe(0);
    expect(streams.stderr).toMatch(/max_length \d+: 0 over/);
    expect(streams.stderr).toContain('pre-flight: ok');
  });
});

describe('the run keeps the record', () => {
  it('train copies ocrdet-data.json beside its run record into the output and run directories', async () => {
    const out = join(scratchDir('ocrdet-runs-'), 'ocr');
    const code = await run(['train', '--no-gpu-check', '--no-plots', '-q', '--data', data['qwen2.5-vl'], '--out', out, '--swift-version', '3.12.6', '--gpus', '0']);
    expect(code).toBe(0);
    const runRecord = JSON.parse(readFileSync(join(out, 'ocrdet-recipe.json'), 'utf8'));
    expect(runRecord).toMatchObject({ version: 1, swiftVersion: '3.12.6', dataRecord: 'ocrdet-data.json', recipe: { preset: 'qwen2.5-vl-7b', dialect: 'qwen2.5-vl' } });
    expect(readFileSync(join(out, 'ocrdet-data.json'), 'utf8')).toBe(readFileSync(join(data['qwen2.5-vl'], 'ocrdet-data.json'), 'utf8'));
    // The stand-in made the run directory out/v0-<timestamp>, as ms-swift 3.x does.
    const runDir = readdirSync(out).find((name) => /^v0-\d{8}-\d{6}$/.test(name));
    expect(runDir).toBeDefined();
    expect(existsSync(join(out, runDir!, 'ocrdet-data.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, runDir!, 'ocrdet-recipe.json'), 'utf8'))).toEqual(runRecord);
  });
});

describe('Florence-2 rows the real ms-swift 3.x trains on (the stand-in makes its processor\'s check)', () => {
  it('the task token alone: training runs; with the <image> tag before it, every row fails to encode and ms-swift gives up', async () => {
    const rowsDir = scratchDir('ocrdet-florence-');
    await convertDataset(SEED_TEST, { out: rowsDir, dialect: 'florence-2' });
    const args = ['train', '--no-gpu-check', '--no-plots', '-q', '--data', rowsDir, '--swift-version', '3.12.6', '--gpus', '0'];
    expect(await run([...args, '--out', join(scratchDir('ocrdet-runs-'), 'ok')])).toBe(0);
    // The rows as they were written before: `<image><OCR_WITH_REGION>`.
    const train = join(rowsDir, 'train.jsonl');
    writeFileSync(train, readFileSync(train, 'utf8').replaceAll('"content":"<OCR_WITH_REGION>"', '"content":"<image><OCR_WITH_REGION>"'));
    streams = captureStreams();
    expect(await run([...args, '--out', join(scratchDir('ocrdet-runs-'), 'tagged')])).toBe(1);
    expect(streams.stderr).toContain('Failed to retrieve the dataset');
  });
});

describe('a preset for every family, with model ids and types read per ms-swift version', () => {
  it('every family has one', () => {
    for (const family of FAMILIES.all()) expect(presetForFamily(family.name).family).toBe(family.name);
  });

  it('InternVL2-8B: internvl2-8b in 2.x, internvl2 in 3.x and 4.0.2, internvl_chat from 4.0.3 (swift/model/constant.py at those tags)', () => {
    const preset = PRESETS.get('internvl2-8b');
    expect(['2.4.2', '3.12.6', '4.0.2', '4.0.3', '4.5.2'].map((v) => modelTypeAt(preset, resolveSwiftVersion(v)))).toEqual(['internvl2-8b', 'internvl2', 'internvl2', 'internvl_chat', 'internvl_chat']);
    expect(modelTypeAt(PRESETS.get('qwen2.5-vl-7b'), resolveSwiftVersion('3.0.0'))).toBeUndefined();
    expect(modelTypeAt(PRESETS.get('qwen3-vl-8b'), resolveSwiftVersion('3.9.1'))).toBe('qwen3_vl');
  });

  it('Florence-2 and PaliGemma are other ids on Hugging Face than on ModelScope (v3.12.6 model/model/microsoft.py line 113, gemma.py line 39)', async () => {
    expect(modelIdFor(PRESETS.get('florence-2-large-ft'), false)).toBe('AI-ModelScope/Florence-2-large-ft');
    expect(modelIdFor(PRESETS.get('florence-2-large-ft'), true)).toBe('microsoft/Florence-2-large-ft');
    expect(modelIdFor(PRESETS.get('paligemma2-3b'), true)).toBe('google/paligemma2-3b-pt-448');
  });
});
