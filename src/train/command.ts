/**
 * Recipe → the `swift sft` command line and environment for the ms-swift version that will run it.
 *
 * The rule that keeps the dry run readable and the run reproducible: a flag is written when the
 * reference script wrote it (so the default recipe prints the reference's own command on 2.x), or when
 * the recipe's value differs from what that ms-swift version would use by itself. The version defaults
 * below are read at the source:
 *  - 2.x: ms-swift v2.4.2 swift/llm/utils/argument.py (SftArguments, lines 609-894; same at v2.6.1).
 *  - 3.x: ms-swift v3.12.6 docs/source_en/Instruction/Command-line-parameters.md (line numbers below),
 *    split_dataset_ratio was 0.01 before 3.6 (v3.0.0 swift/llm/argument/base_args/data_args.py:35).
 *  - 4.x: ms-swift v4.5.2 docs/source_en/Instruction/Command-line-parameters.md; `--tuner_type` replaced
 *    `--train_type` in 4.0 and the old name was removed in 4.1 (v4.0.0 swift/arguments/base_args/base_args.py).
 * Multi-GPU and multi-node go through the environment: `swift` re-launches itself under torchrun when
 * NPROC_PER_NODE or NNODES is set, passing NPROC_PER_NODE, MASTER_PORT, NNODES, NODE_RANK, MASTER_ADDR
 * as torchrun flags (swift/cli/main.py at v2.4.2, v3.0.0 and v4.5.2).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { firstVersionOf, modelIdFor, modelTypeAt } from './presets.js';
import { gpuList, presetOf, type Recipe } from './recipe.js';
import { ArgList, type ExternalCommand } from './shell.js';
import { atLeast, type SwiftVersion } from './version.js';

export interface DataFiles {
  train: string;
  val?: string;
}

/** `--data DIR` → DIR/train.jsonl (+ DIR/val.jsonl when present); a .jsonl/.json path is the train file itself. */
export function resolveDataFiles(data: string, exists: (path: string) => boolean = existsSync): DataFiles {
  const isFile = /\.jsonl?$/i.test(data) || (exists(data) && statSync(data).isFile());
  if (isFile) return { train: data };
  const val = join(data, 'val.jsonl');
  return exists(val) ? { train: join(data, 'train.jsonl'), val } : { train: join(data, 'train.jsonl') };
}

/** Gradient accumulation: the recipe's, or derived from `globalBatch` over all GPUs of all nodes. */
export function gradientAccumulationOf(recipe: Recipe): number {
  if (recipe.globalBatch === undefined) return recipe.gradientAccumulation;
  const perStep = recipe.batchSize * gpuList(recipe).length * recipe.nnodes;
  const steps = recipe.globalBatch / perStep;
  if (!Number.isInteger(steps)) {
    throw new ConfigError(`recipe: globalBatch ${recipe.globalBatch} is not a multiple of batchSize × GPUs × nodes = ${perStep}`);
  }
  return steps;
}

/** Samples per optimizer step over the whole job. */
export function globalBatchOf(recipe: Recipe): number {
  return recipe.batchSize * gpuList(recipe).length * recipe.nnodes * gradientAccumulationOf(recipe);
}

/** Environment for the launch: GPUs, torchrun topology, hub choice, then the recipe's own variables. */
export function trainEnvironment(recipe: Recipe): Record<string, string> {
  const env: Record<string, string> = {};
  const gpus = gpuList(recipe);
  // One GPU runs one plain process; more (or more nodes) must go through torchrun, else ms-swift
  // spreads one model over the cards with device_map instead of running data parallel.
  if (gpus.length > 1 || recipe.nnodes > 1) env.NPROC_PER_NODE = String(gpus.length);
  env.CUDA_VISIBLE_DEVICES = recipe.gpus;
  if (recipe.nnodes > 1) {
    env.NNODES = String(recipe.nnodes);
    env.NODE_RANK = String(recipe.nodeRank);
    env.MASTER_ADDR = recipe.masterAddr ?? '';
    env.MASTER_PORT = String(recipe.masterPort);
  }
  if (recipe.useHf) env.USE_HF = '1';
  return { ...env, ...recipe.env };
}

const DTYPE_2X: Record<Recipe['dtype'], string> = { auto: 'AUTO', bf16: 'bf16', fp16: 'fp16', fp32: 'fp32' };
const DTYPE_3X: Record<Recipe['dtype'], string | undefined> = { auto: undefined, bf16: 'bfloat16', fp16: 'float16', fp32: 'float32' };
/** 2.x names of ms-swift's built-in DeepSpeed configs (v2.4.2 argument.py:962-967). */
const DEEPSPEED_2X: Record<string, string> = { zero2: 'default-zero2', zero3: 'default-zero3', zero2_offload: 'zero2-offload', zero3_offload: 'zero3-offload' };

/** The model_type to name: the recipe's, else the preset's at this version; ConfigError when the version has none. */
function modelTypeOf(recipe: Recipe, version: SwiftVersion): string {
  const preset = presetOf(recipe);
  const type = recipe.modelType ?? modelTypeAt(preset, version);
  if (!type) {
    const first = firstVersionOf(preset);
    throw new ConfigError(`ms-swift ${version.raw} has no model_type for ${preset.model} (ms-swift has it from ${first}); install ms-swift ${first} or later, or pass --swift-version ${first.split('.')[0]}`);
  }
  return type;
}

/** The hub id when the recipe names the preset's model (on the hub in use), else the recipe's own. */
function modelIdOf(recipe: Recipe): string {
  const preset = presetOf(recipe);
  return recipe.model === preset.model ? modelIdFor(preset, recipe.useHf) : recipe.model;
}

function build2x(recipe: Recipe, version: SwiftVersion, files: DataFiles, warnings: string[]): string[] {
  const preset = presetOf(recipe);
  const modelType = modelTypeOf(recipe, version);
  const a = new ArgList();
  const isLora = recipe.tuner === 'lora';
  // The reference's flags, in the reference's order (swift_finetune_internvl_lora_det.sh).
  a.add('model_type', modelType);
  // 2.x downloads the model_type's own checkpoint from its hub: an id is written only for another model.
  const modelId = recipe.modelPath ?? (recipe.model !== preset.model ? recipe.model : undefined);
  if (modelId) a.add('model_id_or_path', modelId);
  a.add('dataset', files.train);
  if (files.val) a.add('val_dataset', files.val); // 2.x then ignores dataset_test_ratio (argument.py:956-958)
  else a.addIfNot('dataset_test_ratio', recipe.valRatio, 0.01);
  a.addIfNot('sft_type', recipe.tuner, 'lora');
  if (isLora) {
    a.add('lora_target_modules', recipe.targetModules.map((m) => (m === 'all-linear' ? 'ALL' : m)));
    if (recipe.loraLrRatio !== undefined) a.add('lora_lr_ratio', recipe.loraLrRatio); // LoRA+ (v2.4.2 swift/llm/tuner.py:115)
    a.add('lora_rank', recipe.loraRank);
    a.addIfNot('lora_alpha', recipe.loraAlpha, 32).addIfNot('lora_dropout', recipe.loraDropout, 0.05);
    if ((recipe.freezeVit || recipe.freezeAligner) && recipe.targetModules.includes('all-linear')) {
      warnings.push('ms-swift 2.x freezes the ViT for full fine-tuning only (argument.py:1049-1057): with LoRA, ALL also adapts the vision tower and projector');
    }
  }
  if (recipe.freezeAligner && !isLora) warnings.push('ms-swift 2.x has no freeze_aligner: the projector is trained');
  a.add('learning_rate', recipe.learningRate).add('num_train_epochs', recipe.epochs).add('use_flash_attn', recipe.flashAttention);
  a.add('gradient_accumulation_steps', gradientAccumulationOf(recipe)).add('batch_size', recipe.batchSize);
  a.addIfNot('eval_batch_size', recipe.evalBatchSize, recipe.batchSize);
  a.add('eval_steps', recipe.evalSteps).add('save_steps', recipe.saveSteps);
  if (recipe.neftuneAlpha !== undefined) a.add('neftune_noise_alpha', recipe.neftuneAlpha);
  // Settings the reference left at 2.x defaults: written only when the recipe changes them.
  a.addIfNot('save_total_limit', recipe.saveTotalLimit, 2).addIfNot('logging_steps', recipe.loggingSteps, 5);
  a.addIfNot('warmup_ratio', recipe.warmupRatio, 0.05).addIfNot('weight_decay', recipe.weightDecay, 0.1);
  a.addIfNot('max_length', recipe.maxLength, 2048).addIfNot('dtype', DTYPE_2X[recipe.dtype], 'AUTO');
  a.addIfNot('freeze_vit', recipe.freezeVit && !isLora, false).addIfNot('seed', recipe.seed, 42);
  if (recipe.system !== undefined) a.add('system', recipe.system);
  if (recipe.deepspeed) a.add('deepspeed', DEEPSPEED_2X[recipe.deepspeed] ?? recipe.deepspeed);
  a.add('output_dir', recipe.out).add('logging_dir', recipe.loggingDir ?? recipe.out);
  return ['sft', ...a.args];
}

function build3x(recipe: Recipe, version: SwiftVersion, files: DataFiles): string[] {
  const a = new ArgList();
  const isLora = recipe.tuner === 'lora';
  const modelType = modelTypeOf(recipe, version);
  a.add('model', recipe.modelPath ?? modelIdOf(recipe));
  // A local directory's model_type is guessed from its name and config.json; say it when we know it.
  if (recipe.modelType || recipe.modelPath) a.add('model_type', modelType);
  a.add(version.major >= 4 ? 'tuner_type' : 'train_type', recipe.tuner);
  a.add('dataset', files.train);
  if (files.val) a.add('val_dataset', files.val);
  else a.addIfNot('split_dataset_ratio', recipe.valRatio, atLeast(version, 3, 6) ? 0 : 0.01); // Command-line-parameters.md:64
  if (isLora) {
    // 'all-linear' on a multimodal model covers the parts not frozen (v3.12.6 swift/llm/train/tuner.py:90-157);
    // with the ViT and projector unfrozen it is 2.x's ALL except the LLM's output head.
    a.add('target_modules', recipe.targetModules);
  }
  a.addIfNot('freeze_vit', recipe.freezeVit, true).addIfNot('freeze_aligner', recipe.freezeAligner, true); // :277-279
  if (isLora) {
    if (recipe.loraLrRatio !== undefined) a.add('lorap_lr_ratio', recipe.loraLrRatio); // LoRA+, :305
    a.add('lora_rank', recipe.loraRank);
    a.addIfNot('lora_alpha', recipe.loraAlpha, 32).addIfNot('lora_dropout', recipe.loraDropout, 0.05); // :298-300
  }
  a.add('learning_rate', recipe.learningRate).add('num_train_epochs', recipe.epochs);
  if (recipe.flashAttention) a.add('attn_impl', 'flash_attn'); // :40
  a.add('gradient_accumulation_steps', gradientAccumulationOf(recipe)).add('per_device_train_batch_size', recipe.batchSize);
  a.addIfNot('per_device_eval_batch_size', recipe.evalBatchSize ?? recipe.batchSize, 1); // :204
  a.add('eval_steps', recipe.evalSteps).add('save_steps', recipe.saveSteps);
  if (recipe.neftuneAlpha !== undefined) a.add('neftune_noise_alpha', recipe.neftuneAlpha);
  a.add('save_total_limit', recipe.saveTotalLimit); // default: keep all (:242)
  a.addIfNot('logging_steps', recipe.loggingSteps, 5).addIfNot('warmup_ratio', recipe.warmupRatio, 0); // :223, :244
  a.addIfNot('weight_decay', recipe.weightDecay, 0.1); // :207
  a.add('max_length', recipe.maxLength); // default: the model's maximum (:96)
  a.addIfNot('torch_dtype', DTYPE_3X[recipe.dtype], undefined).addIfNot('seed', recipe.seed, 42);
  if (recipe.system !== undefined) a.add('system', recipe.system);
  if (recipe.deepspeed) a.add('deepspeed', recipe.deepspeed); // :199
  a.add('output_dir', recipe.out).add('logging_dir', recipe.loggingDir ?? recipe.out);
  return ['sft', ...a.args];
}

/** The `swift sft` command for this recipe and ms-swift version. */
export function buildTrainCommand(recipe: Recipe, version: SwiftVersion, files: DataFiles): ExternalCommand {
  const warnings: string[] = [];
  const args = version.major === 2 ? build2x(recipe, version, files, warnings) : build3x(recipe, version, files);
  return { env: trainEnvironment(recipe), program: 'swift', args: [...args, ...recipe.extraArgs], warnings };
}
