/**
 * `ocrdet train | train status | merge | deploy` as a user runs them (in-process through the program's
 * `run`, so exit codes and streams are the real ones), against the STAND-INS of test/standins/ put first
 * on PATH: `swift`, `python3` (answers the ms-swift version), `nvidia-smi` (recorded 8 × A800 output),
 * `vllm`. They are stand-ins that speak the tools' interfaces, not the tools.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../src/cli/program.js';
import { solidJpeg } from './helpers/images.js';
import { REFERENCE_RUN, removeScratchDirs, scratchDir, standinEnv, TRAIN_FIXTURES } from './standins/bin.js';

afterAll(removeScratchDirs);

let stdout = '';
let stderr = '';
let cwd = '';
const startDir = process.cwd();

function useStandins(extra: NodeJS.ProcessEnv = {}): void {
  const { env } = standinEnv({ STANDIN_LINE_MS: '1', ...extra });
  for (const [key, value] of Object.entries(env)) if (key === 'PATH' || key.startsWith('STANDIN_')) vi.stubEnv(key, value as string);
}

async function project(): Promise<string> {
  const dir = scratchDir('ocrdet-cli-');
  mkdirSync(join(dir, 'data/ocr-internvl2/images'), { recursive: true });
  writeFileSync(join(dir, 'data/ocr-internvl2/images/a.jpg'), await solidJpeg(64, 48));
  const row = {
    messages: [
      { role: 'user', content: '<image>Please detect all text lines and mark their positions.' },
      { role: 'assistant', content: '<ref>Total</ref><box>[[90, 160, 135, 212]]</box>' },
    ],
    images: ['data/ocr-internvl2/images/a.jpg'],
  };
  writeFileSync(join(dir, 'data/ocr-internvl2/train.jsonl'), `${JSON.stringify(row)}\n`);
  writeFileSync(join(dir, 'data/ocr-internvl2/val.jsonl'), `${JSON.stringify(row)}\n`);
  return dir;
}

beforeEach(async () => {
  stdout = '';
  stderr = '';
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  cwd = await project();
  process.chdir(cwd); // relative paths are the user's working directory's (tests run in forked processes)
});

afterEach(() => {
  process.chdir(startDir);
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (condition() ? resolve() : Date.now() - started > timeoutMs ? reject(new Error('timed out')) : setTimeout(tick, 10));
    tick();
  });
}

describe('ocrdet train --dry-run', () => {
  it('prints the reference command for ms-swift 2.x (stdout: the command only)', async () => {
    const code = await run(['train', '--data', 'data/ocr-internvl2/train.jsonl', '--out', 'runs/ocr', '--dry-run', '--swift-version', '2', '--gpus', '4,5,6,7', '--model-path', '/models/internvl2-8b']);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 4)).toEqual([
      'NPROC_PER_NODE=4 CUDA_VISIBLE_DEVICES=4,5,6,7 swift sft \\',
      '  --model_type internvl2-8b \\',
      '  --model_id_or_path /models/internvl2-8b \\',
      '  --dataset data/ocr-internvl2/train.jsonl \\',
    ]);
    expect(stderr).toContain('ms-swift 2.6.1 (chosen with --swift-version); global batch 32');
  });

  it('builds for the installed ms-swift (stand-in python3 says 3.12.6), with val.jsonl found beside train.jsonl', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '3.12.6' });
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--dry-run', '--json'])).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ swiftVersion: '3.12.6', env: { NPROC_PER_NODE: '4', CUDA_VISIBLE_DEVICES: '0,1,2,3' }, program: 'swift' });
    expect(printed.args.slice(0, 9)).toEqual(['sft', '--model', 'OpenGVLab/InternVL2-8B', '--train_type', 'lora', '--dataset', 'data/ocr-internvl2/train.jsonl', '--val_dataset', 'data/ocr-internvl2/val.jsonl']);
    expect(stderr).toContain('ms-swift 3.12.6 (installed)');
  });

  it('data that is not here (a path of the GPU host, or mistyped) still gives the command, with a warning that its record is not read', async () => {
    expect(await run(['train', '--data', 'data/ocr-internvl', '--out', 'runs/ocr', '--dry-run', '--swift-version', '3'])).toBe(0);
    expect(stdout).toContain('--dataset data/ocr-internvl/train.jsonl');
    expect(stderr).toContain('warning: data/ocr-internvl/train.jsonl is not here: the command is built without its data record');
    stderr = '';
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--out', 'runs/ocr', '--dry-run', '--swift-version', '2'])).toBe(0);
    expect(stderr).not.toContain('is not here');
  });

  it('usage and recipe errors exit 2', async () => {
    expect(await run(['train', '--dry-run'])).toBe(2);
    expect(stderr).toContain('OCRDET_USAGE: no training data: pass --data DIR');
    expect(await run(['train', '--data', 'd', '--gpus', 'all', '--dry-run'])).toBe(2);
    // A recipe field given as a flag is named as the flag typed.
    expect(stderr).toContain('OCRDET_USAGE: train: --gpus expected GPU indices such as 0 or 0,1,2,3');
    expect(await run(['train', '--data', 'd', '--batch-size', '0', '--dry-run'])).toBe(2);
  });

  it('--emit slurm writes <out>/train.sbatch and the recipe record', async () => {
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--out', 'runs/ocr', '--nnodes', '2', '--master-addr', 'x', '--emit', 'slurm', '--swift-version', '3'])).toBe(0);
    expect(stdout.trim()).toBe('runs/ocr/train.sbatch');
    const script = readFileSync(join(cwd, 'runs/ocr/train.sbatch'), 'utf8');
    expect(script).toMatch(/^#!\/bin\/bash\n[\s\S]*#SBATCH --nodes=2\n[\s\S]*srun --kill-on-bad-exit=1/);
    expect(JSON.parse(readFileSync(join(cwd, 'runs/ocr/ocrdet-recipe.json'), 'utf8')).recipe.nnodes).toBe(2);
  });
});

describe('ocrdet train (runs the stand-in)', () => {
  it('pre-flight, launch, follow, summary and plots; exit 0', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '2.4.2' });
    const plots = join(cwd, 'plots');
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--plots-dir', plots])).toBe(0);
    expect(stderr).toContain('data   data/ocr-internvl2/train.jsonl: 1 row, 1 image');
    expect(stderr).toMatch(/gpu    0 NVIDIA A800-SXM4-80GB: 79\.3 of 80\.0 GiB free/);
    expect(stderr).toContain('[INFO:swift] output_dir:'); // not a terminal: ms-swift's own output passes through
    expect(stderr).toContain('eval @ step 740 (epoch 4.99): loss 1.2863, accuracy 0.7885');
    expect(stdout).toContain('steps       740/740, 4.99 epochs, 4741 training samples');
    expect(stdout).toContain('runtime     7735.5 s (2h 8m 56s)');
    for (const name of ['loss', 'accuracy', 'learning-rate', 'memory']) expect(existsSync(join(plots, `${name}.png`))).toBe(true);
  });

  it('on a terminal: one live progress line on stderr instead of ms-swift\'s output (which goes to swift.log)', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '3.12.6' });
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      expect(await run(['train', '--data', 'data/ocr-internvl2', '--no-plots'])).toBe(0);
    } finally {
      delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    expect(stderr).toContain('\r\x1b[2Kstep 5/740 (0.68%) · epoch 0.03 · loss 3.7543 · acc 0.5624 · lr 1.35e-5 · 45.46 GiB · 13.71 s/step · ETA 2h 44m 50s');
    expect(stderr).toContain('\r\x1b[2Kstep 740/740 (100.00%)');
    expect(stderr).toContain('eval @ step 740 (epoch 4.99): loss 1.2863, accuracy 0.7885');
    expect(stderr).not.toContain('[INFO:swift] output_dir');
    const runDir = /run directory: (\S+)/.exec(stderr)?.[1] as string;
    expect(readFileSync(join(runDir, 'swift.log'), 'utf8')).toContain('[INFO:swift] output_dir');
  });

  it('pre-flight problems stop the launch with exit 2 (card 6 is busy)', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '2.4.2' });
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--gpus', '4,5,6,7'])).toBe(2);
    expect(stderr).toContain('problem: GPU 6 (NVIDIA A800-SXM4-80GB): 6.2 GiB free of 80.0');
    expect(stderr).toContain('OCRDET_CONFIG: pre-flight found 1 problem; nothing was launched');
    expect(existsSync(join(cwd, 'runs/ocr'))).toBe(false);
  });

  it('--check only checks', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '2.4.2' });
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--check'])).toBe(0);
    expect(stderr).toContain('pre-flight: ok');
    expect(existsSync(join(cwd, 'runs/ocr'))).toBe(false);
  });

  it('ms-swift\'s exit code becomes ours, with the meaningful error instead of the traceback', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '2.4.2', STANDIN_FAIL: 'oom@215' });
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--no-plots'])).toBe(1);
    expect(stderr).toContain('error: CUDA out of memory: Tried to allocate 20.00 MiB. GPU 3 has a total capacity of 79.10 GiB of which 6.00 MiB is free.');
    expect(stderr).toContain('hint: lower --batch-size');
    expect(stdout).toContain('steps       210/740');
    vi.stubEnv('STANDIN_FAIL', 'exit3@50');
    expect(await run(['train', '--data', 'data/ocr-internvl2', '--no-plots'])).toBe(3);
  });

  it('Ctrl-C stops ms-swift\'s process group and exits 130', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '2.4.2', STANDIN_LINE_MS: '40' });
    const exit = run(['train', '--data', 'data/ocr-internvl2', '--no-plots']);
    await waitFor(() => stderr.includes("'global_step/max_steps':'10/740'"));
    process.emit('SIGINT', 'SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('stopping ms-swift (Ctrl-C again to stop it harder)');
    expect(stderr).toMatch(/ms-swift was stopped \(exit code 130\)/);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('ocrdet train status', () => {
  it('prints the reference run\'s figures and writes its plots', async () => {
    const plots = join(cwd, 'plots');
    expect(await run(['train', 'status', REFERENCE_RUN, '--plots-dir', plots])).toBe(0);
    expect(stdout).toContain('steps       740/740, 4.99 epochs, 4741 training samples');
    expect(stdout).toContain('runtime     7735.5 s (2h 8m 56s), 3.064 samples/s, 0.096 steps/s');
    expect(stdout).toContain('accuracy 0.7885 final');
    expect(existsSync(join(plots, 'loss.svg'))).toBe(true);
  });

  it('--follow keeps reading a live run until its final record', async () => {
    const runDir = join(cwd, 'runs/ocr/v0-20241005-082227');
    mkdirSync(runDir, { recursive: true });
    const lines = readFileSync(join(REFERENCE_RUN, 'logging.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(runDir, 'logging.jsonl'), `${lines.slice(0, 50).join('\n')}\n`);
    const exit = run(['train', 'status', join(cwd, 'runs/ocr'), '--follow', '--no-plots']);
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(join(runDir, 'logging.jsonl'), `${lines.join('\n')}\n`);
    expect(await exit).toBe(0);
    expect(stdout).toContain('(finished)');
    expect(stdout).toContain('steps       740/740');
  });

  it('--json; an output directory finds its newest run; a directory without runs is not found (exit 2)', async () => {
    expect(await run(['train', 'status', join(TRAIN_FIXTURES, 'internvl2-8b'), '--json', '--no-plots'])).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ runDir: REFERENCE_RUN, summary: { steps: 740, runtimeS: 7735.5255, eval: { finalAccuracy: 0.78846154 } }, plots: [] });
    expect(await run(['train', 'status', cwd, '--no-plots'])).toBe(2);
    expect(stderr).toContain('OCRDET_NOT_FOUND');
  });
});

describe('ocrdet merge and deploy', () => {
  /** ms-swift's InternVL2 default system prompt (the `system` of the reference's sft_args.json). */
  const INTERNVL2_SYSTEM = '你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。';

  function copyRun(): string {
    const out = join(cwd, 'runs/ocr');
    cpSync(REFERENCE_RUN, join(out, 'internvl2-8b/v0-20241005-082227'), { recursive: true });
    writeFileSync(join(out, 'ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b', dialect: 'internvl2', env: {} } }));
    return out;
  }

  it('merge runs swift export on the best checkpoint, prints the merged model and links <run>/merged; a second merge only links', async () => {
    useStandins({ STANDIN_SWIFT_VERSION: '2.4.2' });
    const out = copyRun();
    const merged = join(out, 'internvl2-8b/v0-20241005-082227/checkpoint-740-merged');
    expect(await run(['merge', out])).toBe(0);
    expect(stdout.trim()).toBe(merged);
    expect(readlinkSync(join(out, 'merged'))).toBe('internvl2-8b/v0-20241005-082227/checkpoint-740-merged');
    expect(stderr).toContain('serve it with: ocrdet deploy');
    stdout = '';
    expect(await run(['merge', out])).toBe(0);
    expect(stderr).toContain(`already merged: ${merged}`);
  });

  /** PATH with nothing on it: ms-swift is not installed. */
  const withoutSwift = () => vi.stubEnv('PATH', scratchDir('ocrdet-empty-path-'));

  it('merge --dry-run without ms-swift builds for the version the run recorded (2.4.2: --ckpt_dir) and says so', async () => {
    withoutSwift();
    copyRun();
    writeFileSync(join(cwd, 'runs/ocr/ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b', dialect: 'internvl2', env: {} }, swiftVersion: '2.4.2' }));
    expect(await run(['merge', 'runs/ocr', '--dry-run'])).toBe(0);
    expect(stdout.trim()).toBe('swift export \\\n  --ckpt_dir runs/ocr/internvl2-8b/v0-20241005-082227/checkpoint-740 \\\n  --merge_lora true');
    expect(stderr).toContain('ms-swift is not installed here: built for ms-swift 2.4.2 (the version runs/ocr/ocrdet-recipe.json records)');
  });

  it('merge of a missing run directory says so first, even without ms-swift (exit 2)', async () => {
    withoutSwift();
    expect(await run(['merge', 'runs/nope'])).toBe(2);
    expect(stderr.trim()).toBe('OCRDET_NOT_FOUND: runs/nope: no such directory');
  });

  it('deploy of a missing local path is an error, not a hub id (exit 2); a hub id still passes', async () => {
    mkdirSync(join(cwd, 'runs'));
    expect(await run(['deploy', 'runs/nope', '--dry-run', '--swift-version', '3'])).toBe(2);
    expect(stderr.trim()).toBe('OCRDET_CONFIG: runs/nope: no such model directory (and not a hub id like OpenGVLab/InternVL2-8B: runs/ is a local directory)');
    expect(stdout).toBe('');
    expect(await run(['deploy', './merged', '--dry-run', '--swift-version', '3'])).toBe(2);
    expect(stderr).toContain('OCRDET_CONFIG: ./merged: no such model directory (and not a hub id like OpenGVLab/InternVL2-8B: it starts with .)');
    expect(await run(['deploy', 'OpenGVLab/InternVL2-8B', '--dry-run', '--swift-version', '3'])).toBe(0);
    expect(stdout).toContain('swift deploy \\\n  --model OpenGVLab/InternVL2-8B');
    expect(stderr).not.toContain('passed on as a hub model id');
    // Without a local runs/ folder, runs/nope may be a hub id, but one of no family ocrdet knows: said aloud.
    expect(await run(['deploy', 'someone/nope', '--dry-run', '--swift-version', '3'])).toBe(0);
    expect(stderr).toContain('warning: someone/nope is not a local directory and not a model family ocrdet knows; it is passed on as a hub model id');
  });

  it('deploy --engine vllm --dry-run: the detect command it prints sends InternVL2\'s training system prompt', async () => {
    expect(await run(['deploy', 'OpenGVLab/InternVL2-8B', '--engine', 'vllm', '--dry-run', '--json'])).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      system: INTERNVL2_SYSTEM,
      detect: `ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --dialect internvl2 --system '${INTERNVL2_SYSTEM}'`,
    });
    expect(stderr).toContain('--system in the detect command: the system prompt the model was trained with (from ms-swift\'s internvl2-8b template), which vllm does not send');
  });

  it('deploy --dry-run of a model trained on its own user prompt: the detect command asks with it (--prompt), and says where it was read', async () => {
    const model = join(cwd, 'runs/ocr/merged-model');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'config.json'), JSON.stringify({ architectures: ['InternVLChatModel'] }));
    writeFileSync(join(cwd, 'runs/ocr/ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b', dialect: 'internvl2', env: {}, data: 'data/ocr-internvl2' } }));
    expect(await run(['deploy', model, '--engine', 'vllm', '--dry-run', '--json'])).toBe(0);
    const prompt = 'Please detect all text lines and mark their positions.'; // project()'s rows, not internvl2's default
    expect(JSON.parse(stdout)).toMatchObject({
      prompt,
      detect: `ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:8000/v1 --model ocrdet --dialect internvl2 --prompt '${prompt}' --system '${INTERNVL2_SYSTEM}'`,
    });
    expect(stderr).toContain('--prompt in the detect command: the user prompt the model was trained with (from data/ocr-internvl2/train.jsonl:1), not the dialect\'s default');
  });

  it('merge --dry-run pins the command; 3.x is told the base model of a 2.x checkpoint, which has no args.json', async () => {
    const out = copyRun();
    expect(await run(['merge', out, '--dry-run', '--swift-version', '3', '--checkpoint', 'latest'])).toBe(0);
    expect(stdout.trim()).toBe(`swift export \\\n  --model OpenGVLab/InternVL2-8B \\\n  --adapters ${out}/internvl2-8b/v0-20241005-082227/checkpoint-740 \\\n  --merge_lora true`);
    expect(stderr).toContain('--model OpenGVLab/InternVL2-8B: the checkpoint has no args.json (ms-swift 2.x wrote it), where ms-swift 3.x looks for its base model');
  });

  it('deploy --engine vllm waits for /v1/models, prints the base URL and the detect command; Ctrl-C ends it with 0', async () => {
    useStandins({ STANDIN_LOAD_MS: '300' });
    const model = join(cwd, 'runs/ocr/merged-model');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'config.json'), JSON.stringify({ architectures: ['InternVLChatModel'] }));
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    writeFileSync(join(cwd, 'runs/ocr/ocrdet-recipe.json'), JSON.stringify({ recipe: { preset: 'internvl2-8b', dialect: 'internvl2', env: {} } }));
    const exit = run(['deploy', model, '--engine', 'vllm', '--port', String(port)]);
    await waitFor(() => stdout.includes('ocrdet detect'));
    expect(stdout).toBe(
      `serving ocrdet at http://127.0.0.1:${port}/v1 (from other machines: http://<this host>:${port}/v1)\n` +
        `ocrdet detect photos/ --backend vlm --base-url http://127.0.0.1:${port}/v1 --model ocrdet --dialect internvl2 --system '${INTERNVL2_SYSTEM}'\n`,
    );
    process.emit('SIGINT', 'SIGINT');
    expect(await exit).toBe(0);
    expect(stderr).toContain('vllm stopped');
  });
});
