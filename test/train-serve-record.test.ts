/**
 * Serving reads the run's data record: the engine gets the image settings of training (swift deploy's
 * environment, vLLM's --mm-processor-kwargs), the printed detect command reads the record with --from, and the
 * ms-swift argument checks a served checkpoint must pass are met — run against the `swift` STAND-IN of
 * test/standins/, which makes those checks with ms-swift's own messages.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDataset } from '../src/datasets/convert.js';
import { runDeploy } from '../src/train/deploy-run.js';
import { baseUrlOf, buildDeployCommand, DEPLOY_DEFAULTS, detectCommandFor, resolveDeployModel } from '../src/train/deploy.js';
import { formatRunRecord } from '../src/train/run-record.js';
import { formatOneLine, type ExternalCommand } from '../src/train/shell.js';
import { resolveSwiftVersion } from '../src/train/version.js';
import { SEED_TEST } from './helpers/seed-test.js';
import { REFERENCE_RUN, removeScratchDirs, scratchDir, standinEnv } from './standins/bin.js';

afterAll(removeScratchDirs);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A 3.x run of Qwen2.5-VL data as `train` leaves it: run record, data record, a checkpoint with args.json, a merged model. */
async function qwenRun(): Promise<{ out: string; merged: string; checkpoint: string }> {
  const out = scratchDir('ocrdet-qwen-run-');
  const data = join(out, 'data');
  await convertDataset(SEED_TEST, { out: data, dialect: 'qwen2.5-vl' });
  const run = join(out, 'v0-20260101-000000');
  const checkpoint = join(run, 'checkpoint-100');
  mkdirSync(checkpoint, { recursive: true });
  writeFileSync(join(checkpoint, 'adapter_config.json'), '{}');
  writeFileSync(join(checkpoint, 'args.json'), JSON.stringify({ model: 'Qwen/Qwen2.5-VL-7B-Instruct', train_type: 'lora' }));
  const merged = `${checkpoint}-merged`;
  mkdirSync(merged);
  writeFileSync(join(merged, 'config.json'), JSON.stringify({ architectures: ['Qwen2_5_VLForConditionalGeneration'] }));
  const record = formatRunRecord({ recipe: { preset: 'qwen2.5-vl-7b', dialect: 'qwen2.5-vl', data }, swiftVersion: '3.12.6', dataRecord: 'ocrdet-data.json' });
  for (const dir of [out, run]) {
    writeFileSync(join(dir, 'ocrdet-recipe.json'), record);
    cpSync(join(data, 'ocrdet-data.json'), join(dir, 'ocrdet-data.json'));
  }
  return { out, merged, checkpoint };
}

/** Runs a serving command against the stand-ins until it is ready, then stops it. */
async function serve(command: ExternalCommand, port: number, swiftVersion: string) {
  const { env } = standinEnv({ STANDIN_LOAD_MS: '50', STANDIN_SWIFT_VERSION: swiftVersion });
  let stop: () => void = () => undefined;
  return runDeploy({ command, baseUrl: baseUrlOf('0.0.0.0', port), baseEnv: env, pollMs: 25, stopGraceMs: 2_000, readyTimeoutMs: 20_000, onStart: (p) => (stop = p.stop), onReady: () => stop() });
}

describe('the engine sees images as training did', () => {
  it('a merged Qwen2.5-VL model: the record is found above it, swift deploy gets MAX_PIXELS, vLLM the processor\'s max_pixels', async () => {
    const { out, merged } = await qwenRun();
    const info = await resolveDeployModel(merged);
    expect(info).toMatchObject({ kind: 'model', dialect: 'qwen2.5-vl', record: { path: join(out, 'v0-20260101-000000', 'ocrdet-data.json') } });
    expect(info.image?.rule).toEqual({ kind: 'smart-resize', factor: 28, minPixels: 3136, maxPixels: 1003520 });
    const swift = buildDeployCommand(info, { ...DEPLOY_DEFAULTS, version: resolveSwiftVersion('3.12.6') });
    expect(swift.env).toEqual({ MAX_PIXELS: '1003520' });
    // QwenLM/Qwen2.5-VL@f0af299 README.md lines 151–154: the processor takes min_pixels / max_pixels.
    const vllm = buildDeployCommand(info, { ...DEPLOY_DEFAULTS, engine: 'vllm' });
    expect(vllm.args.slice(-2)).toEqual(['--mm-processor-kwargs', '{"max_pixels":1003520,"min_pixels":3136}']);
  });

  it('the detect command reads the record with --from instead of repeating its dialect and prompts', async () => {
    const { merged } = await qwenRun();
    const info = await resolveDeployModel(merged);
    expect(info.prompt?.text).toBe('Spotting all the text in the image with line-level, and output in JSON format.');
    const command = detectCommandFor('http://127.0.0.1:8000/v1', 'ocrdet', info.dialect, { prompt: info.prompt?.text }, info.record?.path);
    expect(command).toBe(`ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --from ${info.record!.path}`);
  });

  it('--dialect against the record is a usage error naming both', async () => {
    const { merged } = await qwenRun();
    await expect(resolveDeployModel(merged, 'qwen2-vl')).rejects.toThrow(/--dialect qwen2-vl contradicts .*ocrdet-data\.json: the model was trained on answers in qwen2\.5-vl/);
  });
});

describe('checkpoints ms-swift serves only with the right arguments', () => {
  it('2.x: a LoRA checkpoint with --infer_backend vllm is served with --merge_lora true, which 2.x asserts', async () => {
    // v2.6.1 swift/llm/utils/argument.py lines 1526–1540 (v2.4.2 lines 1519–1533): vLLM and LMDeploy need the whole
    // weights; 2.x merges the checkpoint itself when told --merge_lora true.
    const checkpoint = join(scratchDir('ocrdet-2x-'), 'checkpoint-740');
    cpSync(join(REFERENCE_RUN, 'checkpoint-740'), checkpoint, { recursive: true });
    const info = await resolveDeployModel(checkpoint);
    const port = await freePort();
    for (const inferBackend of ['vllm', 'lmdeploy']) {
      const command = buildDeployCommand(info, { ...DEPLOY_DEFAULTS, port, inferBackend, version: resolveSwiftVersion('2.4.2') });
      expect(formatOneLine(command)).toContain(`--infer_backend ${inferBackend} --merge_lora true`);
      expect(command.warnings).toContain(`ms-swift 2.x serves a LoRA checkpoint with ${inferBackend} only merged: --merge_lora true writes ${checkpoint}-merged first`);
    }
    const served = await serve(buildDeployCommand(info, { ...DEPLOY_DEFAULTS, port, inferBackend: 'vllm', version: resolveSwiftVersion('2.4.2') }), port, '2.4.2');
    expect(served).toMatchObject({ ready: true, exitCode: 0 });
    // Without it, the stand-in fails as ms-swift does.
    const bare = buildDeployCommand(info, { ...DEPLOY_DEFAULTS, port, inferBackend: 'vllm', version: resolveSwiftVersion('2.4.2') });
    const unmerged = await serve({ ...bare, args: bare.args.filter((a, i, all) => a !== '--merge_lora' && all[i - 1] !== '--merge_lora') }, port, '2.4.2');
    expect(unmerged).toMatchObject({ ready: false, exitCode: 1, failure: { message: expect.stringContaining('Please set `--merge_lora true`') } });
  });

  it('3.x/4.x: a 2.x checkpoint (no args.json) is served with --model, where 3.x would read its base model', async () => {
    // v3.12.6 swift/llm/utils.py lines 311–321: get_ckpt_dir takes a directory with args.json only; without one,
    // model_args.py lines 214–215 refuse: "Please set --model".
    const out = scratchDir('ocrdet-2x-');
    const checkpoint = join(out, 'internvl2-8b', 'v0-20241005-082227', 'checkpoint-740');
    cpSync(REFERENCE_RUN, join(out, 'internvl2-8b', 'v0-20241005-082227'), { recursive: true });
    const info = await resolveDeployModel(checkpoint);
    expect(info).toMatchObject({ kind: 'adapter', baseModel: 'OpenGVLab/InternVL2-8B' });
    for (const version of ['3.12.6', '4.5.2']) {
      const port = await freePort();
      const command = buildDeployCommand(info, { ...DEPLOY_DEFAULTS, port, version: resolveSwiftVersion(version) });
      expect(command.args.slice(0, 5)).toEqual(['deploy', '--model', 'OpenGVLab/InternVL2-8B', '--adapters', checkpoint]);
      expect(await serve(command, port, version)).toMatchObject({ ready: true, exitCode: 0 });
    }
  });
});

describe('the run record', () => {
  it('is validated: a field of the wrong type names the file and the field', async () => {
    const { out, merged } = await qwenRun();
    writeFileSync(join(out, 'v0-20260101-000000', 'ocrdet-recipe.json'), JSON.stringify({ recipe: { dialect: 7 } }));
    await expect(resolveDeployModel(merged)).rejects.toMatchObject({ code: 'OCRDET_CONFIG', message: expect.stringMatching(/ocrdet-recipe\.json: "recipe\.dialect" must be text/) });
    // A record written before the version field is read as it is.
    writeFileSync(join(out, 'v0-20260101-000000', 'ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'qwen2.5-vl-7b', dialect: 'qwen2.5-vl' } }));
    expect((await resolveDeployModel(merged)).preset?.name).toBe('qwen2.5-vl-7b');
    expect(readFileSync(join(out, 'ocrdet-recipe.json'), 'utf8')).toContain('"version": 1');
  });
});
