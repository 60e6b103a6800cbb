/**
 * `ocrdet train` — fine-tune with ms-swift from a typed recipe (dry run, pre-flight, launch with a live
 * progress line, summary and plots at the end), and `ocrdet train status RUN_DIR` for any run.
 */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { makeDirectory } from '../core/dirs.js';
import { ConfigError } from '../core/errors.js';
import { count } from '../core/plural.js';
import type { TrainRunResult } from '../train/launch.js';
import type { SwiftLogEvent } from '../train/logging.js';
import type { RunningProcess } from '../train/process.js';
import { PRESETS } from '../train/presets.js';
import type { Recipe, RecipeInput } from '../train/recipe.js';
import type { RunRecord } from '../train/run-record.js';
import type { ExternalCommand } from '../train/shell.js';
import type { LengthPlan, TrainingData } from '../train/train-data.js';
import type { SwiftVersion } from '../train/version.js';
import { numberIn, positiveInt, printJson, printLine, showProgress, warn } from './output.js';
import { repeatable } from './flags.js';

interface TrainFlags {
  recipe?: string;
  preset?: string;
  model?: string;
  modelPath?: string;
  modelType?: string;
  dialect?: string;
  data?: string;
  out?: string;
  gpus?: string;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  deepspeed?: string;
  epochs?: number;
  batchSize?: number;
  gradAccum?: number;
  globalBatch?: number;
  lr?: number;
  loraRank?: number;
  maxLength?: number;
  evalSteps?: number;
  saveSteps?: number;
  freezeVit?: boolean;
  env: string[];
  swiftVersion?: string;
  dryRun?: boolean;
  check?: boolean;
  gpuCheck: boolean;
  emit?: 'slurm';
  partition?: string;
  time?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  plotsDir?: string;
  plots: boolean;
}

function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} expects a positive number, got "${value}"`);
    return n;
  };
}

function collectEnv(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) throw new InvalidArgumentError(`--env expects KEY=VALUE, got "${value}"`);
  return [...previous, value];
}

/** Flags → recipe fields (undefined = not given; the recipe layers below decide). */
function recipeFlags(flags: TrainFlags): RecipeInput {
  const env = Object.fromEntries(flags.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  return {
    preset: flags.preset,
    model: flags.model,
    modelPath: flags.modelPath,
    modelType: flags.modelType,
    dialect: flags.dialect,
    data: flags.data,
    out: flags.out,
    gpus: flags.gpus,
    nnodes: flags.nnodes,
    nodeRank: flags.nodeRank,
    masterAddr: flags.masterAddr,
    masterPort: flags.masterPort,
    deepspeed: flags.deepspeed,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    gradientAccumulation: flags.gradAccum,
    globalBatch: flags.globalBatch,
    learningRate: flags.lr,
    loraRank: flags.loraRank,
    maxLength: flags.maxLength,
    evalSteps: flags.evalSteps,
    saveSteps: flags.saveSteps,
    freezeVit: flags.freezeVit,
    swiftVersion: flags.swiftVersion,
    ...(flags.env.length ? { env } : {}),
  };
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

async function runTrain(flags: TrainFlags): Promise<void> {
  const { buildTrainCommand, globalBatchOf } = await import('../train/command.js');
  const { formatMultiline } = await import('../train/shell.js');
  const { recipe, version, note, data, lengths } = await resolveRun(flags);
  const command = buildTrainCommand(recipe, version, data.files);
  if (!flags.quiet) warn(`${note}; global batch ${globalBatchOf(recipe)} (${recipe.batchSize} per GPU × ${count(recipe.gpus.split(',').length, 'GPU')} × ${count(recipe.nnodes, 'node')} × accumulation)`);
  if (!flags.quiet && data.record) warn(`data record ${data.record.path}: family ${data.record.record.family}, dialect ${data.record.record.dialect}; preset ${recipe.preset}`);
  if (!flags.quiet && lengths?.plan.note) warn(lengths.plan.note);
  if (lengths && (flags.check || lengths.overLimit)) printLengths(lengths.plan, lengths.quantiles, version, data);
  if (lengths?.overLimit) throw lengths.overLimit;
  for (const w of command.warnings) warn(`warning: ${w}`);
  const record: RunRecord = { recipe, swiftVersion: version.raw, command: { env: command.env, program: command.program, args: command.args }, ...(data.record ? { dataRecord: 'ocrdet-data.json' } : {}) };

  if (flags.emit === 'slurm') return emitSlurm(recipe, command, record, data, flags);
  if (flags.dryRun) {
    if (flags.json) printJson({ swiftVersion: version.raw, env: command.env, program: command.program, args: command.args, warnings: command.warnings });
    else printLine(formatMultiline(command));
    return;
  }
  await runPreflight(recipe, version, data, flags);
  if (flags.check) return;
  await launch(recipe, command, record, data, flags);
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

async function launch(recipe: Recipe, command: ExternalCommand, record: RunRecord, data: TrainingData, flags: TrainFlags): Promise<void> {
  const { runTraining } = await import('../train/launch.js');
  const { interceptSignals } = await import('../train/process.js');
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
  const restore = interceptSignals((_signal, count) => {
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
    await finishRun(result, flags);
  } finally {
    restore();
  }
}

async function finishRun(result: TrainRunResult, flags: TrainFlags): Promise<void> {
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
  process.exitCode = result.exitCode;
}

async function printStatus(runDir: string, events: SwiftLogEvent[], flags: TrainFlags, json: boolean): Promise<void> {
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

async function runStatus(target: string, flags: TrainFlags & { follow?: boolean }): Promise<void> {
  const { readRunStatus } = await import('../train/status.js');
  const status = await readRunStatus(target);
  for (const problem of status.problems) warn(`warning: ${problem}`);
  let events = status.events;
  if (flags.follow && !status.summary.finished) events = await followLive(status.runDir, flags);
  await printStatus(status.runDir, events, flags, Boolean(flags.json));
}

/** `train status --follow`: a live progress line until the run finishes or Ctrl-C (which stops only the following). */
async function followLive(runDir: string, flags: TrainFlags): Promise<SwiftLogEvent[]> {
  const { followLog } = await import('../train/follow.js');
  const { formatEvalLine, formatProgressLine } = await import('../train/progress.js');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
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
    process.off('SIGINT', onSignal);
    if (live) process.stderr.write('\r\x1b[2K');
  }
}

export function createCommand(): Command {
  const command = new Command('train')
    .description('fine-tune with ms-swift from a recipe whose defaults reproduce the reference run; --dry-run prints the command')
    // `train status X --json` is the sub-command's flag, not train's.
    .enablePositionalOptions()
    .option('--recipe <file>', 'recipe file (JSON or YAML); flags override its fields')
    .option('--preset <name>', `model preset: ${PRESETS.names().join(', ')} (default: the data record's family, else internvl2-8b)`)
    .option('--model <id>', 'hub model id')
    .option('--model-path <dir>', 'local model weights instead of the hub download')
    .option('--model-type <type>', 'ms-swift model_type, when not the preset\'s')
    .option('--dialect <name>', "grounding dialect of the training data (default: the data record's, else the preset's)")
    .option('--data <dir>', 'directory with train.jsonl (+ val.jsonl) from `ocrdet data convert`, or one .jsonl file')
    .option('--out <dir>', 'output directory (default runs/ocr)')
    .option('--gpus <list>', 'GPU indices on this node, e.g. 0 or 0,1,2,3 (default 0,1,2,3)')
    .option('--nnodes <n>', 'number of nodes', positiveInt('--nnodes'))
    .option('--node-rank <n>', 'this node\'s rank, 0 … nnodes-1', numberIn('--node-rank', 0, 1023))
    .option('--master-addr <host>', 'address of the rank-0 node (multi-node)')
    .option('--master-port <port>', 'rendezvous port (default 29500)', numberIn('--master-port', 1, 65535))
    .addOption(new Option('--deepspeed <stage>', 'DeepSpeed ZeRO config (ms-swift built-in) or a .json path'))
    .option('--epochs <n>', 'training epochs', positiveNumber('--epochs'))
    .option('--batch-size <n>', 'batch size per GPU', positiveInt('--batch-size'))
    .option('--grad-accum <n>', 'gradient accumulation steps', positiveInt('--grad-accum'))
    .option('--global-batch <n>', 'samples per optimizer step over all GPUs; sets the accumulation', positiveInt('--global-batch'))
    .option('--lr <rate>', 'learning rate', positiveNumber('--lr'))
    .option('--lora-rank <n>', 'LoRA rank', positiveInt('--lora-rank'))
    .option('--max-length <tokens>', 'token limit per sample (default: from the longest row of the data record, at least the preset\'s)', positiveInt('--max-length'))
    .option('--eval-steps <n>', 'evaluate every n steps', positiveInt('--eval-steps'))
    .option('--save-steps <n>', 'save a checkpoint every n steps', positiveInt('--save-steps'))
    .option('--freeze-vit', 'keep the vision tower frozen')
    .option('--no-freeze-vit', 'train the vision tower too (LoRA on all its linear layers)')
    .addOption(repeatable(new Option('--env <KEY=VALUE>', 'extra environment for ms-swift (repeatable)').argParser(collectEnv).default([])))
    .option('--swift-version <version>', 'build for this ms-swift (2, 3, 4 or x.y.z) instead of the installed one')
    .option('--dry-run', 'print the command line and environment, run nothing')
    .option('--check', 'run the pre-flight checks only')
    .option('--no-gpu-check', 'skip the nvidia-smi checks')
    .addOption(new Option('--emit <kind>', 'write a job script instead of running (<out>/train.sbatch)').choices(['slurm']))
    .option('--partition <name>', 'Slurm partition (with --emit slurm)')
    .option('--time <limit>', 'Slurm time limit, e.g. 24:00:00 (with --emit slurm)')
    .option('--plots-dir <dir>', 'where the plots go (default <run dir>/plots)')
    .option('--no-plots', 'do not write plots')
    .option('--json', 'machine-readable output (with --dry-run)')
    .option('--verbose', 'show ms-swift\'s own output as well as the progress line')
    .option('-q, --quiet', 'no progress or diagnostics')
    .action((flags: TrainFlags) => runTrain(flags));
  command
    .command('status')
    .description('summary and plots of a run directory (or an output directory: its newest run), live or finished')
    .argument('<run-dir>', 'run directory (vN-YYYYMMDD-HHMMSS) or the output directory above it')
    .option('--follow', 'keep following a live run with a progress line until it finishes')
    .option('--plots-dir <dir>', 'where the plots go (default <run dir>/plots)')
    .option('--no-plots', 'do not write plots')
    .option('--json', 'print {runDir, summary, plots} as JSON')
    .option('-q, --quiet', 'no progress line')
    .action((target: string, flags: TrainFlags & { follow?: boolean }) => runStatus(target, flags));
  return command;
}
