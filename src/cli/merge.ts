/**
 * `ocrdet merge RUN` — merge the best (or given / latest) LoRA checkpoint of a run into its base model
 * with ms-swift's export, and link `<RUN>/merged` to the result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { EngineError } from '../core/errors.js';
import { printJson, printLine, warn } from './output.js';

interface MergeFlags {
  checkpoint?: 'best' | 'latest' | number;
  gpus?: string;
  swiftVersion?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
}

function checkpointChoice(value: string): 'best' | 'latest' | number {
  if (value === 'best' || value === 'latest') return value;
  const step = Number(value.replace(/^checkpoint-/, ''));
  if (!Number.isInteger(step) || step < 0) throw new InvalidArgumentError(`--checkpoint expects best, latest or a step number, got "${value}"`);
  return step;
}

async function runMerge(target: string, flags: MergeFlags): Promise<void> {
  const { selectCheckpoint, buildMergeCommand, linkMerged } = await import('../train/merge.js');
  const { chooseSwiftVersion } = await import('../train/version.js');
  const { recordedSwiftVersion } = await import('../train/run-record.js');
  const { findDataRecord } = await import('../datasets/record-file.js');
  const { formatMultiline } = await import('../train/shell.js');
  // The run first: a missing directory or checkpoint is the user's first problem, not a missing ms-swift.
  const selection = await selectCheckpoint({ target, checkpoint: flags.checkpoint });
  const recorded = await recordedSwiftVersion([selection.checkpoint, selection.runDir]);
  const { version, note } = await chooseSwiftVersion(flags.swiftVersion, { dryRun: Boolean(flags.dryRun), recorded });
  const plan = { ...selection, command: buildMergeCommand(selection.checkpoint, version, flags.gpus, selection.baseModel) };
  if (!flags.quiet) warn(`${note}; checkpoint ${plan.checkpoint} (${plan.reason})`);
  if (!flags.quiet && selection.baseModel && version.major !== 2) warn(`--model ${selection.baseModel}: the checkpoint has no args.json (ms-swift 2.x wrote it), where ms-swift ${version.major}.x looks for its base model`);
  const record = findDataRecord(selection.checkpoint);
  if (!flags.quiet && record) warn(`data record ${record.path}: family ${record.record.family}, dialect ${record.record.dialect}; deploy reads its image settings`);
  if (flags.dryRun) {
    if (flags.json) return printJson({ ...plan, swiftVersion: version.raw, swiftVersionNote: note });
    return printLine(formatMultiline(plan.command));
  }
  if (plan.alreadyMerged) {
    if (!flags.quiet) warn(`already merged: ${plan.mergedDir} (delete it to merge again)`);
  } else {
    const { startProcess, interceptSignals } = await import('../train/process.js');
    const running = await startProcess({
      command: plan.command,
      logPath: join(plan.runDir, 'merge.log'),
      onOutput: (text) => !flags.quiet && process.stderr.write(text),
    });
    const restore = interceptSignals(() => running.stop());
    const result = await running.done.finally(restore);
    if (result.exitCode !== 0) {
      warn(`ms-swift export ${result.stopped ? 'was stopped' : 'failed'} (exit code ${result.exitCode}); its log: ${join(plan.runDir, 'merge.log')}`);
      if (result.failure) warn(`error: ${result.failure.message}${result.failure.hint ? `\nhint: ${result.failure.hint}` : ''}`);
      process.exitCode = result.exitCode;
      return;
    }
    if (!existsSync(join(plan.mergedDir, 'config.json'))) {
      throw new EngineError(`ms-swift export ended without error but ${plan.mergedDir} has no config.json; see ${join(plan.runDir, 'merge.log')}`);
    }
  }
  const linked = await linkMerged(plan.linkPath, plan.mergedDir);
  if (!linked && !flags.quiet) warn(`warning: ${plan.linkPath} exists and is not a link; left as it is`);
  if (flags.json) return printJson({ mergedDir: plan.mergedDir, checkpoint: plan.checkpoint, reason: plan.reason, link: linked ? plan.linkPath : undefined });
  printLine(plan.mergedDir);
  if (!flags.quiet) warn(`serve it with: ocrdet deploy ${linked ? plan.linkPath : plan.mergedDir}`);
}

export function createCommand(): Command {
  return new Command('merge')
    .description('merge a LoRA checkpoint into its base model with ms-swift export; prints where the merged model went')
    .argument('<run>', 'output directory, run directory (vN-…) or checkpoint directory')
    .option('--checkpoint <which>', 'best (default: ms-swift\'s best, else the lowest eval loss), latest, or a step number', checkpointChoice)
    .option('--gpus <list>', 'CUDA_VISIBLE_DEVICES for the merge, e.g. 0')
    .option('--swift-version <version>', 'build for this ms-swift (2, 3, 4 or x.y.z) instead of the installed one')
    .option('--dry-run', 'print the command, run nothing')
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'no diagnostics')
    .action((target: string, flags: MergeFlags) => runMerge(target, flags));
}
