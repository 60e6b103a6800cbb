/**
 * `ocrdet detect`'s flags for job arrays: `--shard K/N|auto` does one part of the inputs (src/batch/shard.ts),
 * `--shards N` says how many parts there are, and `--emit slurm --shards N` writes an sbatch array script
 * (the same shape as `train --emit slurm`: src/train/slurm.ts) that runs the very detect command given, once
 * per part, each into its own results file, and says how to merge them.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { makeDirectory } from '../core/dirs.js';
import { parseShard, shardFromEnvironment, shardResultsPath, type Shard } from '../batch/shard.js';
import { bashArray, sbatchPreamble } from '../train/slurm.js';
import { shellQuote } from '../train/shell.js';
import type { FlagsOf } from './command-spec.js';
import { positiveInt, printLine, warn } from './output.js';

/** CPUs per array task: the embedded detector's default threads use up to 4. */
const DEFAULT_CPUS_PER_TASK = 4;

const GROUP = 'Job arrays (several machines):';

/** The flags of this file, keyed as `resolveShard` and `emitDetectSlurm` read them. */
export const SHARD_FLAGS = {
  shard: {
    flags: '--shard <K/N|auto>',
    description: 'do only part K of N of the inputs (by a hash of each path, so the parts never overlap); auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX',
    group: GROUP,
    schema: z.string().min(1).optional(),
  },
  shards: {
    flags: '--shards <n>',
    description: 'how many parts: with --emit slurm, or with --shard auto in a Kubernetes Indexed Job (its completions)',
    parse: positiveInt('--shards'),
    group: GROUP,
    schema: z.number().int().positive().optional(),
  },
  emit: {
    flags: '--emit <kind>',
    description: 'write a job array script that runs this command in --shards parts, instead of running it (<out folder>/detect.sbatch)',
    choices: ['slurm'],
    group: GROUP,
    schema: z.literal('slurm').optional(),
  },
  partition: { flags: '--partition <name>', description: 'Slurm partition (with --emit slurm)', group: GROUP, schema: z.string().min(1).optional() },
  time: { flags: '--time <limit>', description: 'Slurm time limit per part, e.g. 12:00:00 (with --emit slurm)', group: GROUP, schema: z.string().min(1).optional() },
  cpusPerTask: {
    flags: '--cpus-per-task <n>',
    description: `CPUs per part (with --emit slurm; default ${DEFAULT_CPUS_PER_TASK})`,
    parse: positiveInt('--cpus-per-task'),
    group: GROUP,
    schema: z.number().int().positive().optional(),
  },
} as const;

export type ShardFlags = FlagsOf<typeof SHARD_FLAGS>;

/** Flags of this file: not passed on to the parts a written script runs. */
export const OWN_FLAGS: readonly string[] = Object.keys(SHARD_FLAGS);

/** The part this run does, or undefined for all of them. `--shards` alone (without --emit) is a usage error. */
export function resolveShard(flags: ShardFlags, env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (flags.emit) {
    if (flags.shard) throw new UsageError('--shard and --emit slurm: the written script gives each task its own part; leave out --shard');
    return undefined;
  }
  for (const slurmOnly of ['partition', 'time', 'cpusPerTask'] as const) {
    if (flags[slurmOnly] !== undefined) throw new UsageError(`${{ partition: '--partition', time: '--time', cpusPerTask: '--cpus-per-task' }[slurmOnly]} only goes with --emit slurm`);
  }
  if (flags.shard === undefined) {
    if (flags.shards !== undefined) throw new UsageError('--shards N goes with --emit slurm (write a job array script) or --shard auto; to do one part, give --shard K/N');
    return undefined;
  }
  if (flags.shard.trim().toLowerCase() === 'auto') return shardFromEnvironment(env, flags.shards);
  const shard = parseShard(flags.shard);
  if (flags.shards !== undefined && flags.shards !== shard.count) throw new UsageError(`--shard ${flags.shard} and --shards ${flags.shards} disagree on the number of parts`);
  return shard;
}

export interface DetectSlurmOptions {
  /** The detect arguments each part runs (detectArgs). */
  args: readonly string[];
  /** The results file the parts are named after (each writes `shardResultsPath(out, part)`). */
  out: string;
  shards: number;
  /** Inputs as given, for the merge command. */
  inputs: readonly string[];
  /** How the script starts ocrdet: the executable and its arguments (node and this package's bin). */
  program: readonly string[];
  cwd: string;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  writtenBy?: string;
}

/** The sbatch array script: task K (1…N) runs the detect command on part K/N into its own results file. */
export function buildDetectSlurmScript(options: DetectSlurmOptions): string {
  const folder = dirname(options.out);
  const partFile = shardResultsPath(options.out, { index: 0, count: options.shards }).replace(/\.1-of-/, '.${SLURM_ARRAY_TASK_ID}-of-');
  const allParts = shardResultsPath(options.out, { index: 0, count: options.shards }).replace(/\.1-of-/, '.*-of-');
  const merge = ['results', 'merge', allParts, ...options.inputs.flatMap((input) => ['--input', input]), '--out', options.out];
  const preamble = sbatchPreamble({
    command: 'ocrdet detect --emit slurm',
    writtenBy: options.writtenBy,
    scriptPath: join(folder, 'detect.sbatch'),
    directives: {
      'job-name': 'ocrdet-detect',
      array: `1-${options.shards}`,
      ntasks: 1,
      'cpus-per-task': options.cpusPerTask ?? DEFAULT_CPUS_PER_TASK,
      output: join(folder, 'slurm-%A_%a.log'),
      partition: options.partition,
      time: options.time,
    },
    cwd: options.cwd,
    out: folder,
  });
  return [
    ...preamble,
    '',
    ...bashArray('OCRDET', options.program),
    ...bashArray('DETECT_ARGS', options.args),
    '',
    `# Task K does part K/${options.shards} into ${partFile}; a task run again resumes its file, and`,
    `# \`sbatch --array=3,7 ${join(folder, 'detect.sbatch')}\` redoes parts 3 and 7 (the part is given as K/N, not auto).`,
    `exec "\${OCRDET[@]}" "\${DETECT_ARGS[@]}" --shard "$SLURM_ARRAY_TASK_ID/${options.shards}"`,
    '',
    '# When every task has finished, join the parts (in input order; the missing ones are named):',
    `#   ${[...options.program, ...merge].map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/**
 * `--emit slurm`: writes <out folder>/detect.sbatch and prints its path; nothing is detected. `given` are the
 * flags the user typed but this file's (`givenWords`), which each part runs with.
 */
export async function emitDetectSlurm(given: readonly string[], inputs: readonly string[], flags: ShardFlags & { out?: string; quiet?: boolean }): Promise<void> {
  if (!flags.out) throw new UsageError('--emit slurm needs --out FILE: each part writes FILE with its part in the name (dets.jsonl → dets.3-of-16.jsonl)');
  if (!flags.shards) throw new UsageError('--emit slurm needs --shards N, the number of array tasks');
  const program = [process.execPath, resolve(dirname(new URL(import.meta.url).pathname), '..', '..', 'bin', 'ocrdet.js')];
  const script = buildDetectSlurmScript({
    args: ['detect', ...inputs, ...given],
    out: flags.out,
    shards: flags.shards,
    inputs,
    program,
    cwd: process.cwd(),
    partition: flags.partition,
    time: flags.time,
    cpusPerTask: flags.cpusPerTask,
  });
  const folder = dirname(flags.out);
  makeDirectory(folder);
  const path = join(folder, 'detect.sbatch');
  await writeFile(path, script, { mode: 0o755 });
  printLine(path);
  if (!flags.quiet) warn(`submit it with: sbatch ${path}`);
}
