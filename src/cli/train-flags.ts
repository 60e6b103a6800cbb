/**
 * The flags of `ocrdet train` and `ocrdet train status`. The recipe's flags are keyed by the recipe's own
 * fields (src/train/recipe.ts), so they pass to `resolveRecipe` as they are: `--grad-accum` is
 * `gradientAccumulation`, `--lr` is `learningRate`. The rest say how to run (dry run, pre-flight, Slurm, output).
 */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { PRESETS } from '../train/presets.js';
import type { FlagSpec } from './command-spec.js';
import { numberIn, positiveInt, positiveNumber } from './output.js';

function collectEnv(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) throw new InvalidArgumentError(`--env expects KEY=VALUE, got "${value}"`);
  return [...previous, value];
}

const text = z.string().optional();
const count = z.number().int().positive().optional();

/** A text flag: `--model <id>`. */
const textFlag = (flags: string, description: string): FlagSpec<typeof text> => ({ flags, description, schema: text });
/** A positive integer flag, checked as it is read: `--lora-rank <n>`. */
const countFlag = (flags: string, description: string): FlagSpec<typeof count> => ({ flags, description, schema: count, parse: positiveInt(flags.split(' ')[0]!) });

/** Flags that set a recipe field, keyed by that field. */
export const RECIPE_FLAGS = {
  preset: textFlag('--preset <name>', `model preset: ${PRESETS.names().join(', ')} (default: the data record's family, else internvl2-8b)`),
  model: textFlag('--model <id>', 'hub model id'),
  modelPath: textFlag('--model-path <dir>', 'local model weights instead of the hub download'),
  modelType: textFlag('--model-type <type>', "ms-swift model_type, when not the preset's"),
  dialect: textFlag('--dialect <name>', "grounding dialect of the training data (default: the data record's, else the preset's)"),
  data: textFlag('--data <dir>', 'directory with train.jsonl (+ val.jsonl) from `ocrdet data convert`, or one .jsonl file'),
  out: textFlag('--out <dir>', 'output directory (default runs/ocr)'),
  gpus: textFlag('--gpus <list>', 'GPU indices on this node, e.g. 0 or 0,1,2,3 (default 0,1,2,3)'),
  nnodes: countFlag('--nnodes <n>', 'number of nodes'),
  nodeRank: { flags: '--node-rank <n>', description: "this node's rank, 0 … nnodes-1", parse: numberIn('--node-rank', 0, 1023), schema: z.number().int().min(0).optional() },
  masterAddr: textFlag('--master-addr <host>', 'address of the rank-0 node (multi-node)'),
  masterPort: { flags: '--master-port <port>', description: 'rendezvous port (default 29500)', parse: numberIn('--master-port', 1, 65535), schema: z.number().int().optional() },
  deepspeed: textFlag('--deepspeed <stage>', 'DeepSpeed ZeRO config (ms-swift built-in) or a .json path'),
  epochs: { flags: '--epochs <n>', description: 'training epochs', parse: positiveNumber('--epochs'), schema: z.number().positive().optional() },
  batchSize: countFlag('--batch-size <n>', 'batch size per GPU'),
  gradientAccumulation: countFlag('--grad-accum <n>', 'gradient accumulation steps'),
  globalBatch: countFlag('--global-batch <n>', 'samples per optimizer step over all GPUs; sets the accumulation'),
  learningRate: { flags: '--lr <rate>', description: 'learning rate', parse: positiveNumber('--lr'), schema: z.number().positive().optional() },
  loraRank: countFlag('--lora-rank <n>', 'LoRA rank'),
  maxLength: countFlag('--max-length <tokens>', "token limit per sample (default: from the longest row of the data record, at least the preset's)"),
  evalSteps: countFlag('--eval-steps <n>', 'evaluate every n steps'),
  saveSteps: countFlag('--save-steps <n>', 'save a checkpoint every n steps'),
  freezeVit: {
    flags: '--freeze-vit',
    description: 'keep the vision tower frozen',
    negation: 'train the vision tower too (LoRA on all its linear layers)',
    schema: z.boolean().optional(),
  },
  /** KEY=VALUE pairs as typed; the recipe's `env` record is made of them (`envRecord`). */
  env: { flags: '--env <KEY=VALUE>', description: 'extra environment for ms-swift (repeatable)', parse: collectEnv, default: [], repeatable: true, schema: z.array(z.string()) },
  swiftVersion: textFlag('--swift-version <version>', 'build for this ms-swift (2, 3, 4 or x.y.z) instead of the installed one'),
} as const;

/** What `train status` (and the end of a run) prints and plots. */
const PLOT_FLAGS = {
  plotsDir: textFlag('--plots-dir <dir>', 'where the plots go (default <run dir>/plots)'),
  plots: { flags: '--no-plots', description: 'do not write plots', schema: z.boolean().default(true) },
} as const;

/** The flags of `ocrdet train`, in the order the help lists them. */
export const TRAIN_FLAGS = {
  recipe: textFlag('--recipe <file>', 'recipe file (JSON or YAML); flags override its fields'),
  ...RECIPE_FLAGS,
  dryRun: { flags: '--dry-run', description: 'print the command line and environment, run nothing', schema: z.boolean().optional() },
  check: { flags: '--check', description: 'run the pre-flight checks only', schema: z.boolean().optional() },
  gpuCheck: { flags: '--no-gpu-check', description: 'skip the nvidia-smi checks', schema: z.boolean().default(true) },
  emit: { flags: '--emit <kind>', description: 'write a job script instead of running (<out>/train.sbatch)', choices: ['slurm'], schema: z.literal('slurm').optional() },
  partition: textFlag('--partition <name>', 'Slurm partition (with --emit slurm)'),
  time: textFlag('--time <limit>', 'Slurm time limit, e.g. 24:00:00 (with --emit slurm)'),
  ...PLOT_FLAGS,
  json: { flags: '--json', description: 'machine-readable output (with --dry-run)', schema: z.boolean().optional() },
  verbose: { flags: '--verbose', description: "show ms-swift's own output as well as the progress line", schema: z.boolean().optional() },
  quiet: { flags: '-q, --quiet', description: 'no progress or diagnostics', schema: z.boolean().optional() },
} as const;

/** The flags of `ocrdet train status`. */
export const STATUS_FLAGS = {
  follow: { flags: '--follow', description: 'keep following a live run with a progress line until it finishes', schema: z.boolean().optional() },
  ...PLOT_FLAGS,
  json: { flags: '--json', description: 'print {runDir, summary, plots} as JSON', schema: z.boolean().optional() },
  quiet: { flags: '-q, --quiet', description: 'no progress line', schema: z.boolean().optional() },
} as const;

/** The recipe's `env` record of `--env KEY=VALUE` pairs (a value may hold '='). */
export function envRecord(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}
