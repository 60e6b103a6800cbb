/**
 * Reading ms-swift's logging.jsonl of every version, the live follower, the run summary (on the REAL
 * 740-step reference log, test/fixtures/train/internvl2-8b/v0-20241005-082227/logging.jsonl), and the
 * "last meaningful error" found in recorded failure output (test/fixtures/train/errors).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractFailure } from '../src/train/failure.js';
import { followLog, JsonlTail } from '../src/train/follow.js';
import { formatDuration, parseDuration, parseLogRecord, parseLogText, type SwiftLogEvent } from '../src/train/logging.js';
import { formatEvalLine, formatProgressLine } from '../src/train/progress.js';
import { readRunStatus } from '../src/train/status.js';
import { formatSummary, summarizeRun } from '../src/train/summary.js';
import { REFERENCE_RUN, removeScratchDirs, scratchDir, TRAIN_FIXTURES } from './standins/bin.js';

afterAll(removeScratchDirs);

const referenceText = readFileSync(join(REFERENCE_RUN, 'logging.jsonl'), 'utf8');

describe('the reference run (ms-swift 2.4.2, 740 steps)', () => {
  it('reads every line: 148 training lines, 1 eval, the Trainer summary and the final record', () => {
    const { events, problems } = parseLogText(referenceText);
    expect(problems).toEqual([]);
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'train')).toHaveLength(149); // step 1, then every 5 steps to 740
    expect(kinds.slice(-3)).toEqual(['eval', 'end', 'final']);
  });

  it('reproduces its figures: 740 steps, 7735.5 s, eval accuracy 0.788', async () => {
    const { summary } = await readRunStatus(REFERENCE_RUN);
    expect(summary).toMatchObject({ finished: true, steps: 740, maxSteps: 740, runtimeS: 7735.5255, samplesPerS: 3.064, stepsPerS: 0.096, trainSamples: 4741, trainableParamsM: 45.8487 });
    expect(summary.eval).toEqual({
      count: 1,
      finalLoss: 1.28633964,
      finalAccuracy: 0.78846154, // 41/52 = 0.7884615…
      bestLoss: { value: 1.28633964, step: 740 },
      bestAccuracy: { value: 0.78846154, step: 740 },
    });
    expect(summary.train).toMatchObject({ finalLoss: 0.33401127, finalAccuracy: 0.91885939, meanLoss: 0.80560257, bestLoss: { value: 0.31488562, step: 730 } });
    expect(summary).toMatchObject({ peakMemoryGiB: 67.16, bestCheckpoint: 'checkpoint-740', lastCheckpoint: 'checkpoint-740', bestMetric: 1.28633964 });
    expect(summary.epochs).toBeCloseTo(4.9915683, 6);
  });

  it('prints them in the status lines', async () => {
    const { summary, runDir } = await readRunStatus(join(TRAIN_FIXTURES, 'internvl2-8b')); // the output dir above the run finds it
    expect(runDir).toBe(REFERENCE_RUN);
    const text = formatSummary(summary).join('\n');
    expect(text).toContain('steps       740/740, 4.99 epochs, 4741 training samples');
    expect(text).toContain('runtime     7735.5 s (2h 8m 56s), 3.064 samples/s, 0.096 steps/s');
    expect(text).toContain('eval        loss 1.2863 final, best 1.2863 at step 740; accuracy 0.7885 final, best 0.7885 at step 740 (1 evaluation)');
    expect(text).toContain('checkpoint  best checkpoint-740 (best metric 1.2863), last checkpoint-740');
  });

  it('the first progress line reads speed as seconds per step (1 / 0.038746 iter/s = 25.81 s)', () => {
    const first = parseLogRecord(JSON.parse(referenceText.split('\n')[0] as string));
    expect(first?.kind).toBe('train');
    expect(formatProgressLine(first as never)).toBe('step 1/740 (0.14%) · epoch 0.01 · loss 4.1577 · acc 0.5508 · lr 2.7e-6 · 45.46 GiB · 25.81 s/step · ETA 5h 2m 6s');
  });
});

describe('every version\'s keys', () => {
  // The reference's step-5 line as each version writes it (keys from ms-swift's callback.py / patcher.py).
  const v2 = '{"loss": 3.7542944, "acc": 0.56241298, "grad_norm": 7.5625, "learning_rate": 1.351e-05, "memory(GiB)": 45.46, "train_speed(iter/s)": 0.072926, "epoch": 0.03372681, "global_step/max_steps": "5/740", "percentage": "0.68%", "elapsed_time": "1m 7s", "remaining_time": "2h 44m 50s"}';
  const v3 = '{"loss": 3.7542944, "token_acc": 0.56241298, "grad_norm": 7.5625, "learning_rate": 1.351e-05, "memory(GiB)": 45.46, "train_speed(iter/s)": 0.072926, "epoch": 0.03372681, "global_step/max_steps": "5/740", "percentage": "0.68%", "elapsed_time": "1m 7s", "remaining_time": "2h 44m 50s"}';
  const v3125 = '{"loss": 3.7542944, "token_acc": 0.56241298, "grad_norm": 7.5625, "learning_rate": 1.351e-05, "epoch": 0.03372681, "global_step/max_steps": "5/740", "percentage": "0.68%", "elapsed_time": "1m 7s", "remaining_time": "2h 44m 50s", "memory(GiB)": 45.46, "train_speed(s/it)": 13.712509}';
  const v4 = '{"loss": 3.7542944, "token_acc": 0.56241298, "grad_norm": 7.5625, "learning_rate": 1.351e-05, "epoch": 0.03372681, "global_step/max_steps": "5/740", "elapsed_time": "1m 7s", "remaining_time": "2h 44m 50s", "memory(GiB)": 45.46, "train_speed(s/it)": 13.712509}';

  it('2.x acc and iter/s, 3.x token_acc, 3.12.5+ s/it, 4.x without percentage: one event', () => {
    const expected = { kind: 'train', step: 5, maxSteps: 740, loss: 3.7542944, accuracy: 0.56241298, memoryGiB: 45.46, elapsedS: 67, remainingS: 9890 };
    for (const line of [v2, v3, v3125, v4]) {
      const event = parseLogRecord(JSON.parse(line));
      expect(event).toMatchObject(expected);
      // 1 / 0.072926 iter/s = 13.7125 s per step, whichever way it was written.
      expect((event as { secondsPerStep: number }).secondsPerStep).toBeCloseTo(13.7125, 3);
      // 5 / 740 = 0.676 %; written as "0.68%" or computed.
      expect((event as { percent: number }).percent).toBeCloseTo(0.68, 2);
    }
  });

  it('3.x eval lines carry eval_token_acc; the 3.x final record names checkpoints and memory as a number', () => {
    expect(parseLogRecord({ eval_loss: 1.2, eval_token_acc: 0.8, eval_runtime: 6.5, epoch: 5, 'global_step/max_steps': '740/740' })).toEqual({ kind: 'eval', step: 740, maxSteps: 740, epoch: 5, loss: 1.2, accuracy: 0.8, runtimeS: 6.5 });
    expect(parseLogRecord({ last_model_checkpoint: '/a/v1-x/checkpoint-90', best_model_checkpoint: null, best_metric: null, global_step: 90, memory: 20.5, model_parameter_info: 'PeftModelForCausalLM: 8291.3756M Params (20.1851M Trainable [0.2434%])' })).toEqual({
      kind: 'final',
      lastCheckpoint: '/a/v1-x/checkpoint-90',
      globalStep: 90,
      memoryGiB: 20.5,
      trainableParamsM: 20.1851,
      totalParamsM: 8291.3756,
    });
  });

  it('durations as ms-swift formats them', () => {
    expect(parseDuration('2h 8m 54s')).toBe(7734);
    expect(parseDuration('1d 0h 3m 2s')).toBe(86_582);
    expect(parseDuration('24s')).toBe(24);
    expect(parseDuration('soon')).toBeUndefined();
    expect(formatDuration(7735.5255)).toBe('2h 8m 56s');
  });

  it('an eval line reads as one sentence', () => {
    expect(formatEvalLine({ kind: 'eval', step: 740, epoch: 4.99, loss: 1.28633964, accuracy: 0.78846154 })).toBe('eval @ step 740 (epoch 4.99): loss 1.2863, accuracy 0.7885');
  });
});

describe('following a growing logging.jsonl', () => {
  it('waits for the file, keeps a half-written line until its newline, reports a bad line once, stops at the final record', async () => {
    const dir = scratchDir('ocrdet-follow-');
    const path = join(dir, 'logging.jsonl');
    const lines = referenceText.split('\n').filter(Boolean);
    const seen: SwiftLogEvent[] = [];
    const problems: string[] = [];
    const following = followLog(path, { onEvent: (e) => seen.push(e), onProblem: (p) => problems.push(p), pollMs: 5 });
    await new Promise((r) => setTimeout(r, 30)); // the file does not exist yet
    writeFileSync(path, `${lines[0]}\n${(lines[1] as string).slice(0, 40)}`); // ms-swift mid-write
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50)); // several more polls: the half line must wait for its newline
    expect(seen.map((e) => (e as { step: number }).step)).toEqual([1]);
    appendFileSync(path, `${(lines[1] as string).slice(40)}\nnot json\n`);
    for (const line of lines.slice(2)) appendFileSync(path, `${line}\n`);
    const events = await following;
    expect(events).toHaveLength(152);
    expect(seen.at(-1)?.kind).toBe('final');
    expect(problems).toEqual([`${path}:3: not JSON (Unexpected token 'o', "not json" is not valid JSON), skipped`]);
  });

  it('starts again from the top when the file is replaced by a shorter one', async () => {
    const dir = scratchDir('ocrdet-tail-');
    const path = join(dir, 'logging.jsonl');
    const tail = new JsonlTail(path);
    writeFileSync(path, '{"a": 1}\n{"b": 2}\n');
    expect((await tail.readNewLines()).map((l) => l.line)).toEqual(['{"a": 1}', '{"b": 2}']);
    writeFileSync(path, '{"c": 3}\n');
    expect(await tail.readNewLines()).toEqual([{ line: '{"c": 3}', lineNumber: 1 }]);
  });

  it('an aborted follow returns what was read', async () => {
    const dir = scratchDir('ocrdet-abort-');
    writeFileSync(join(dir, 'logging.jsonl'), `${referenceText.split('\n')[0]}\n`);
    const stop = new AbortController();
    const following = followLog(join(dir, 'logging.jsonl'), { onEvent: () => undefined, signal: stop.signal, pollMs: 5 });
    setTimeout(() => stop.abort(), 20);
    expect(await following).toHaveLength(1);
  });
});

describe('the last meaningful error of a failed run', () => {
  const tail = (name: string) => readFileSync(join(TRAIN_FIXTURES, 'errors', name), 'utf8').split('\n');

  it('CUDA out of memory on one rank, not torchrun\'s ChildFailedError', () => {
    expect(extractFailure(tail('oom.txt'))).toMatchObject({
      kind: 'cuda-oom',
      message: 'CUDA out of memory: Tried to allocate 20.00 MiB. GPU 3 has a total capacity of 79.10 GiB of which 6.00 MiB is free.',
      hint: expect.stringContaining('--batch-size'),
    });
  });

  it('an NCCL watchdog timeout', () => {
    expect(extractFailure(tail('nccl-timeout.txt'))).toMatchObject({
      kind: 'nccl-timeout',
      message: 'NCCL timeout: WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168, NumelOut=466119168, Timeout(ms)=600000) ran for 600067 ms',
    });
  });

  it('a missing image', () => {
    expect(extractFailure(tail('missing-file.txt'))).toMatchObject({ kind: 'missing-file', message: 'missing file: data/ocr-internvl2/images/MSRA_TD500_IMG_0476.JPG' });
  });

  it('otherwise the last exception line; nothing for a clean log', () => {
    expect(extractFailure(['[rank0]: ValueError: remaining_argv: [\'--train_type\', \'lora\']', 'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: '])).toMatchObject({
      kind: 'error',
      message: "ValueError: remaining_argv: ['--train_type', 'lora']",
    });
    expect(extractFailure(referenceText.split('\n').slice(0, 5))).toBeUndefined();
  });
});

describe('run summaries of unfinished runs', () => {
  it('a run still going has no end figures but an ETA; an empty log has zero steps', () => {
    const { events } = parseLogText(referenceText.split('\n').slice(0, 44).join('\n'));
    const summary = summarizeRun(events);
    // "elapsed_time": "37m 42s" = 2262 s, "remaining_time": "1h 32m 4s" = 5524 s
    expect(summary).toMatchObject({ finished: false, steps: 215, runtimeS: 2262, etaS: 5524, eval: { count: 0 } });
    expect(formatSummary(summary).join('\n')).toContain('eval        no evaluation yet');
    expect(summarizeRun([])).toMatchObject({ finished: false, steps: 0 });
  });
});
