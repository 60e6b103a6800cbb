/**
 * Pre-flight: what can be known to fail before a GPU hour is spent. The data files exist and parse,
 * the images they name exist, the data's dialect fits the model, the GPUs are there with enough free
 * memory, and the disk has room for the checkpoints. Problems stop the launch (exit 2); warnings do not.
 */
import { statfs } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { DataFiles } from './command.js';
import { checkDataFile, type DataReport } from './preflight-data.js';
import { estimateGpuMemory, gib, queryGpus, type GpuInfo, type MemoryNeed } from './gpus.js';
import { dialectOfPreset, familyOfPreset, firstVersionOf, modelTypeAt, type ModelPreset } from './presets.js';
import { gpuList, presetOf, type Recipe } from './recipe.js';
import type { SwiftVersion } from './version.js';

export interface PreflightOptions {
  recipe: Recipe;
  version: SwiftVersion;
  files: DataFiles;
  /** Directory ms-swift will run in: relative data and image paths are read from it. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Query nvidia-smi. Default true. */
  checkGpus?: boolean;
}

export interface PreflightReport {
  problems: string[];
  warnings: string[];
  data: DataReport[];
  gpus?: GpuInfo[];
  memory: MemoryNeed;
  disk?: { freeGiB: number; checkpointsGiB: number; mergedModelGiB: number };
}

/** Reference figure: 45.8487M trainable LoRA parameters at rank 16 on all linear layers of InternVL2-8B (its log's model_info). */
const LORA_PARAMS_PER_RANK = 45.8487e6 / 16;
/** Bytes per trainable parameter in a checkpoint: fp32 adapter weights (4) + Adam's two fp32 moments (8). */
const CHECKPOINT_BYTES_PER_PARAM = 12;
/** Full fine-tuning: bf16 weights (2) + fp32 master copy and moments (12). */
const FULL_CHECKPOINT_BYTES_PER_PARAM = 14;

function checkDialect(recipe: Recipe, preset: ModelPreset, version: SwiftVersion, problems: string[]): void {
  const family = familyOfPreset(preset);
  if (!family.dialects.includes(recipe.dialect)) {
    problems.push(`dialect "${recipe.dialect}" does not fit ${preset.model} (the ${family.name} family, trained in ${family.dialects.join(' or ')}): convert the data with --dialect ${dialectOfPreset(preset)}, or pick a preset whose family writes ${recipe.dialect}`);
  }
  if (!modelTypeAt(preset, version) && !recipe.modelType) {
    problems.push(`${preset.model} needs ms-swift ${firstVersionOf(preset)} or later (ms-swift ${version.raw} has no model_type for it)`);
  }
}

async function checkGpuMemory(recipe: Recipe, need: MemoryNeed, env: NodeJS.ProcessEnv | undefined, report: PreflightReport): Promise<void> {
  let gpus: GpuInfo[];
  try {
    gpus = await queryGpus(env);
  } catch (error) {
    report.problems.push(`${(error as Error).message} (pass --no-gpu-check to build and launch anyway)`);
    return;
  }
  report.gpus = gpus;
  for (const index of gpuList(recipe)) {
    const gpu = gpus.find((g) => g.index === index);
    if (!gpu) {
      report.problems.push(`GPU ${index}: not present (nvidia-smi lists ${gpus.map((g) => g.index).join(', ') || 'none'}); choose others with --gpus`);
      continue;
    }
    const free = gib(gpu.freeMiB);
    const label = `GPU ${index} (${gpu.name})`;
    if (free < need.minimumGiB) {
      report.problems.push(
        `${label}: ${free.toFixed(1)} GiB free of ${gib(gpu.totalMiB).toFixed(1)}, the recipe needs about ${need.minimumGiB.toFixed(1)} GiB (${need.basis}); free it, pick others with --gpus, or lower --batch-size`,
      );
    } else if (free < need.peakGiB) {
      report.warnings.push(`${label}: ${free.toFixed(1)} GiB free; enough to start, but the reference run grew to ${need.peakGiB.toFixed(1)} GiB (${need.basis}) and may run out of memory later`);
    }
  }
}

async function checkDisk(recipe: Recipe, preset: ModelPreset, cwd: string, report: PreflightReport): Promise<void> {
  let path = isAbsolute(recipe.out) ? recipe.out : resolve(cwd, recipe.out);
  let stats: Awaited<ReturnType<typeof statfs>> | undefined;
  while (!stats) {
    try {
      stats = await statfs(path);
    } catch {
      const parent = resolve(path, '..');
      if (parent === path) return;
      path = parent;
    }
  }
  const freeGiB = (Number(stats.bavail) * Number(stats.bsize)) / 2 ** 30;
  const checkpointBytes =
    recipe.tuner === 'lora' ? recipe.loraRank * LORA_PARAMS_PER_RANK * CHECKPOINT_BYTES_PER_PARAM : preset.paramsBillions * 1e9 * FULL_CHECKPOINT_BYTES_PER_PARAM;
  // ms-swift writes a new checkpoint before it deletes the oldest beyond save_total_limit.
  const checkpointsGiB = ((recipe.saveTotalLimit + 1) * checkpointBytes) / 2 ** 30;
  const mergedModelGiB = (preset.paramsBillions * 1e9 * 2) / 2 ** 30;
  report.disk = { freeGiB, checkpointsGiB, mergedModelGiB };
  if (freeGiB < checkpointsGiB + 1) {
    report.problems.push(`${path}: ${freeGiB.toFixed(1)} GiB free, checkpoints need about ${checkpointsGiB.toFixed(1)} GiB (${recipe.saveTotalLimit + 1} × ${(checkpointBytes / 2 ** 30).toFixed(2)} GiB)`);
  } else if (freeGiB < checkpointsGiB + mergedModelGiB) {
    report.warnings.push(`${path}: ${freeGiB.toFixed(1)} GiB free: enough for the checkpoints, not for merging them into a ${mergedModelGiB.toFixed(1)} GiB model later`);
  }
}

/** Runs every check and collects problems and warnings; never throws for what it finds. */
export async function preflight(options: PreflightOptions): Promise<PreflightReport> {
  const { recipe, version, files } = options;
  const cwd = options.cwd ?? process.cwd();
  const preset = presetOf(recipe);
  const memory = estimateGpuMemory(preset, recipe.batchSize, recipe.requiredGpuMemoryGiB);
  const report: PreflightReport = { problems: [], warnings: [], data: [], memory };
  checkDialect(recipe, preset, version, report.problems);
  for (const [role, path] of [['train', files.train], ['val', files.val]] as const) {
    if (!path) continue;
    const data = await checkDataFile(path, { cwd, dialect: recipe.dialect, role });
    report.data.push(data);
    report.problems.push(...data.problems);
    report.warnings.push(...data.warnings);
  }
  if (options.checkGpus ?? true) await checkGpuMemory(recipe, memory, options.env, report);
  await checkDisk(recipe, preset, cwd, report);
  return report;
}
