/**
 * `ocrdet train` — fine-tune with ms-swift from a typed recipe (dry run, pre-flight, launch with a live
 * progress line, summary and plots at the end), and `ocrdet train status RUN_DIR` for any run.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { makeDirectory } from '../core/dirs.js';
import { ConfigError } from '../core/errors.js';
import { count } from '../core/plural.js';
import type { TrainRunResult } from '../train/launch.js';
import type { SwiftLogEvent } from '../train/logging.js';
import type { RunningProcess } from '../train/process.js';
import type { Recipe, RecipeInput } from '../train/recipe.js';
import type { RunRecord } from '../train/run-record.js';
import type { ExternalCommand } from '../train/shell.js';
import type { LengthPlan, TrainingData } from '../train/train-data.js';
import type { SwiftVersion } from '../train/version.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { printJson, printLine, showProgress, warn } from './output.js';
import { envRecord, RECIPE_FLAGS, STATUS_FLAGS, TRAIN_FLAGS } from './train-flags.js';
import { onInterrupt } from './signals.js';

type TrainFlags = FlagsOf<typeof TRAIN_FLAGS>;
type StatusFlags = FlagsOf<typeof STATUS_FLAGS>;

/** The recipe fields the flags give (undefined = not given; the recipe layers below decide). */
function recipeFlags(flags: TrainFlags): RecipeInput {
  const { env, ...fields } = Object.fromEntries(Object.keys(RECIPE_FLAGS).map((key) => [key, flags[key as keyof TrainFlags]])) as FlagsOf<typeof RECIPE_FLAGS>;
  return { ...fields, ...(env.length ? { env: envRecord(env) } : {}) };
}

/** The recipe, the ms-swift version and max_length, agreed with the data record; what `train` builds its command from. */
interface RunLengths {
  plan: LengthPlan;
  quantiles: { count: number; median: number; p90: number; max: number };
  /** The refusal when the user's max_length drops rows. */
  overLimit?: Error;
}

async function resolveRun(flags: TrainFlags): Promise<{ recipe: Readonly<Recipe>; version: SwiftVersion; note: string; data: TrainingData; lengths?: RunLengths }> {
  const { loadRecipeFile, resolveRecipe } = await import('../train/recipe.js');
  const { chooseSwiftVersion } = await import('../train/version.js');
  const { checkRecordVersion, lengthQuantiles, loadTrainingData, overLimitError, planMaxLength } = await import('../train/train-data.js');
  const file = flags.recipe ? await loadRecipeFile(flags.recipe) : {};
  const given = recipeFlags(flags);
  const dataPath = given.data ?? file.data;
  const data = dataPath ? loadTrainingData(dataPath) : { files: { train: '' } };
  const resolved = resolveRecipe({ file, flags: given, ...(data.record ? { data: data.record } : {}) });
  const { version, note } = await chooseSwiftVersion(resolved.swiftVersion, { dryRun: Boolean(flags.dryRun || flags.emit) });
  if (!data.record) return { recipe: resolved, version, note, data };
  checkRecordVersion(data.record, version);
  const explicit = given.maxLength !== undefined || file.maxLength !== undefined;
  const lengths = planMaxLength(data.record.record, version, resolved.maxLength, explicit);
  const overLimit = lengths.over.length > 0 ? overLimitError(lengths, data.record, given.maxLength !== undefined ? '--max-length' : "the recipe's maxLength") : undefined;
  const quantiles = lengthQuantiles(lengths.rows);
  return { recipe: Object.freeze({ ...resolved, maxLength: lengths.maxLength }), version, note, data, lengths: { plan: lengths, quantiles, ...(overLimit ? { overLimit } : {}) } };
}

/** `train --check`: how long the rows are as this ms-swift counts them, and the limit. */
function printLengths(lengths: LengthPlan, q: { count: number; median: number; p90: number; max: number }, version: SwiftVersion, data: TrainingData): void {
  const images = lengths.rows.some((r) => r.imageTokens > 0) ? 'image tokens included' : 'image tokens not counted by this version';
  warn(`tokens ${q.count} rows as ms-swift ${version.raw} counts them (${images}): median ${q.median} · p90 ${q.p90} · max ${q.max}; max_length ${lengths.maxLength}: ${lengths.over.length} over`);
  for (const row of lengths.over.slice(0, 5)) warn(`over   ${data.record?.record.files[row.file] ?? row.file}:${row.line} ~${row.tokens} tokens${row.imageTokens ? ` (${row.imageTokens} image)` : ''}`);
  if (lengths.over.length > 5) warn(`over   … and ${lengths.over.length - 5} more`);
}

async function runTrain(flags: TrainFlags): Promise<number> {
  const { buildTrainCommand, globalBatchOf } = await import('../train/command.js');
  const { formatMultiline } = await import('../train/shell.js');
  const { recipe, version, note, data, lengths } = await resolveRun(flags);
  const command = buildTrainCommand(recipe, version, data.files);
  if (!flags.quiet) warn(`${note}; global batch ${globalBatchOf(recipe)} (${recipe.batchSize} per GPU × ${count(recipe.gpus.split(',').length, 'GPU')} × ${count(recipe.nnodes, 'node')} × accumulation)`);
  if (!flags.quiet && data.record) warn(`data record ${data.record.path}: family ${data.record.record.family}, dialect ${data.record.record.dialect}; preset ${recipe.preset}`);
  // A command may be built here for data that lives on the GPU host; a mistyped path would silently lose the record.
  if (!flags.quiet && (flags.dryRun || flags.emit) && !data.record && data.files.train && !existsSync(data.files.train)) {
    warn(`warning: ${data.files.train} is not here: the command is built without its data record (max_length, image settings and family come from the preset)`);
  }
  if (!flags.quiet && lengths?.plan.note) warn(lengths.plan.note);
  if (lengths && (flags.check || lengths.overLimit)) printLengths(lengths.plan, lengths.quantiles, version, data);
  if (lengths?.overLimit) throw lengths.overLimit;
  for (const w of command.warnings) warn(`warning: ${w}`);
  const record: RunRecord = { recipe, swiftVersion: version.raw, command: { env: command.env, program: command.program, args: command.args }, ...(data.record ? { dataRecord: 'ocrdet-data.json' } : {}) };

  if (flags.emit === 'slurm') {
    await emitSlurm(recipe, command, record, data, flags);
    return 0;
  }
  if (flags.dryRun) {
    if (flags.json) printJson({ swiftVersion: version.raw, env: command.env, program: command.program, args: command.args, warnings: command.warnings });
    else printLine(formatMultiline(command));
    return 0;
  }
  await runPreflight(recipe, version, data, flags);
  if (flags.check) return 0;
  return launch(recipe, command, record, data, flags);
}

async function emitSlurm(recipe: Recipe, command: ExternalCommand, record: RunRecord, data: TrainingData, flags: TrainFlags): Promise<void> {
  const { buildSlurmScript } = await import('../train/slurm.js');
  const { writeRunRecords } = await import('../train/launch.js');
  const script = buildSlurmScript(recipe, command, { cwd: process.cwd(), partition: flags.partition, time: flags.time, writtenBy: 'ocrdet' });
  if (flags.dryRun) return printLine(script.trimEnd());
  makeDirectory(recipe.out);
  const path = join(recipe.out, 'train.sbatch');
  await writeFile(path, script, { mode: 0o755 });
  await writeRunRecords(recipe.out, record, data.record?.path);
  printLine(path);
  if (!flags.quiet) warn(`submit it with: sbatch ${path}`);
}

async function runPreflight(recipe: Recipe, version: SwiftVersion, data: TrainingData, flags: TrainFlags): Promise<void> {
  const { preflight } = await import('../train/preflight.js');
  const files = data.files;
  const report = await preflight({ recipe, version, files, checkGpus: flags.gpuCheck });
  if (!flags.quiet || flags.check) {
    for (const data of report.data) warn(`data   ${data.path}: ${count(data.rows, 'row')}, ${count(data.images, 'image')}${data.missingImages ? `, ${data.missingImages} missing` : ''}`);
    const wanted = new Set(recipe.gpus.split(',').map(Number));
    for (const gpu of (report.gpus ?? []).filter((g) => wanted.has(g.index))) warn(`gpu    ${gpu.index} ${gpu.name}: ${(gpu.freeMiB / 1024).toFixed(1)} of ${(gpu.totalMiB / 1024).toFixed(1)} GiB free`);
    warn(`memory about ${report.memory.minimumGiB.toFixed(1)} GiB per GPU to start, ${report.memory.peakGiB.toFixed(1)} GiB at peak (${report.memory.basis})`);
    if (report.disk) warn(`disk   ${report.disk.freeGiB.toFixed(1)} GiB free, checkpoints need about ${report.disk.checkpointsGiB.toFixed(1)} GiB`);
  }
  for (const w of report.warnings) warn(`warning: ${w}`);
  for (const p of report.problems) warn(`problem: ${p}`);
  if (report.problems.length) throw new ConfigError(`pre-flight found ${count(report.problems.length, 'problem')}; nothing was launched`);
  if (flags.check && !flags.quiet) warn('pre-flight: ok');
}

async function launch(recipe: Recipe, command: ExternalCommand, record: RunRecord, data: TrainingData, flags: TrainFlags): Promise<number> {
  const { runTraining } = await import('../train/launch.js');
  const { formatEvalLine, formatProgressLine } = await import('../train/progress.js');
  const live = showProgress(flags.quiet);
  const passthrough = !flags.quiet && (!live || flags.verbose);
  let lineShown = false;
  const clearLine = () => {
    if (lineShown) process.stderr.write('\r\x1b[2K');
    lineShown = false;
  };
  let running: RunningProcess | undefined;
  let stopRequested = false;
  const restore = onInterrupt((count) => {
    clearLine();
    warn(count === 1 ? 'stopping ms-swift (Ctrl-C again to stop it harder)…' : 'stopping ms-swift harder…');
    stopRequested = true;
    running?.stop();
  });
  try {
    const result = await runTraining({
      command,
      outDir: recipe.out,
      recipeRecord: record,
      ...(data.record ? { dataRecordPath: data.record.path } : {}),
      onStart: (process, logPath) => {
        running = process;
        if (stopRequested) process.stop(); // Ctrl-C came while it was starting
        if (!flags.quiet) warn(`started ms-swift (process group ${process.pid}); its output goes to ${logPath}`);
      },
      onRunDir: (dir) => !flags.quiet && (clearLine(), warn(`run directory: ${dir}`)),
      onOutput: (text) => passthrough && (clearLine(), process.stderr.write(text)),
      onProblem: (message) => (clearLine(), warn(`warning: ${message}`)),
      onEvent: (event) => {
        if (event.kind === 'eval') (clearLine(), warn(formatEvalLine(event)));
        else if (event.kind === 'train' && live) {
          process.stderr.write(`\r\x1b[2K${formatProgressLine(event).slice(0, (process.stderr.columns ?? 200) - 1)}`);
          lineShown = true;
        } else if (event.kind === 'train' && !flags.quiet && !passthrough) warn(formatProgressLine(event));
      },
    });
    clearLine();
    return await finishRun(result, flags);
  } finally {
    restore();
  }
}

/** The run's summary and plots, what went wrong; returns ms-swift's exit code. */
async function finishRun(result: TrainRunResult, flags: TrainFlags): Promise<number> {
  if (result.events.length && result.runDir) await printStatus(result.runDir, result.events, flags, false);
  if (result.exitCode !== 0) {
    const how = result.stopped ? 'was stopped' : 'failed';
    warn(`ms-swift ${how} (exit code ${result.exitCode}); its log: ${result.logPath}`);
    if (result.failure) {
      warn(`error: ${result.failure.message}`);
      if (result.failure.hint) warn(`hint: ${result.failure.hint}`);
    }
  } else if (!result.runDir) {
    warn(`ms-swift ended without creating a run directory under ${flags.out ?? 'the output directory'}; its log: ${result.logPath}`);
  }
  return result.exitCode;
}

async function printStatus(runDir: string, events: SwiftLogEvent[], flags: Pick<StatusFlags, 'plots' | 'plotsDir'>, json: boolean): Promise<void> {
  const { summarizeRun, formatSummary } = await import('../train/summary.js');
  const { writeRunPlots } = await import('../train/plots.js');
  const summary = summarizeRun(events);
  let plots: string[] = [];
  if (flags.plots) {
    try {
      plots = await writeRunPlots(events, flags.plotsDir ?? join(runDir, 'plots'), { subtitle: basename(runDir) });
    } catch (error) {
      warn(`warning: plots not written: ${(error as Error).message}`);
    }
  }
  if (json) return printJson({ runDir, summary, plots });
  const lines = formatSummary(summary, runDir);
  if (plots.length) lines.push(`plots       ${plots.filter((p) => p.endsWith('.png')).join(', ')}`);
  for (const line of lines) printLine(line);
}

async function runStatus(target: string, flags: StatusFlags): Promise<void> {
  const { readRunStatus } = await import('../train/status.js');
  const status = await readRunStatus(target);
  for (const problem of status.problems) warn(`warning: ${problem}`);
  let events = status.events;
  if (flags.follow && !status.summary.finished) events = await followLive(status.runDir, flags);
  await printStatus(status.runDir, events, flags, Boolean(flags.json));
}

/** `train status --follow`: a live progress line until the run finishes or Ctrl-C (which stops only the following). */
async function followLive(runDir: string, flags: StatusFlags): Promise<SwiftLogEvent[]> {
  const { followLog } = await import('../train/follow.js');
  const { formatEvalLine, formatProgressLine } = await import('../train/progress.js');
  const stop = new AbortController();
  // The first Ctrl-C stops the following (the run goes on); a second ends ocrdet at once.
  const detach = onInterrupt((count) => {
    stop.abort();
    return count === 1;
  });
  const live = showProgress(flags.quiet);
  try {
    return await followLog(join(runDir, 'logging.jsonl'), {
      signal: stop.signal,
      onProblem: (m) => warn(`warning: ${m}`),
      onEvent: (event) => {
        if (event.kind === 'eval') warn(`${live ? '\r\x1b[2K' : ''}${formatEvalLine(event)}`);
        if (event.kind === 'train' && live) process.stderr.write(`\r\x1b[2K${formatProgressLine(event)}`);
      },
    });
  } finally {
    detach();
    if (live) process.stderr.write('\r\x1b[2K');
  }
}

export const statusSpec = defineCommand({
  name: 'status',
  description: 'summary and plots of a run directory (or an output directory: its newest run), live or finished',
  arguments: { runDir: { name: '<run-dir>', description: 'run directory (vN-YYYYMMDD-HHMMSS) or the output directory above it', schema: z.string() } },
  flags: STATUS_FLAGS,
  run: ({ args, flags }) => runStatus(args.runDir, flags),
});

export const spec = defineCommand({
  name: 'train',
  description: 'fine-tune with ms-swift from a recipe whose defaults reproduce the reference run; --dry-run prints the command',
  flags: TRAIN_FLAGS,
  subcommands: [statusSpec],
  run: ({ flags }) => runTrain(flags),
});
