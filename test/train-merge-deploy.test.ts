/**
 * Merge and deploy: the command lines are pinned per engine and ms-swift version; choosing the
 * checkpoint reads the reference run's own log (a copy of test/fixtures/train/internvl2-8b/…); serving
 * runs against STAND-INS of `vllm serve` and `swift deploy` (test/standins/) that answer GET /v1/models
 * after a pretend loading time and stop on Ctrl-C. They are not vLLM or ms-swift.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDeploy } from '../src/train/deploy-run.js';
import { baseUrlOf, buildDeployCommand, clientSystemPrompt, clientUserPrompt, DEPLOY_DEFAULTS, detectCommandFor, localPathReason, resolveDeployModel, type ModelDirInfo } from '../src/train/deploy.js';
import { linkMerged, planMerge, selectCheckpoint } from '../src/train/merge.js';
import { PRESETS } from '../src/train/presets.js';
import { recordedSwiftVersion } from '../src/train/run-record.js';
import { formatOneLine } from '../src/train/shell.js';
import { chooseSwiftVersion, resolveSwiftVersion } from '../src/train/version.js';
import { getDialect } from '../src/grounding/index.js';
import { REFERENCE_RUN, removeScratchDirs, scratchDir, standinEnv, TRAIN_FIXTURES } from './standins/bin.js';

afterAll(removeScratchDirs);

/** A copy of the reference run under <out>/internvl2-8b/ (the 2.x layout), as if trained here. */
function copyOfReference(): { out: string; run: string } {
  const out = scratchDir('ocrdet-merge-');
  const run = join(out, 'internvl2-8b', 'v0-20241005-082227');
  cpSync(REFERENCE_RUN, run, { recursive: true });
  writeFileSync(join(out, 'ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b', dialect: 'internvl2', env: {} } }));
  return { out, run };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('merge: which checkpoint, which command', () => {
  it('the best checkpoint by ms-swift\'s own record, found by name on this machine (the log names /home/lgd/…)', async () => {
    const { out, run } = copyOfReference();
    const plan = await planMerge({ target: out, version: resolveSwiftVersion('2.4.2') });
    expect(plan).toMatchObject({ runDir: run, checkpoint: join(run, 'checkpoint-740'), reason: 'best by ms-swift (best metric 1.2863)', mergedDir: join(run, 'checkpoint-740-merged'), alreadyMerged: false, linkPath: join(out, 'merged') });
    // The reference's own merge: swift export --ckpt_dir …/checkpoint-N/ --merge_lora true (seed-scripts/swift_infer_merge_lora.sh)
    expect(formatOneLine(plan.command)).toBe(`swift export --ckpt_dir ${run}/checkpoint-740 --merge_lora true`);
    // 3.x finds the base model in the checkpoint's args.json only (v3.12.6 swift/llm/utils.py lines 311–321), which
    // 2.x did not write: the base model goes with --model — the sft_args.json's model type's, its weights path being
    // the training machine's.
    const v3 = await planMerge({ target: run, version: resolveSwiftVersion('3.12.6'), gpus: '7' });
    expect(formatOneLine(v3.command)).toBe(`CUDA_VISIBLE_DEVICES=7 swift export --model OpenGVLab/InternVL2-8B --adapters ${run}/checkpoint-740 --merge_lora true`);
    writeFileSync(join(run, 'checkpoint-740', 'args.json'), '{}');
    expect(formatOneLine((await planMerge({ target: run, version: resolveSwiftVersion('3.12.6') })).command)).toBe(`swift export --adapters ${run}/checkpoint-740 --merge_lora true`);
    expect(v3.linkPath).toBe(join(run, 'merged'));
  });

  it('--checkpoint N, latest, and a run without ms-swift\'s final record (lowest eval loss among saved checkpoints)', async () => {
    const { out, run } = copyOfReference();
    cpSync(join(run, 'checkpoint-740'), join(run, 'checkpoint-500'), { recursive: true });
    expect((await planMerge({ target: out, checkpoint: 500, version: resolveSwiftVersion('3') })).checkpoint).toBe(join(run, 'checkpoint-500'));
    await expect(planMerge({ target: out, checkpoint: 600, version: resolveSwiftVersion('3') })).rejects.toThrow(`${run}: no checkpoint-600; there are checkpoint-500, checkpoint-740`);
    const log = readFileSync(join(run, 'logging.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(run, 'logging.jsonl'), log.slice(0, -1).join('\n')); // no last_model_checkpoint record
    const plan = await planMerge({ target: out, version: resolveSwiftVersion('3') });
    expect(plan.reason).toBe('lowest eval loss 1.2863 at step 740');
    rmSync(join(run, 'checkpoint-740'), { recursive: true });
    expect((await planMerge({ target: out, version: resolveSwiftVersion('3') })).reason).toBe('latest (no evaluation to choose by)');
  });

  it('nothing to merge is a configuration error (exit 2)', async () => {
    const { out, run } = copyOfReference();
    rmSync(join(run, 'checkpoint-740', 'adapter_config.json'));
    writeFileSync(join(run, 'checkpoint-740', 'config.json'), '{}');
    await expect(planMerge({ target: out, version: resolveSwiftVersion('3') })).rejects.toMatchObject({ code: 'OCRDET_CONFIG', message: expect.stringContaining('a full fine-tuned model, there is no LoRA to merge') });
    rmSync(join(run, 'checkpoint-740'), { recursive: true });
    await expect(planMerge({ target: out, version: resolveSwiftVersion('3') })).rejects.toMatchObject({ code: 'OCRDET_CONFIG', message: expect.stringContaining('no checkpoint-N directories') });
  });

  it('a missing run directory is not found before anything asks for ms-swift', async () => {
    const missing = join(scratchDir('ocrdet-merge-'), 'nope');
    await expect(selectCheckpoint({ target: missing })).rejects.toMatchObject({ code: 'OCRDET_NOT_FOUND', message: `${missing}: no such directory` });
  });

  it('the ms-swift version a run recorded: ocrdet-recipe.json\'s swiftVersion, else the args file ms-swift wrote', async () => {
    const { out, run } = copyOfReference();
    // The reference run has only ms-swift 2.x's sft_args.json.
    expect(await recordedSwiftVersion([join(run, 'checkpoint-740'), run])).toEqual({ version: '2', why: `${run}/sft_args.json is written by ms-swift 2.x` });
    writeFileSync(join(out, 'ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b' }, swiftVersion: '2.4.2' }));
    expect(await recordedSwiftVersion([join(run, 'checkpoint-740'), run])).toEqual({ version: '2.4.2', why: `the version ${out}/ocrdet-recipe.json records` });
    const v3 = scratchDir('ocrdet-run-');
    writeFileSync(join(v3, 'args.json'), JSON.stringify({ train_type: 'lora' }));
    expect((await recordedSwiftVersion([v3]))?.version).toBe('3');
    writeFileSync(join(v3, 'args.json'), JSON.stringify({ tuner_type: 'lora' }));
    expect((await recordedSwiftVersion([v3]))?.version).toBe('4');
    expect(await recordedSwiftVersion([scratchDir('ocrdet-run-')])).toBeUndefined();
  });

  it('without ms-swift installed, a dry run builds for the recorded version and says why; the newest only when nothing is recorded', async () => {
    const env = { PATH: scratchDir('ocrdet-empty-path-') }; // no swift on it
    const recorded = { version: '2.4.2', why: 'the version runs/ocr/ocrdet-recipe.json records' };
    expect(await chooseSwiftVersion(undefined, { dryRun: true, env, recorded })).toEqual({
      version: resolveSwiftVersion('2.4.2'),
      note: 'ms-swift is not installed here: built for ms-swift 2.4.2 (the version runs/ocr/ocrdet-recipe.json records); pass --swift-version 2|3|4 for another',
    });
    expect((await chooseSwiftVersion(undefined, { dryRun: true, env })).note).toBe(
      'ms-swift is not installed here: built for ms-swift 4.5.2 (the newest ms-swift ocrdet knows); pass --swift-version 2|3|4 for another',
    );
    await expect(chooseSwiftVersion(undefined, { dryRun: false, env, recorded })).rejects.toMatchObject({ code: 'OCRDET_ENGINE' });
  });

  it('links <dir>/merged to the merged model, replacing an older link but never a real directory', async () => {
    const { out, run } = copyOfReference();
    mkdirSync(join(run, 'checkpoint-740-merged'));
    expect(await linkMerged(join(out, 'merged'), join(run, 'checkpoint-740-merged'))).toBe(true);
    expect(readlinkSync(join(out, 'merged'))).toBe('internvl2-8b/v0-20241005-082227/checkpoint-740-merged');
    expect(await linkMerged(join(out, 'merged'), join(run, 'checkpoint-740-merged'))).toBe(true);
    mkdirSync(join(run, 'merged'));
    expect(await linkMerged(join(run, 'merged'), join(run, 'checkpoint-740-merged'))).toBe(false);
  });
});

describe('deploy: the serving command per engine', () => {
  const internvl: ModelDirInfo = { model: '/runs/ocr/checkpoint-740-merged', kind: 'model', preset: PRESETS.get('internvl2-8b'), dialect: 'internvl2' };
  const options = { ...DEPLOY_DEFAULTS };

  it('swift 2.x serves the merged model as the reference did (--ckpt_dir, --max_length)', () => {
    expect(formatOneLine(buildDeployCommand(internvl, { ...options, version: resolveSwiftVersion('2.4.2') }))).toBe(
      'swift deploy --ckpt_dir /runs/ocr/checkpoint-740-merged --host 0.0.0.0 --port 8000 --served_model_name ocrdet --max_length 8192',
    );
    expect(formatOneLine(buildDeployCommand(internvl, { ...options, inferBackend: 'vllm', gpus: '7', version: resolveSwiftVersion('2.4.2') }))).toBe(
      `CUDA_VISIBLE_DEVICES=7 swift deploy --ckpt_dir /runs/ocr/checkpoint-740-merged --host 0.0.0.0 --port 8000 --served_model_name ocrdet --infer_backend vllm --max_length 8192 --max_model_len 8192 --limit_mm_per_prompt '{"image":1}'`,
    );
  });

  it('swift 3.x/4.x: --model or --adapters; vLLM options with the vllm_ prefix from 3.7; pt is transformers in 4.x', () => {
    const v = (s: string, extra = {}, info = internvl) => formatOneLine(buildDeployCommand(info, { ...options, ...extra, version: resolveSwiftVersion(s) }));
    expect(v('3.12.6', { inferBackend: 'vllm' })).toBe(
      `swift deploy --model /runs/ocr/checkpoint-740-merged --infer_backend vllm --host 0.0.0.0 --port 8000 --served_model_name ocrdet --vllm_max_model_len 8192 --vllm_limit_mm_per_prompt '{"image":1}'`,
    );
    expect(v('3.6.0', { inferBackend: 'vllm' })).toContain(`--max_model_len 8192 --limit_mm_per_prompt '{"image":1}'`);
    expect(v('4.5.2', { inferBackend: 'pt' })).toBe('swift deploy --model /runs/ocr/checkpoint-740-merged --infer_backend transformers --host 0.0.0.0 --port 8000 --served_model_name ocrdet');
    expect(v('3.12.6', {}, { ...internvl, model: '/runs/ocr/checkpoint-740', kind: 'adapter' })).toBe('swift deploy --adapters /runs/ocr/checkpoint-740 --host 0.0.0.0 --port 8000 --served_model_name ocrdet');
  });

  it('vLLM: remote code, context, one image per prompt, the training pixel budget; a LoRA checkpoint must be merged first', () => {
    const command = buildDeployCommand(internvl, { ...options, engine: 'vllm', gpus: '0,1' });
    expect(formatOneLine(command)).toBe(
      `CUDA_VISIBLE_DEVICES=0,1 vllm serve /runs/ocr/checkpoint-740-merged --host 0.0.0.0 --port 8000 --served-model-name ocrdet --trust-remote-code --max-model-len 8192 --limit-mm-per-prompt '{"image":1}' --tensor-parallel-size 2`,
    );
    expect(command.warnings[0]).toMatch(/without the system prompt ms-swift trained InternVL with/);
    // The image settings of training reach vLLM's processor (Qwen2.5-VL README lines 151–154: min_pixels / max_pixels).
    const qwen: ModelDirInfo = { model: '/m', kind: 'model', preset: PRESETS.get('qwen2.5-vl-7b'), dialect: 'qwen2.5-vl', image: { rule: getDialect('qwen2.5-vl').image, where: 'test' } };
    expect(buildDeployCommand(qwen, { ...options, engine: 'vllm' }).args.slice(-2)).toEqual(['--mm-processor-kwargs', '{"max_pixels":1003520,"min_pixels":3136}']);
    expect(() => buildDeployCommand({ ...internvl, kind: 'adapter' }, { ...options, engine: 'vllm' })).toThrow(/is a LoRA checkpoint: merge it first/);
  });

  it('LMDeploy', () => {
    expect(formatOneLine(buildDeployCommand(internvl, { ...options, engine: 'lmdeploy' }))).toBe(
      'lmdeploy serve api_server /runs/ocr/checkpoint-740-merged --server-name 0.0.0.0 --server-port 8000 --model-name ocrdet --session-len 8192',
    );
  });

  it('the model and its dialect are found from a run\'s merged link and its ocrdet-recipe.json; a hub id passes through', async () => {
    const { out, run } = copyOfReference();
    const merged = join(run, 'checkpoint-740-merged');
    mkdirSync(merged);
    writeFileSync(join(merged, 'config.json'), JSON.stringify({ architectures: ['InternVLChatModel'] }));
    await linkMerged(join(out, 'merged'), merged);
    for (const target of [join(out, 'merged'), out]) {
      expect(await resolveDeployModel(target)).toMatchObject({ model: merged, kind: 'model', dialect: 'internvl2', preset: { name: 'internvl2-8b' } });
    }
    expect(await resolveDeployModel(join(run, 'checkpoint-740'))).toMatchObject({ kind: 'adapter', preset: { name: 'internvl2-8b' } }); // preset from the run's ocrdet-recipe.json
    expect(await resolveDeployModel('Qwen/Qwen2-VL-7B-Instruct')).toMatchObject({ kind: 'hub', dialect: 'qwen2-vl' });
    await expect(resolveDeployModel(join(out, 'nothing-here'))).rejects.toMatchObject({ code: 'OCRDET_CONFIG' });
    await expect(resolveDeployModel(run)).rejects.toThrow(/neither a model \(config\.json\) nor a LoRA checkpoint/);
  });

  it('the detect command for the served model', () => {
    expect(baseUrlOf('0.0.0.0', 8000)).toBe('http://127.0.0.1:8000/v1');
    expect(detectCommandFor('http://127.0.0.1:8000/v1', 'ocrdet', 'internvl2')).toBe('ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --dialect internvl2');
  });

  it('a missing path that looks local is not taken for a hub id: ./ / ~ or a first segment that is a directory here', async () => {
    const { out } = copyOfReference();
    expect(localPathReason('./runs/x')).toBe('it starts with .');
    expect(localPathReason('~/models/x')).toBe('it starts with ~');
    expect(localPathReason(`${out}/nope`)).toBe('it starts with /');
    expect(localPathReason('OpenGVLab/InternVL2-8B')).toBeUndefined(); // no OpenGVLab/ directory here
    expect(localPathReason('test/nope')).toBe('test/ is a local directory'); // vitest runs in the checkout
    await expect(resolveDeployModel('test/nope')).rejects.toMatchObject({
      code: 'OCRDET_CONFIG',
      message: 'test/nope: no such model directory (and not a hub id like OpenGVLab/InternVL2-8B: test/ is a local directory)',
    });
    expect(await resolveDeployModel('OpenGVLab/InternVL2-8B')).toMatchObject({ kind: 'hub', model: 'OpenGVLab/InternVL2-8B', dialect: 'internvl2' });
  });
});

/**
 * A merged model of a copy of the reference run whose ocrdet-recipe.json (with `recipe` fields) names its
 * training data: data/train.jsonl holding `rows` (a row object, or the file's text), or no file at all.
 */
function mergedRun(recipe: Record<string, unknown> = {}, rows?: Record<string, unknown> | string): string {
  const { out, run } = copyOfReference();
  const merged = join(run, 'checkpoint-740-merged');
  mkdirSync(merged);
  writeFileSync(join(merged, 'config.json'), JSON.stringify({ architectures: ['InternVLChatModel'] }));
  const data = join(out, 'data');
  mkdirSync(data);
  if (rows !== undefined) writeFileSync(join(data, 'train.jsonl'), typeof rows === 'string' ? rows : `${JSON.stringify(rows)}\n`);
  writeFileSync(join(out, 'ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b', dialect: 'internvl2', env: {}, data, ...recipe } }));
  return merged;
}

describe('deploy: the system prompt the detect command must send', () => {
  const INTERNVL2_SYSTEM = '你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。';

  it('InternVL2 trained with ms-swift\'s default: vLLM must be given it (InternVL#1208); swift and LMDeploy send it themselves', async () => {
    const info = await resolveDeployModel(mergedRun({}, { messages: [{ role: 'user', content: '<image>detect' }, { role: 'assistant', content: '<ref>a</ref><box>[[1, 2, 3, 4]]</box>' }] }));
    expect(info.system).toEqual({ text: INTERNVL2_SYSTEM, source: 'template', where: 'ms-swift\'s internvl2-8b template' });
    expect(clientSystemPrompt(info, 'vllm')?.text).toBe(INTERNVL2_SYSTEM);
    expect(clientSystemPrompt(info, 'swift')).toBeUndefined();
    expect(clientSystemPrompt(info, 'lmdeploy')).toBeUndefined();
    // A hub InternVL2 under vLLM too; Qwen's own chat template already has ms-swift's default.
    expect(clientSystemPrompt(await resolveDeployModel('OpenGVLab/InternVL2-8B'), 'vllm')?.text).toBe(INTERNVL2_SYSTEM);
    expect(clientSystemPrompt(await resolveDeployModel('Qwen/Qwen2.5-VL-7B-Instruct'), 'vllm')).toBeUndefined();
  });

  it('a system prompt of the training rows (the reference\'s, 2.x rows) is sent by no engine; the recipe\'s --system only by swift', async () => {
    const reference = JSON.parse(readFileSync(join(TRAIN_FIXTURES, 'seed-scripts/ocr_det_test_dataset.head3.jsonl'), 'utf8').split('\n')[0] as string);
    const fromData = await resolveDeployModel(mergedRun({ system: 'ignored: the rows have their own' }, reference));
    expect(fromData.system).toMatchObject({ text: reference.system, source: 'data' });
    expect(fromData.system?.text).toMatch(/^职位：你是一个面向证书图像的目标检测大师/);
    for (const engine of ['vllm', 'swift', 'lmdeploy'] as const) expect(clientSystemPrompt(fromData, engine)?.text).toBe(reference.system);
    const fromRecipe = await resolveDeployModel(mergedRun({ system: 'You detect text.' }));
    expect(fromRecipe.system).toEqual({ text: 'You detect text.', source: 'recipe', where: 'the recipe\'s system' });
    expect(clientSystemPrompt(fromRecipe, 'swift')).toBeUndefined();
    expect(clientSystemPrompt(fromRecipe, 'lmdeploy')?.text).toBe('You detect text.');
  });

  it('--prompt and --system are quoted so that a POSIX shell reads them back unchanged (newlines, quotes, $ and backslashes)', () => {
    const system = "It's 职位：\n    **注意**：$HOME `x` \\ \"q\"";
    const prompt = "请目标检测图像中的信息并给出边界框 'it''s' $PATH";
    const command = detectCommandFor('http://127.0.0.1:8000/v1', 'ocrdet', 'internvl2', { prompt, system });
    expect(command.startsWith("ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --dialect internvl2 --prompt '请目标检测图像中的信息并给出边界框 '\\''it")).toBe(true);
    const words = execFileSync('sh', ['-c', `set -- ${command}\nprintf '%s\\0' "$@"`], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(words.slice(-4)).toEqual(['--prompt', prompt, '--system', system]);
  });
});

describe('deploy: the user prompt the detect command must send', () => {
  const REFERENCE_QUERY = '请目标检测图像中的信息并给出边界框';
  const OCRDET_DEFAULT = '请识别图中所有文字，并输出坐标框'; // the internvl2 dialect's text prompt
  const detect = (info: ModelDirInfo) => detectCommandFor('http://127.0.0.1:8000/v1', 'ocrdet', info.dialect, { prompt: clientUserPrompt(info)?.text });

  it('the reference\'s rows (2.x `query`): the command asks with their query', async () => {
    const head3 = readFileSync(join(TRAIN_FIXTURES, 'seed-scripts/ocr_det_test_dataset.head3.jsonl'), 'utf8');
    const info = await resolveDeployModel(mergedRun({}, head3));
    expect(info.prompt).toMatchObject({ text: REFERENCE_QUERY, where: expect.stringMatching(/\/data\/train\.jsonl:1$/) });
    expect(detect(info)).toBe(`ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --dialect internvl2 --prompt '${REFERENCE_QUERY}'`);
  });

  it('3.x `messages` and InternVL `conversations` rows: the user turn without its <image> tag and surrounding whitespace', async () => {
    const messages = { messages: [{ role: 'user', content: `<image>\n ${REFERENCE_QUERY} \n` }, { role: 'assistant', content: '<ref>a</ref><box>[[1, 2, 3, 4]]</box>' }] };
    const conversations = { conversations: [{ from: 'human', value: `<image>\n${REFERENCE_QUERY}` }, { from: 'gpt', value: '<ref>a</ref><box>[[1, 2, 3, 4]]</box>' }] };
    for (const row of [messages, conversations]) {
      const info = await resolveDeployModel(mergedRun({}, `\n${JSON.stringify(row)}\n`));
      expect(clientUserPrompt(info)?.text).toBe(REFERENCE_QUERY);
    }
  });

  it('rows with the dialect\'s default prompt (as `data convert` writes them): no --prompt', async () => {
    const row = { messages: [{ role: 'user', content: `<image>${OCRDET_DEFAULT}` }, { role: 'assistant', content: '<ref>a</ref><box>[[1, 2, 3, 4]]</box>' }] };
    const info = await resolveDeployModel(mergedRun({}, `${JSON.stringify(row)}\n`));
    expect(info.prompt?.text).toBe(OCRDET_DEFAULT);
    expect(clientUserPrompt(info)).toBeUndefined();
    expect(detect(info)).toBe('ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --dialect internvl2');
  });

  it('training data that cannot be read (missing, empty, not JSON, no user turn) adds nothing and is no error', async () => {
    for (const rows of [undefined, '', 'not json\n', `${JSON.stringify({ images: ['a.jpg'] })}\n`]) {
      const info = await resolveDeployModel(mergedRun({}, rows));
      expect(info.prompt).toBeUndefined();
      expect(clientUserPrompt(info)).toBeUndefined();
    }
    expect(clientUserPrompt(await resolveDeployModel('OpenGVLab/InternVL2-8B'))).toBeUndefined();
  });
});

describe('deploy: waiting for the server (stand-ins)', () => {
  for (const engine of ['vllm', 'swift'] as const) {
    it(`${engine}: ready once /v1/models answers, then Ctrl-C stops it`, async () => {
      const port = await freePort();
      const { env, recordFile } = standinEnv({ STANDIN_LOAD_MS: '400', STANDIN_SWIFT_VERSION: '3.12.6' });
      const info: ModelDirInfo = { model: scratchDir('ocrdet-model-'), kind: 'model', dialect: 'internvl2' };
      const command = buildDeployCommand(info, { ...DEPLOY_DEFAULTS, engine, port, version: resolveSwiftVersion('3.12.6') });
      let readyAt = 0;
      let stop: () => void = () => undefined;
      const started = Date.now();
      const result = await runDeploy({
        command,
        baseUrl: baseUrlOf('0.0.0.0', port),
        baseEnv: env,
        pollMs: 50,
        stopGraceMs: 2_000,
        onStart: (p) => (stop = p.stop),
        onReady: (modelId) => {
          readyAt = Date.now();
          expect(modelId).toBe('ocrdet');
          stop();
        },
      });
      expect(readyAt - started).toBeGreaterThanOrEqual(400); // not before the model "loaded"
      expect(result).toMatchObject({ ready: true, modelId: 'ocrdet', stopped: true, exitCode: 0, timedOut: false });
      const call = JSON.parse(readFileSync(recordFile, 'utf8').trim().split('\n').at(-1) as string);
      expect(call).toMatchObject({ tool: engine, argv: command.args });
    });
  }

  it('a server that dies while loading: its exit code and its last error', async () => {
    const { env } = standinEnv({ STANDIN_FAIL: 'exit-before-ready' });
    const info: ModelDirInfo = { model: '/m', kind: 'model' };
    const port = await freePort();
    const result = await runDeploy({ command: buildDeployCommand(info, { ...DEPLOY_DEFAULTS, engine: 'vllm', port }), baseUrl: baseUrlOf('0.0.0.0', port), baseEnv: env, pollMs: 50 });
    expect(result).toMatchObject({ ready: false, exitCode: 1, failure: { kind: 'error', message: expect.stringContaining("ValueError: The model's max seq len (8192) is larger") } });
  });

  it('a server that never answers is stopped after the ready timeout', async () => {
    const { env } = standinEnv({ STANDIN_LOAD_MS: '60000' });
    const port = await freePort();
    const info: ModelDirInfo = { model: '/m', kind: 'model' };
    const result = await runDeploy({ command: buildDeployCommand(info, { ...DEPLOY_DEFAULTS, engine: 'vllm', port }), baseUrl: baseUrlOf('0.0.0.0', port), baseEnv: env, pollMs: 50, readyTimeoutMs: 300 });
    expect(result).toMatchObject({ ready: false, timedOut: true, stopped: true });
  });
});
