/**
 * LoRA checkpoint + base model → one merged model directory, through ms-swift's export.
 *
 *  - 2.x: `swift export --ckpt_dir <checkpoint> --merge_lora true` (the reference's swift_infer_merge_lora.sh);
 *    the result goes to `<checkpoint>-merged` and an existing one is kept (v2.4.2 swift/llm/infer.py:90-108).
 *  - 3.x/4.x: `swift export --adapters <checkpoint> --merge_lora true` (examples/export/merge_lora.sh at
 *    v3.12.6 and v4.5.2); the result goes to `<checkpoint>-merged` and an existing one is an error
 *    (v3.12.6 swift/llm/argument/export_args.py:92-118), so ocrdet checks first.
 * A checkpoint carries args.json (3.x/4.x) or sft_args.json (2.x), so the base model need not be named — except
 * when 3.x/4.x merges a 2.x checkpoint: it looks for args.json only (v3.12.6 swift/llm/utils.py lines 311–321,
 * get_ckpt_dir), so the base model goes with --model.
 * Afterwards `<dir>/merged` links to the merged model, so `ocrdet deploy <dir>/merged` finds it.
 */
import { existsSync } from 'node:fs';
import { lstat, readFile, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { parseLogText, type EvalPoint, type RunInfo } from './logging.js';
import { adapterBaseModel } from './deploy-model.js';
import { latestRunDir, listCheckpoints, type Checkpoint } from './run-dir.js';
import { ArgList, type ExternalCommand } from './shell.js';
import type { SwiftVersion } from './version.js';

export type CheckpointChoice = 'best' | 'latest' | number;

export interface MergePlan {
  runDir: string;
  checkpoint: string;
  /** Why this checkpoint: "best (eval loss 1.2863 at step 740)", "latest", "given". */
  reason: string;
  mergedDir: string;
  alreadyMerged: boolean;
  /** Where the `merged` link goes (the directory the user named, or the checkpoint's run directory). */
  linkPath: string;
  /** The base model, when the checkpoint has no args.json (ms-swift 3.x/4.x must then be given it). */
  baseModel?: string;
  command: ExternalCommand;
}

export interface PlanMergeOptions {
  /** An output directory, a run directory, or a checkpoint directory. */
  target: string;
  checkpoint?: CheckpointChoice;
  version: SwiftVersion;
  /** CUDA_VISIBLE_DEVICES for the merge (the reference merged on one card). */
  gpus?: string;
  /** The base model, for 3.x/4.x on a 2.x checkpoint (see buildMergeCommand). */
  baseModel?: string;
}

/**
 * The `swift export … --merge_lora true` command for a checkpoint; `baseModel` is named for 3.x/4.x when the
 * checkpoint has no args.json (it was trained by 2.x).
 */
export function buildMergeCommand(checkpoint: string, version: SwiftVersion, gpus?: string, baseModel?: string): ExternalCommand {
  const a = new ArgList();
  if (version.major !== 2 && baseModel) a.add('model', baseModel);
  const args = a.add(version.major === 2 ? 'ckpt_dir' : 'adapters', checkpoint).add('merge_lora', true).args;
  return { env: gpus ? { CUDA_VISIBLE_DEVICES: gpus } : {}, program: 'swift', args: ['export', ...args], warnings: [] };
}

async function readRunLog(runDir: string): Promise<{ final?: RunInfo; evals: EvalPoint[] }> {
  try {
    const { events } = parseLogText(await readFile(join(runDir, 'logging.jsonl'), 'utf8'));
    return { final: events.findLast((e): e is RunInfo => e.kind === 'final'), evals: events.filter((e): e is EvalPoint => e.kind === 'eval') };
  } catch {
    return { evals: [] };
  }
}

/** The best checkpoint still on disk: ms-swift's own pick when the run finished, else the lowest eval loss. */
async function bestCheckpoint(runDir: string, checkpoints: Checkpoint[]): Promise<{ checkpoint: Checkpoint; reason: string } | undefined> {
  const { final, evals } = await readRunLog(runDir);
  // The log names paths on the machine that trained; the checkpoint's name is what carries over.
  const named = final?.bestCheckpoint ? checkpoints.find((c) => basename(c.path) === basename(final.bestCheckpoint as string)) : undefined;
  if (named) {
    const metric = final?.bestMetric !== undefined ? ` (best metric ${final.bestMetric.toFixed(4)})` : '';
    return { checkpoint: named, reason: `best by ms-swift${metric}` };
  }
  const scored = evals
    .map((e) => ({ e, checkpoint: checkpoints.find((c) => c.step === e.step) }))
    .filter((x): x is { e: EvalPoint; checkpoint: Checkpoint } => x.checkpoint !== undefined)
    .sort((a, b) => a.e.loss - b.e.loss)[0];
  return scored ? { checkpoint: scored.checkpoint, reason: `lowest eval loss ${scored.e.loss.toFixed(4)} at step ${scored.e.step}` } : undefined;
}

function isCheckpointDir(path: string): boolean {
  return /^checkpoint-\d+$/.test(basename(path)) && existsSync(path);
}

/** Which checkpoint to merge, where the result goes: everything of a merge plan but the command. */
export type MergeSelection = Omit<MergePlan, 'command'>;

/**
 * Decides which checkpoint to merge; NotFoundError when `target` does not exist, ConfigError when there
 * is nothing mergeable. Needs no ms-swift, so these come before any question about its version.
 */
export async function selectCheckpoint(options: Pick<PlanMergeOptions, 'target' | 'checkpoint'>): Promise<MergeSelection> {
  const { target } = options;
  let runDir: string;
  let chosen: Checkpoint;
  let reason: string;
  if (isCheckpointDir(target)) {
    runDir = dirname(target);
    chosen = { step: Number(basename(target).slice('checkpoint-'.length)), path: target };
    reason = 'given';
  } else {
    runDir = await latestRunDir(target);
    const checkpoints = await listCheckpoints(runDir);
    if (checkpoints.length === 0) throw new ConfigError(`${runDir}: no checkpoint-N directories (has the run saved one yet? save_steps sets how often)`);
    const choice = options.checkpoint ?? 'best';
    const latest = checkpoints.at(-1) as Checkpoint;
    if (typeof choice === 'number') {
      const found = checkpoints.find((c) => c.step === choice);
      if (!found) throw new ConfigError(`${runDir}: no checkpoint-${choice}; there are ${checkpoints.map((c) => basename(c.path)).join(', ')}`);
      [chosen, reason] = [found, 'given'];
    } else if (choice === 'best') {
      const best = await bestCheckpoint(runDir, checkpoints);
      [chosen, reason] = best ? [best.checkpoint, best.reason] : [latest, 'latest (no evaluation to choose by)'];
    } else [chosen, reason] = [latest, 'latest'];
  }
  if (!existsSync(join(chosen.path, 'adapter_config.json'))) {
    const full = existsSync(join(chosen.path, 'config.json'));
    throw new ConfigError(`${chosen.path}: ${full ? 'a full fine-tuned model, there is no LoRA to merge: deploy it directly' : 'no adapter_config.json, not a LoRA checkpoint'}`);
  }
  const mergedDir = `${chosen.path}-merged`;
  const baseModel = await adapterBaseModel(chosen.path);
  return {
    runDir,
    checkpoint: chosen.path,
    reason,
    ...(baseModel ? { baseModel } : {}),
    mergedDir,
    alreadyMerged: existsSync(join(mergedDir, 'config.json')),
    linkPath: join(isCheckpointDir(target) ? runDir : target, 'merged'),
  };
}

/** Decides which checkpoint to merge and how; NotFoundError / ConfigError as selectCheckpoint. */
export async function planMerge(options: PlanMergeOptions): Promise<MergePlan> {
  const selection = await selectCheckpoint(options);
  return { ...selection, command: buildMergeCommand(selection.checkpoint, options.version, options.gpus, options.baseModel ?? selection.baseModel) };
}

/** Points `linkPath` at `mergedDir` (relative link); replaces an older link, never a real directory. */
export async function linkMerged(linkPath: string, mergedDir: string): Promise<boolean> {
  try {
    const existing = await lstat(linkPath);
    if (!existing.isSymbolicLink()) return false;
    await unlink(linkPath);
  } catch {
    // Nothing there yet.
  }
  await symlink(relative(dirname(linkPath), mergedDir), linkPath);
  return true;
}
