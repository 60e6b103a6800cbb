/**
 * Launching and following a run against STAND-INS of `swift` and `python3` (test/standins/): they are
 * not ms-swift, but create the run directory, replay the REAL 740-step reference log line by line
 * (time-compressed), fail with recorded OOM output on request, die by SIGINT on Ctrl-C, and record the
 * argv/env they were given. See test/standins/swift.mjs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTrainCommand } from '../src/train/command.js';
import { runTraining } from '../src/train/launch.js';
import type { SwiftLogEvent } from '../src/train/logging.js';
import type { RunningProcess } from '../src/train/process.js';
import { resolveRecipe } from '../src/train/recipe.js';
import { readRunStatus } from '../src/train/status.js';
import { detectSwiftVersion, resolveSwiftVersion } from '../src/train/version.js';
import { removeScratchDirs, scratchDir, standinEnv, STANDINS_DIR } from './standins/bin.js';

afterAll(removeScratchDirs);

function workspace() {
  const root = scratchDir('ocrdet-launch-');
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'train.jsonl'), '');
  return root;
}

function calls(recordFile: string): { tool: string; argv: string[]; env: Record<string, string> }[] {
  return readFileSync(recordFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

interface Hooks {
  onStart?: (p: RunningProcess) => void;
  onRunDir?: (d: string) => void;
  onEvent?: (e: SwiftLogEvent) => void;
}

function train(version: string, extra: NodeJS.ProcessEnv = {}, hooks: Hooks = {}) {
  const root = workspace();
  const standins = standinEnv({ STANDIN_SWIFT_VERSION: version, STANDIN_LINE_MS: '1', ...extra });
  const recipe = resolveRecipe({ flags: { data: 'data', out: 'runs/ocr' } });
  const command = buildTrainCommand(recipe, resolveSwiftVersion(version), { train: 'data/train.jsonl' });
  const seen: SwiftLogEvent[] = [];
  const result = runTraining({
    command,
    outDir: recipe.out,
    cwd: root,
    baseEnv: standins.env,
    recipeRecord: { recipe },
    pollMs: 10,
    stopGraceMs: 2_000,
    onStart: (p) => hooks.onStart?.(p),
    onRunDir: (d) => hooks.onRunDir?.(d),
    onEvent: (event) => {
      hooks.onEvent?.(event);
      seen.push(event);
    },
  });
  return { root, standins, command, seen, result };
}

describe('the installed ms-swift version', () => {
  it('is read from the package metadata of the Python that runs `swift` (stand-in python3)', async () => {
    const { env } = standinEnv({ STANDIN_SWIFT_VERSION: '3.12.6' });
    expect(await detectSwiftVersion({ env })).toMatchObject({ major: 3, minor: 12, patch: 6 });
  });

  it('prefers the interpreter in the swift script\'s shebang over python3 on PATH', async () => {
    const { env, binDir } = standinEnv({}); // PATH's python3 knows no ms-swift
    const venv = join(binDir, 'venv');
    mkdirSync(venv);
    writeFileSync(join(venv, 'python3.10'), `#!/bin/sh\nSTANDIN_SWIFT_VERSION=2.4.2.post2 exec "${process.execPath}" "${join(STANDINS_DIR, 'python3.mjs')}" "$@"\n`, { mode: 0o755 });
    writeFileSync(join(binDir, 'swift'), `#!${join(venv, 'python3.10')}\n# console script of ms-swift\n`, { mode: 0o755 });
    expect(await detectSwiftVersion({ env })).toMatchObject({ major: 2, minor: 4, patch: 2, raw: '2.4.2.post2' });
  });

  it('says how to go on when ms-swift is missing', async () => {
    await expect(detectSwiftVersion({ env: standinEnv({}).env })).rejects.toThrow(/cannot read the ms-swift version .*PackageNotFoundError.*pass --swift-version 2\|3\|4/);
    await expect(detectSwiftVersion({ env: { PATH: '/nonexistent' } })).rejects.toMatchObject({ code: 'OCRDET_ENGINE', message: expect.stringContaining('no "swift" on PATH') });
  });
});

describe('a run from launch to exit (stand-in swift 2.4.2)', () => {
  it('finds the vN-<timestamp> directory, follows logging.jsonl live, moves swift.log into the run, keeps exit code 0', async () => {
    let logLinesAtFirstEvent = -1;
    let runDirSeen = '';
    const run = train('2.4.2', { STANDIN_LINE_MS: '5' }, {
      onRunDir: (d) => (runDirSeen = d),
      onEvent: () => {
        if (logLinesAtFirstEvent < 0) logLinesAtFirstEvent = readFileSync(join(runDirSeen, 'logging.jsonl'), 'utf8').trim().split('\n').length;
      },
    });
    const result = await run.result;
    expect(result.exitCode).toBe(0);
    expect(result.runDir).toMatch(/runs\/ocr\/internvl2-8b\/v0-\d{8}-\d{6}$/);
    expect(result.events).toHaveLength(152);
    expect(run.seen).toHaveLength(152);
    // Live: the first event arrived while the stand-in had written only part of the log.
    expect(logLinesAtFirstEvent).toBeGreaterThan(0);
    expect(logLinesAtFirstEvent).toBeLessThan(152);
    expect(result.logPath).toBe(join(result.runDir as string, 'swift.log'));
    expect(readFileSync(result.logPath, 'utf8')).toMatch(/^# ocrdet ran: NPROC_PER_NODE=4 CUDA_VISIBLE_DEVICES=0,1,2,3 swift sft --model_type internvl2-8b[\s\S]*output_dir: /);
    expect(existsSync(join(run.root, 'runs/ocr/swift.log'))).toBe(false);
    expect(JSON.parse(readFileSync(join(result.runDir as string, 'ocrdet-recipe.json'), 'utf8')).recipe.dialect).toBe('internvl2');
    expect(existsSync(join(result.runDir as string, 'checkpoint-500/adapter_config.json'))).toBe(true);
    expect(existsSync(join(result.runDir as string, 'checkpoint-740/adapter_config.json'))).toBe(true);
    // The stand-in got exactly the command we built.
    const [call] = calls(run.standins.recordFile).filter((c) => c.tool === 'swift');
    expect(call?.argv).toEqual(run.command.args);
    expect(call?.env).toMatchObject({ NPROC_PER_NODE: '4', CUDA_VISIBLE_DEVICES: '0,1,2,3' });
    const { summary } = await readRunStatus(result.runDir as string);
    expect(summary).toMatchObject({ steps: 740, runtimeS: 7735.5255, eval: { finalAccuracy: 0.78846154 }, bestCheckpoint: 'checkpoint-740' });
  });

  it('3.x and 4.x runs: a run directory without the model_type level, token_acc and s/it read the same', async () => {
    for (const version of ['3.12.6', '4.5.2']) {
      const result = await train(version).result;
      expect(result.exitCode).toBe(0);
      expect(result.runDir).toMatch(/runs\/ocr\/v0-\d{8}-\d{6}$/);
      const step5 = result.events.find((e) => e.kind === 'train' && e.step === 5);
      expect(step5).toMatchObject({ accuracy: 0.56241298 });
      expect((step5 as { secondsPerStep: number }).secondsPerStep).toBeCloseTo(13.7125, 3);
      expect((step5 as { percent: number }).percent).toBeCloseTo(0.68, 2);
    }
  });
});

describe('runs that fail or are stopped', () => {
  it('CUDA out of memory at step 215: exit code 1, the OOM line, the steps logged so far', async () => {
    const result = await train('2.4.2', { STANDIN_FAIL: 'oom@215' }).result;
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatchObject({ kind: 'cuda-oom', message: expect.stringContaining('GPU 3 has a total capacity of 79.10 GiB of which 6.00 MiB is free') });
    const steps = result.events.filter((e) => e.kind === 'train').map((e) => (e as { step: number }).step);
    expect(steps.at(-1)).toBe(210);
  });

  it('an NCCL timeout and a missing image are named as such', async () => {
    expect((await train('3.12.6', { STANDIN_FAIL: 'nccl@100' }).result).failure).toMatchObject({ kind: 'nccl-timeout', message: expect.stringContaining('OpType=ALLREDUCE') });
    const missing = await train('2.4.2', { STANDIN_FAIL: 'missing-file@0' }).result;
    expect(missing).toMatchObject({ exitCode: 1, events: [], failure: { kind: 'missing-file', message: 'missing file: data/ocr-internvl2/images/MSRA_TD500_IMG_0476.JPG' } });
  });

  it('a non-zero exit without an error message keeps its code', async () => {
    const result = await train('2.4.2', { STANDIN_FAIL: 'exit3@50' }).result;
    expect(result.exitCode).toBe(3);
    expect(result.failure).toBeUndefined();
  });

  it('flags of the wrong version fail the way ms-swift\'s parser does, and that is what is reported', async () => {
    const root = workspace();
    const standins = standinEnv({ STANDIN_SWIFT_VERSION: '4.1.0' });
    const recipe = resolveRecipe({ flags: { data: 'data', out: 'runs/ocr' } });
    const command = buildTrainCommand(recipe, resolveSwiftVersion('3.12.6'), { train: 'data/train.jsonl' }); // built for 3.x
    const result = await runTraining({ command, outDir: recipe.out, cwd: root, baseEnv: standins.env, pollMs: 10 });
    expect(result.exitCode).toBe(1);
    expect(result.failure?.message).toBe('ValueError: remaining_argv: ["--train_type","lora"]');
  });

  it('stop() (Ctrl-C) ends the whole process group; the exit code says SIGINT (130)', async () => {
    let running: RunningProcess | undefined;
    const run = train('2.4.2', { STANDIN_LINE_MS: '50' }, { onStart: (p) => (running = p), onRunDir: () => setTimeout(() => running?.stop(), 100) });
    const result = await run.result;
    expect(result).toMatchObject({ exitCode: 130, signal: 'SIGINT', stopped: true });
    expect(result.events.length).toBeGreaterThan(0);
    expect(result.events.length).toBeLessThan(152);
    expect(() => process.kill(-(running as RunningProcess).pid, 0)).toThrow(); // no process of the group is left
  });
});
