/**
 * `ocrdet merge RUN` — merge the best (or given / latest) LoRA checkpoint of a run into its base model
 * with ms-swift's export, and link `<RUN>/merged` to the result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { EngineError } from '../core/errors.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { printJson, printLine, warn } from './output.js';
import { onInterrupt } from './signals.js';

function checkpointChoice(value: string): 'best' | 'latest' | number {
  if (value === 'best' || value === 'latest') return value;
  const step = Number(value.replace(/^checkpoint-/, ''));
  if (!Number.isInteger(step) || step < 0) throw new InvalidArgumentError(`--checkpoint expects best, latest or a step number, got "${value}"`);
  return step;
}

const FLAGS = {
  checkpoint: {
    flags: '--checkpoint <which>',
    description: "best (default: ms-swift's best, else the lowest eval loss), latest, or a step number",
    parse: checkpointChoice,
    schema: z.union([z.literal('best'), z.literal('latest'), z.number().int().min(0)]).optional(),
  },
  gpus: { flags: '--gpus <list>', description: 'CUDA_VISIBLE_DEVICES for the merge, e.g. 0', schema: z.string().optional() },
  swiftVersion: { flags: '--swift-version <version>', description: 'build for this ms-swift (2, 3, 4 or x.y.z) instead of the installed one', schema: z.string().optional() },
  dryRun: { flags: '--dry-run', description: 'print the command, run nothing', schema: z.boolean().default(false) },
  json: { flags: '--json', description: 'machine-readable output', schema: z.boolean().default(false) },
  quiet: { flags: '-q, --quiet', description: 'no diagnostics', schema: z.boolean().default(false) },
} as const;

type MergeFlags = FlagsOf<typeof FLAGS>;

async function runMerge(target: string, flags: MergeFlags): Promise<number> {
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
    if (flags.json) printJson({ ...plan, swiftVersion: version.raw, swiftVersionNote: note });
    else printLine(formatMultiline(plan.command));
    return 0;
  }
  if (plan.alreadyMerged) {
    if (!flags.quiet) warn(`already merged: ${plan.mergedDir} (delete it to merge again)`);
  } else {
    const { startProcess } = await import('../train/process.js');
    const running = await startProcess({
      command: plan.command,
      logPath: join(plan.runDir, 'merge.log'),
      onOutput: (text) => !flags.quiet && process.stderr.write(text),
    });
    const detach = onInterrupt(() => running.stop());
    const result = await running.done.finally(detach);
    if (result.exitCode !== 0) {
      warn(`ms-swift export ${result.stopped ? 'was stopped' : 'failed'} (exit code ${result.exitCode}); its log: ${join(plan.runDir, 'merge.log')}`);
      if (result.failure) warn(`error: ${result.failure.message}${result.failure.hint ? `\nhint: ${result.failure.hint}` : ''}`);
      return result.exitCode;
    }
    if (!existsSync(join(plan.mergedDir, 'config.json'))) {
      throw new EngineError(`ms-swift export ended without error but ${plan.mergedDir} has no config.json; see ${join(plan.runDir, 'merge.log')}`);
    }
  }
  const linked = await linkMerged(plan.linkPath, plan.mergedDir);
  if (!linked && !flags.quiet) warn(`warning: ${plan.linkPath} exists and is not a link; left as it is`);
  if (flags.json) {
    printJson({ mergedDir: plan.mergedDir, checkpoint: plan.checkpoint, reason: plan.reason, link: linked ? plan.linkPath : undefined });
    return 0;
  }
  printLine(plan.mergedDir);
  if (!flags.quiet) warn(`serve it with: ocrdet deploy ${linked ? plan.linkPath : plan.mergedDir}`);
  return 0;
}

export const spec = defineCommand({
  name: 'merge',
  description: 'merge a LoRA checkpoint into its base model with ms-swift export; prints where the merged model went',
  arguments: { run: { name: '<run>', description: 'output directory, run directory (vN-…) or checkpoint directory', schema: z.string() } },
  flags: FLAGS,
  run: ({ args, flags }) => runMerge(args.run, flags),
});
