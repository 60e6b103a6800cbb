/**
 * ms-swift's logging.jsonl, every version, turned into one small vocabulary of events.
 *
 * What each version writes (read at the source):
 *  - 2.x (v2.4.2 / v2.6.1 swift/trainers/callback.py:37-70, swift/trainers/mixin.py:491-495): training
 *    lines with `loss`, `acc`, `grad_norm`, `learning_rate`, `memory(GiB)`, `train_speed(iter/s)`, `epoch`,
 *    `global_step/max_steps` ("5/740"), `percentage` ("0.68%"), `elapsed_time`/`remaining_time` ("1h 2m 3s").
 *  - 3.x (v3.12.6 swift/trainers/callback.py:26-44): `token_acc` instead of `acc`; the speed is
 *    `train_speed(iter/s)` up to 3.12.4 and `train_speed(s/it)` — seconds per step — from 3.12.5.
 *  - 4.x (v4.0.0 swift/trainers/patcher.py:17-30): as 3.12.5 without `percentage`.
 *  - Eval lines: `eval_loss`, `eval_acc` / `eval_token_acc`, `eval_runtime`, `eval_samples_per_second`…
 *  - End of training: the Trainer's summary line (`train_runtime`, `train_samples_per_second`,
 *    `train_steps_per_second`, `train_loss`), then one object with `last_model_checkpoint`,
 *    `best_model_checkpoint`, `best_metric`, `global_step`, `log_history`, `memory`
 *    (2.x swift/llm/sft.py:495-525; 3.x swift/llm/train/sft.py:215-252; 4.x swift/pipelines/train/sft.py).
 */

export interface TrainPoint {
  kind: 'train';
  step: number;
  maxSteps?: number;
  epoch?: number;
  loss?: number;
  /** Token accuracy (2.x `acc`, 3.x/4.x `token_acc`). */
  accuracy?: number;
  gradNorm?: number;
  learningRate?: number;
  memoryGiB?: number;
  /** Seconds per optimizer step, whichever way the version wrote the speed. */
  secondsPerStep?: number;
  elapsedS?: number;
  remainingS?: number;
  /** Progress 0–100: `percentage` when written (2.x, 3.x), else step / maxSteps. */
  percent?: number;
}

export interface EvalPoint {
  kind: 'eval';
  step: number;
  maxSteps?: number;
  epoch?: number;
  loss: number;
  accuracy?: number;
  runtimeS?: number;
  samplesPerS?: number;
}

export interface TrainEnd {
  kind: 'end';
  step?: number;
  epoch?: number;
  runtimeS: number;
  samplesPerS?: number;
  stepsPerS?: number;
  /** Mean training loss over the run. */
  trainLoss?: number;
}

export interface RunInfo {
  kind: 'final';
  lastCheckpoint?: string;
  bestCheckpoint?: string;
  /** The metric `best_model_checkpoint` was chosen by (eval loss unless configured otherwise). */
  bestMetric?: number;
  globalStep?: number;
  memoryGiB?: number;
  trainSamples?: number;
  /** Trainable parameters in millions, from the model summary line. */
  trainableParamsM?: number;
  totalParamsM?: number;
}

export type SwiftLogEvent = TrainPoint | EvalPoint | TrainEnd | RunInfo;

type LogRecord = Record<string, unknown>;

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** "2h 8m 54s", "1d 0h 3m 2s", "24s" (ms-swift's format_time) → seconds. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const units: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
  let total = 0;
  let matched = false;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)\s*([dhms])\b/g)) {
    total += Number(match[1]) * (units[match[2] as string] ?? 0);
    matched = true;
  }
  return matched ? total : undefined;
}

/** Seconds as ms-swift prints them: "2h 8m 56s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const parts: string[] = [];
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days) parts.push(`${days}d`);
  if (days || hours) parts.push(`${hours}h`);
  if (days || hours || minutes) parts.push(`${minutes}m`);
  parts.push(`${s % 60}s`);
  return parts.join(' ');
}

function stepsOf(record: LogRecord): { step?: number; maxSteps?: number } {
  const both = record['global_step/max_steps'];
  if (typeof both === 'string') {
    const match = /^(\d+)\s*\/\s*(\d+)$/.exec(both.trim());
    if (match) return { step: Number(match[1]), maxSteps: Number(match[2]) };
  }
  return { step: numberOf(record.step) ?? numberOf(record.global_step) };
}

function secondsPerStepOf(record: LogRecord): number | undefined {
  const secondsPerIteration = numberOf(record['train_speed(s/it)']);
  if (secondsPerIteration !== undefined) return secondsPerIteration > 0 ? secondsPerIteration : undefined;
  const iterationsPerSecond = numberOf(record['train_speed(iter/s)']);
  return iterationsPerSecond ? 1 / iterationsPerSecond : undefined;
}

function percentOf(record: LogRecord, step?: number, maxSteps?: number): number | undefined {
  const written = typeof record.percentage === 'string' ? numberOf(record.percentage.replace('%', '')) : undefined;
  if (written !== undefined) return written;
  return step !== undefined && maxSteps ? (step / maxSteps) * 100 : undefined;
}

/** "…: 8121.2141M Params (45.8487M Trainable [0.5646%])…" → millions. */
function paramsOf(text: unknown): { total?: number; trainable?: number } {
  if (typeof text !== 'string') return {};
  const total = /([\d.]+)M Params/.exec(text);
  const trainable = /([\d.]+)M Trainable/.exec(text);
  return { total: total ? Number(total[1]) : undefined, trainable: trainable ? Number(trainable[1]) : undefined };
}

function memoryOf(value: unknown): number | undefined {
  const direct = numberOf(value);
  if (direct !== undefined) return direct;
  if (value && typeof value === 'object') {
    // 2.x: {"cuda": "67.16GiB"} (one entry per device type)
    const amounts = Object.values(value).map((v) => (typeof v === 'string' ? numberOf(v.replace(/GiB$/i, '')) : numberOf(v)));
    const known = amounts.filter((v): v is number => v !== undefined);
    return known.length ? Math.max(...known) : undefined;
  }
  return undefined;
}

function finalOf(record: LogRecord): RunInfo {
  const params = paramsOf(record.model_info ?? record.model_parameter_info);
  const trainTime = record.train_time as LogRecord | undefined;
  return drop<RunInfo>({
    kind: 'final',
    lastCheckpoint: typeof record.last_model_checkpoint === 'string' ? record.last_model_checkpoint : undefined,
    bestCheckpoint: typeof record.best_model_checkpoint === 'string' ? record.best_model_checkpoint : undefined,
    bestMetric: numberOf(record.best_metric),
    globalStep: numberOf(record.global_step),
    memoryGiB: memoryOf(record.memory),
    trainSamples: numberOf(trainTime?.n_train_samples),
    trainableParamsM: params.trainable,
    totalParamsM: params.total,
  });
}

/** Removes undefined fields so events compare and print cleanly. */
function drop<T extends object>(event: T): T {
  return Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as T;
}

/**
 * One logging.jsonl record → one event, or undefined for a record that is none of the known kinds
 * (ms-swift adds keys over time; unknown keys inside known records are ignored).
 */
export function parseLogRecord(record: unknown): SwiftLogEvent | undefined {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return undefined;
  const r = record as LogRecord;
  if ('last_model_checkpoint' in r || 'best_model_checkpoint' in r) return finalOf(r);
  const { step, maxSteps } = stepsOf(r);
  const epoch = numberOf(r.epoch);
  if (numberOf(r.train_runtime) !== undefined) {
    return drop<TrainEnd>({ kind: 'end', step, epoch, runtimeS: numberOf(r.train_runtime) as number, samplesPerS: numberOf(r.train_samples_per_second), stepsPerS: numberOf(r.train_steps_per_second), trainLoss: numberOf(r.train_loss) });
  }
  if (step === undefined) return undefined;
  const evalLoss = numberOf(r.eval_loss);
  if (evalLoss !== undefined) {
    return drop<EvalPoint>({ kind: 'eval', step, maxSteps, epoch, loss: evalLoss, accuracy: numberOf(r.eval_acc ?? r.eval_token_acc), runtimeS: numberOf(r.eval_runtime), samplesPerS: numberOf(r.eval_samples_per_second) });
  }
  if (numberOf(r.loss) === undefined) return undefined;
  return drop<TrainPoint>({
    kind: 'train',
    step,
    maxSteps,
    epoch,
    loss: numberOf(r.loss),
    accuracy: numberOf(r.acc ?? r.token_acc),
    gradNorm: numberOf(r.grad_norm),
    learningRate: numberOf(r.learning_rate),
    memoryGiB: numberOf(r['memory(GiB)']),
    secondsPerStep: secondsPerStepOf(r),
    elapsedS: parseDuration(r.elapsed_time),
    remainingS: parseDuration(r.remaining_time),
    percent: percentOf(r, step, maxSteps),
  });
}

export interface ParsedLog {
  events: SwiftLogEvent[];
  /** One line per line that is not JSON: `logging.jsonl:12: not JSON (…)`. */
  problems: string[];
}

/** Parses a whole logging.jsonl text. A bad line is reported and skipped; the rest is read. */
export function parseLogText(text: string, name = 'logging.jsonl'): ParsedLog {
  const events: SwiftLogEvent[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    try {
      const event = parseLogRecord(JSON.parse(line));
      if (event) events.push(event);
    } catch (error) {
      problems.push(`${name}:${index + 1}: not JSON (${(error as Error).message.split('\n')[0]}), skipped`);
    }
  });
  return { events, problems };
}
