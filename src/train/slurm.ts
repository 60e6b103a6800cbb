/**
 * `ocrdet train --emit slurm`: the same `swift sft` command as an sbatch script for clusters.
 *
 * One Slurm task per node; each task runs `swift sft` with the torchrun variables ms-swift reads
 * (NPROC_PER_NODE, NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT: swift/cli/main.py get_torchrun_args at
 * v2.4.2, v3.0.0, v4.5.2). The first node of the allocation is the rendezvous host, NODE_RANK is the
 * task's SLURM_NODEID (the multi-node recipe of ms-swift v3.12.6 Command-line-parameters.md:913-918 and
 * examples/train/multi-node, with the ranks taken from Slurm). CUDA_VISIBLE_DEVICES is left to Slurm's
 * GPU allocation. The arguments travel as a bash array, so nothing is quoted twice.
 */
import { gpuList, type Recipe } from './recipe.js';
import { shellQuote, type ExternalCommand } from './shell.js';

export interface SlurmOptions {
  /** Directory the job runs in (relative paths in the command are read from it). */
  cwd: string;
  jobName?: string;
  partition?: string;
  /** Slurm time limit, e.g. "24:00:00". */
  time?: string;
  cpusPerTask?: number;
  /** Tool and version that wrote the script, for its header. */
  writtenBy?: string;
}

/** Variables the script computes from the allocation instead of fixing them. */
const FROM_SLURM = new Set(['CUDA_VISIBLE_DEVICES', 'NNODES', 'NODE_RANK', 'MASTER_ADDR', 'NPROC_PER_NODE', 'MASTER_PORT']);

/** One sbatch script's top: what wrote it, where it goes, its #SBATCH directives, its folders. */
export interface SbatchPreamble {
  /** The command that wrote it, for the header (`ocrdet train --emit slurm`). */
  command: string;
  writtenBy?: string;
  /** Where the script is written, for the "submit with" line. */
  scriptPath: string;
  /** Directive → value, in order; undefined ones are left out. */
  directives: Readonly<Record<string, string | number | undefined>>;
  /** Directory the job runs in. */
  cwd: string;
  /** Output folder, made before the work starts. */
  out: string;
}

/** The header, the #SBATCH lines, strict mode, `cd` into the working directory and the output folder made. */
export function sbatchPreamble(preamble: SbatchPreamble): string[] {
  const lines = ['#!/bin/bash', `# Written by ${preamble.writtenBy ?? 'ocrdet'} (\`${preamble.command}\`); submit with: sbatch ${shellQuote(preamble.scriptPath)}`];
  for (const [name, value] of Object.entries(preamble.directives)) if (value !== undefined) lines.push(`#SBATCH --${name}=${value}`);
  return [...lines, '', 'set -euo pipefail', `cd ${shellQuote(preamble.cwd)}`, `mkdir -p ${shellQuote(preamble.out)}`];
}

/** A bash array of arguments, one `--flag value…` per line, so nothing is quoted twice: `NAME=(`, …, `)`. */
export function bashArray(name: string, args: readonly string[]): string[] {
  const argLines: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('--') || argLines.length === 0) argLines.push(`  ${shellQuote(arg)}`);
    else argLines[argLines.length - 1] += ` ${shellQuote(arg)}`;
  }
  return [`${name}=(`, ...argLines, ')'];
}

export function buildSlurmScript(recipe: Recipe, command: ExternalCommand, options: SlurmOptions): string {
  const gpusPerNode = gpuList(recipe).length;
  const out = recipe.out.replace(/\/+$/, '');
  const preamble = sbatchPreamble({
    command: 'ocrdet train --emit slurm',
    writtenBy: options.writtenBy,
    scriptPath: `${out}/train.sbatch`,
    directives: {
      'job-name': options.jobName ?? 'ocrdet-train',
      nodes: recipe.nnodes,
      'ntasks-per-node': 1,
      'gpus-per-node': gpusPerNode,
      'cpus-per-task': options.cpusPerTask ?? 8 * gpusPerNode,
      output: `${out}/slurm-%j.log`,
      partition: options.partition,
      time: options.time,
    },
    cwd: options.cwd,
    out,
  });
  const exports = [
    '# The first node of the allocation is the rendezvous host of torchrun.',
    'export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
    `export MASTER_PORT=${recipe.masterPort}`,
    'export NNODES="$SLURM_NNODES"',
  ];
  if (gpusPerNode > 1 || recipe.nnodes > 1) exports.push(`export NPROC_PER_NODE=${gpusPerNode}`);
  for (const [key, value] of Object.entries(command.env)) if (!FROM_SLURM.has(key)) exports.push(`export ${key}=${shellQuote(value)}`);
  return [
    ...preamble,
    '',
    ...exports,
    '',
    ...bashArray('SWIFT_ARGS', command.args),
    '',
    '# One task per node, each with its node rank; a failed node ends the job.',
    `srun --kill-on-bad-exit=1 bash -c 'NODE_RANK="$SLURM_NODEID" exec ${shellQuote(command.program)} "$@"' bash "\${SWIFT_ARGS[@]}"`,
    '',
  ].join('\n');
}
