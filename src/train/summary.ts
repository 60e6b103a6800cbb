/**
 * The figures of a run, from its logging.jsonl events: what `train status` prints and `--json` returns.
 * Pure: events in, a plain object out (formatting is separate, for the CLI).
 */
import { basename } from 'node:path';
import { formatDuration, type EvalPoint, type RunInfo, type SwiftLogEvent, type TrainEnd, type TrainPoint } from './logging.js';
import { count } from '../core/plural.js';

interface Extreme {
  value: number;
  step: number;
}

export interface RunSummary {
  /** True once the final `last_model_checkpoint` record (or the Trainer's summary) is written. */
  finished: boolean;
  steps: number;
  maxSteps?: number;
  epochs?: number;
  /** Seconds: the Trainer's `train_runtime` when finished, else the last `elapsed_time`. */
  runtimeS?: number;
  samplesPerS?: number;
  stepsPerS?: number;
  trainSamples?: number;
  trainableParamsM?: number;
  train: {
    finalLoss?: number;
    bestLoss?: Extreme;
    /** Mean loss over the run (the Trainer's `train_loss`). */
    meanLoss?: number;
    finalAccuracy?: number;
    bestAccuracy?: Extreme;
  };
  eval: {
    count: number;
    finalLoss?: number;
    finalAccuracy?: number;
    bestLoss?: Extreme;
    bestAccuracy?: Extreme;
  };
  peakMemoryGiB?: number;
  /** Checkpoint names (`checkpoint-740`): paths in a log point at the machine that wrote it. */
  lastCheckpoint?: string;
  bestCheckpoint?: string;
  bestMetric?: number;
  /** Remaining seconds by the last training line, while running. */
  etaS?: number;
}

function best(points: { step: number; value: number | undefined }[], better: (a: number, b: number) => boolean): Extreme | undefined {
  let result: Extreme | undefined;
  for (const { step, value } of points) {
    if (value === undefined) continue;
    if (!result || better(value, result.value)) result = { value, step };
  }
  return result;
}

const lower = (a: number, b: number) => a < b;
const higher = (a: number, b: number) => a > b;

/** Summarises a run's events (a finished run, or one still being written). */
export function summarizeRun(events: readonly SwiftLogEvent[]): RunSummary {
  const train = events.filter((e): e is TrainPoint => e.kind === 'train');
  const evals = events.filter((e): e is EvalPoint => e.kind === 'eval');
  const end = events.findLast((e): e is TrainEnd => e.kind === 'end');
  const final = events.findLast((e): e is RunInfo => e.kind === 'final');
  const lastTrain = train.at(-1);
  const lastEval = evals.at(-1);
  const steps = final?.globalStep ?? end?.step ?? Math.max(lastTrain?.step ?? 0, lastEval?.step ?? 0);
  const memories = train.map((t) => t.memoryGiB).filter((m): m is number => m !== undefined);
  if (final?.memoryGiB !== undefined) memories.push(final.memoryGiB);
  return {
    finished: final !== undefined || end !== undefined,
    steps,
    maxSteps: lastTrain?.maxSteps ?? lastEval?.maxSteps,
    epochs: end?.epoch ?? lastEval?.epoch ?? lastTrain?.epoch,
    runtimeS: end?.runtimeS ?? lastTrain?.elapsedS,
    samplesPerS: end?.samplesPerS,
    stepsPerS: end?.stepsPerS ?? (lastTrain?.secondsPerStep ? 1 / lastTrain.secondsPerStep : undefined),
    trainSamples: final?.trainSamples,
    trainableParamsM: final?.trainableParamsM,
    train: {
      finalLoss: lastTrain?.loss,
      bestLoss: best(train.map((t) => ({ step: t.step, value: t.loss })), lower),
      meanLoss: end?.trainLoss,
      finalAccuracy: lastTrain?.accuracy,
      bestAccuracy: best(train.map((t) => ({ step: t.step, value: t.accuracy })), higher),
    },
    eval: {
      count: evals.length,
      finalLoss: lastEval?.loss,
      finalAccuracy: lastEval?.accuracy,
      bestLoss: best(evals.map((e) => ({ step: e.step, value: e.loss })), lower),
      bestAccuracy: best(evals.map((e) => ({ step: e.step, value: e.accuracy })), higher),
    },
    peakMemoryGiB: memories.length ? Math.max(...memories) : undefined,
    lastCheckpoint: final?.lastCheckpoint ? basename(final.lastCheckpoint) : undefined,
    bestCheckpoint: final?.bestCheckpoint ? basename(final.bestCheckpoint) : undefined,
    bestMetric: final?.bestMetric,
    etaS: final || end ? undefined : lastTrain?.remainingS,
  };
}

const f4 = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(4));
const best4 = (e: Extreme | undefined) => (e ? `best ${e.value.toFixed(4)} at step ${e.step}` : 'best —');

/** The summary as aligned `label  text` lines for a terminal. */
export function formatSummary(summary: RunSummary, runDir?: string): string[] {
  const lines: [string, string][] = [];
  if (runDir) lines.push(['run', `${runDir} (${summary.finished ? 'finished' : 'running or stopped'})`]);
  const epochs = summary.epochs !== undefined ? `, ${summary.epochs.toFixed(2)} epochs` : '';
  const samples = summary.trainSamples !== undefined ? `, ${summary.trainSamples} training samples` : '';
  lines.push(['steps', `${summary.steps}${summary.maxSteps ? `/${summary.maxSteps}` : ''}${epochs}${samples}`]);
  if (summary.runtimeS !== undefined) {
    const rate = [
      summary.samplesPerS !== undefined ? `${summary.samplesPerS} samples/s` : undefined,
      summary.stepsPerS !== undefined ? `${summary.stepsPerS.toFixed(3)} steps/s` : undefined,
    ].filter(Boolean);
    lines.push(['runtime', `${summary.runtimeS.toFixed(1)} s (${formatDuration(summary.runtimeS)})${rate.length ? `, ${rate.join(', ')}` : ''}`]);
  }
  if (summary.etaS !== undefined) lines.push(['eta', formatDuration(summary.etaS)]);
  const t = summary.train;
  const mean = t.meanLoss !== undefined ? `, mean ${f4(t.meanLoss)}` : '';
  lines.push(['train', `loss ${f4(t.finalLoss)} final, ${best4(t.bestLoss)}${mean}; accuracy ${f4(t.finalAccuracy)} final, ${best4(t.bestAccuracy)}`]);
  const e = summary.eval;
  if (e.count) {
    lines.push(['eval', `loss ${f4(e.finalLoss)} final, ${best4(e.bestLoss)}; accuracy ${f4(e.finalAccuracy)} final, ${best4(e.bestAccuracy)} (${count(e.count, 'evaluation')})`]);
  } else lines.push(['eval', 'no evaluation yet']);
  if (summary.peakMemoryGiB !== undefined) lines.push(['memory', `${summary.peakMemoryGiB.toFixed(2)} GiB peak per GPU`]);
  if (summary.trainableParamsM !== undefined) lines.push(['params', `${summary.trainableParamsM}M trainable`]);
  if (summary.bestCheckpoint || summary.lastCheckpoint) {
    const metric = summary.bestMetric !== undefined ? ` (best metric ${f4(summary.bestMetric)})` : '';
    lines.push(['checkpoint', `best ${summary.bestCheckpoint ?? '—'}${metric}, last ${summary.lastCheckpoint ?? '—'}`]);
  }
  const width = 'checkpoint'.length; // fixed, so lines of different runs align the same way
  return lines.map(([label, text]) => `${label.padEnd(width)}  ${text}`);
}
