/**
 * GPUs as `nvidia-smi --query-gpu` reports them, and how much memory a recipe needs on each.
 *
 * The query asks for `index,name,memory.total,memory.used,memory.free` with
 * `--format=csv,noheader,nounits`: one line per GPU, comma-separated, MiB without units
 * (nvidia-smi(1), "--query-gpu" and "--format"). Units and a header are tolerated anyway.
 */
import { spawn } from 'node:child_process';
import { EngineError } from '../core/errors.js';
import type { ModelPreset } from './presets.js';

export interface GpuInfo {
  index: number;
  name: string;
  totalMiB: number;
  usedMiB: number;
  freeMiB: number;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,name,memory.total,memory.used,memory.free', '--format=csv,noheader,nounits'];

const MIB_PER_GIB = 1024;

function mib(field: string | undefined): number {
  const value = Number((field ?? '').replace(/\s*MiB$/i, '').trim());
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Parses the CSV; lines that are not a GPU row (a header, `[N/A]`, blank) are skipped. */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 5 || !/^\d+$/.test(fields[0] as string)) continue;
    const gpu = { index: Number(fields[0]), name: fields[1] as string, totalMiB: mib(fields[2]), usedMiB: mib(fields[3]), freeMiB: mib(fields[4]) };
    if (![gpu.totalMiB, gpu.usedMiB, gpu.freeMiB].some(Number.isNaN)) gpus.push(gpu);
  }
  return gpus;
}

/** Runs nvidia-smi; EngineError when it is missing or fails (no driver, no GPU). */
export function queryGpus(env: NodeJS.ProcessEnv = process.env, timeoutMs = 15_000): Promise<GpuInfo[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('nvidia-smi', NVIDIA_SMI_ARGS, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new EngineError(error.code === 'ENOENT' ? 'no NVIDIA GPU visible: nvidia-smi is not installed' : `nvidia-smi failed: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code !== 0) return reject(new EngineError(`nvidia-smi failed (exit code ${code}): ${(stderr || stdout).trim().split('\n')[0] ?? ''}`));
      resolve(parseNvidiaSmi(stdout));
    });
  });
}

export interface MemoryNeed {
  /** Below this the first step cannot run, GiB per GPU. */
  minimumGiB: number;
  /** The peak a whole run reached, GiB per GPU (equal to minimumGiB when only one figure is known). */
  peakGiB: number;
  /** How the figure was obtained, for messages. */
  basis: string;
}

/**
 * Memory per GPU for a recipe, from the preset's published figure scaled to the batch size:
 * weights (bf16, 2 bytes per parameter) stay, the rest (activations, LoRA optimizer state, caching
 * allocator slack) grows with the per-GPU batch. A rough estimate with a stated basis, not a model of
 * PyTorch's allocator; `requiredGpuMemoryGiB` in the recipe replaces it.
 */
export function estimateGpuMemory(preset: ModelPreset, batchSize: number, override?: number): MemoryNeed {
  if (override !== undefined) return { minimumGiB: override, peakGiB: override, basis: 'requiredGpuMemoryGiB in the recipe' };
  const weightsGiB = (preset.paramsBillions * 1e9 * 2) / 2 ** 30;
  const scale = (figure: number) => weightsGiB + ((figure - weightsGiB) * batchSize) / preset.memory.batchSize;
  const peakGiB = scale(preset.memory.gib);
  const minimumGiB = preset.memory.firstStepGiB !== undefined ? scale(preset.memory.firstStepGiB) : peakGiB;
  const scaled = batchSize === preset.memory.batchSize ? '' : `, scaled from batch ${preset.memory.batchSize} to ${batchSize}`;
  return { minimumGiB, peakGiB, basis: `${preset.memory.source}${scaled}` };
}

export function gib(mibValue: number): number {
  return mibValue / MIB_PER_GIB;
}
