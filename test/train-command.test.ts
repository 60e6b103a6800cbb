/**
 * The dry run is the contract: these tests pin the exact `swift sft` command lines and environments the
 * recipes produce for ms-swift 2.x, 3.x and 4.x, on 1 GPU, 4 GPUs, 2 nodes and as a Slurm script. The
 * 2.x default is compared token by token with the reference's own script
 * (test/fixtures/train/seed-scripts/swift_finetune_internvl_lora_det.sh), modulo paths.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTrainCommand, resolveDataFiles } from '../src/train/command.js';
import { resolveRecipe, type RecipeInput } from '../src/train/recipe.js';
import { formatMultiline, parseCommandLine } from '../src/train/shell.js';
import { buildSlurmScript } from '../src/train/slurm.js';
import { resolveSwiftVersion } from '../src/train/version.js';
import { TRAIN_FIXTURES } from './standins/bin.js';

const REFERENCE_SCRIPT = readFileSync(join(TRAIN_FIXTURES, 'seed-scripts/swift_finetune_internvl_lora_det.sh'), 'utf8');
const TRAIN_ONLY = { train: 'data/ocr-internvl2/train.jsonl' };
const WITH_VAL = { train: 'data/ocr-internvl2/train.jsonl', val: 'data/ocr-internvl2/val.jsonl' };

function command(flags: RecipeInput, version: string, files = TRAIN_ONLY) {
  return buildTrainCommand(resolveRecipe({ flags: { data: 'data/ocr-internvl2', out: 'runs/ocr', ...flags } }), resolveSwiftVersion(version), files);
}

/** Replaces path values by <path> and writes numbers and booleans one way, so two command lines compare by meaning. */
function normalise(args: string[]): string[] {
  const pathFlags = new Set(['--model_id_or_path', '--dataset', '--output_dir', '--logging_dir']);
  return args.map((arg, i) => {
    if (pathFlags.has(args[i - 1] as string)) return '<path>';
    if (/^(true|false)$/i.test(arg)) return arg.toLowerCase();
    if (arg !== '' && Number.isFinite(Number(arg))) return String(Number(arg));
    return arg;
  });
}

describe('ms-swift 2.x: the reference command', () => {
  const reference = parseCommandLine(REFERENCE_SCRIPT);

  it('the default recipe is the reference script modulo paths (with the reference\'s cards 4,5,6,7)', () => {
    const ours = command({ gpus: '4,5,6,7', modelPath: '/models/internvl2-8b' }, '2.4.2');
    expect(ours.env).toEqual(reference.env); // NPROC_PER_NODE=4 CUDA_VISIBLE_DEVICES=4,5,6,7, same order
    expect(ours.program).toBe(reference.program);
    expect(normalise(ours.args)).toEqual(normalise(reference.args));
    expect(ours.warnings).toEqual([]);
  });

  it('without --gpus it differs only in the card numbers (0,1,2,3) and in downloading the model by type', () => {
    const ours = command({}, '2');
    expect(ours.env).toEqual({ NPROC_PER_NODE: '4', CUDA_VISIBLE_DEVICES: '0,1,2,3' });
    const withoutModelPath = normalise(reference.args).filter((_, i, all) => all[i] !== '--model_id_or_path' && all[i - 1] !== '--model_id_or_path');
    expect(normalise(ours.args)).toEqual(withoutModelPath);
  });

  it('prints as the reference writes it', () => {
    expect(formatMultiline(command({}, '2.4.2'))).toBe(
      [
        'NPROC_PER_NODE=4 CUDA_VISIBLE_DEVICES=0,1,2,3 swift sft \\',
        '  --model_type internvl2-8b \\',
        '  --dataset data/ocr-internvl2/train.jsonl \\',
        '  --lora_target_modules ALL \\',
        '  --lora_lr_ratio 16 \\',
        '  --lora_rank 16 \\',
        '  --learning_rate 1e-4 \\',
        '  --num_train_epochs 5 \\',
        '  --use_flash_attn true \\',
        '  --gradient_accumulation_steps 4 \\',
        '  --batch_size 2 \\',
        '  --eval_steps 1000 \\',
        '  --save_steps 500 \\',
        '  --neftune_noise_alpha 5 \\',
        '  --output_dir runs/ocr \\',
        '  --logging_dir runs/ocr',
      ].join('\n'),
    );
  });

  it('1 GPU runs one plain process (no torchrun), with the val file and DeepSpeed by their 2.x names', () => {
    const one = command({ gpus: '0', deepspeed: 'zero3' }, '2.4.2', WITH_VAL);
    expect(one.env).toEqual({ CUDA_VISIBLE_DEVICES: '0' });
    expect(one.args.join(' ')).toContain('--dataset data/ocr-internvl2/train.jsonl --val_dataset data/ocr-internvl2/val.jsonl --lora_target_modules ALL');
    expect(one.args.join(' ')).toContain('--deepspeed default-zero3 --output_dir runs/ocr');
    expect(one.args).not.toContain('--dataset_test_ratio');
  });

  it('models ms-swift 2.x cannot train are refused; a frozen ViT it cannot honour with LoRA is a warning', () => {
    // Qwen2.5-VL-7B-Instruct is registered from ms-swift v3.1.0 (swift/llm/model/model/qwen.py); no 2.x has it.
    expect(() => command({ preset: 'qwen2.5-vl-7b' }, '2')).toThrow('ms-swift 2.6.1 has no model_type for Qwen/Qwen2.5-VL-7B-Instruct (ms-swift has it from 3.1.0)');
    expect(() => command({ preset: 'qwen2.5-vl-7b' }, '3.0.0')).toThrow(/has it from 3\.1\.0/);
    const qwen2 = command({ preset: 'qwen2-vl-7b' }, '2.6.1');
    expect(qwen2.warnings[0]).toMatch(/with LoRA, ALL also adapts the vision tower/);
    expect(qwen2.env).toEqual({ CUDA_VISIBLE_DEVICES: '0', MAX_PIXELS: '1003520' });
    expect(qwen2.args.slice(0, 3)).toEqual(['sft', '--model_type', 'qwen2-vl-7b-instruct']);
  });
});

describe('ms-swift 3.x and 4.x: the same run', () => {
  const SAME_RUN_3X = [
    'NPROC_PER_NODE=4 CUDA_VISIBLE_DEVICES=0,1,2,3 swift sft \\',
    '  --model OpenGVLab/InternVL2-8B \\',
    '  --train_type lora \\',
    '  --dataset data/ocr-internvl2/train.jsonl \\',
    '  --val_dataset data/ocr-internvl2/val.jsonl \\',
    '  --target_modules all-linear \\',
    '  --freeze_vit false \\',
    '  --freeze_aligner false \\',
    '  --lorap_lr_ratio 16 \\',
    '  --lora_rank 16 \\',
    '  --learning_rate 1e-4 \\',
    '  --num_train_epochs 5 \\',
    '  --attn_impl flash_attn \\',
    '  --gradient_accumulation_steps 4 \\',
    '  --per_device_train_batch_size 2 \\',
    '  --per_device_eval_batch_size 2 \\',
    '  --eval_steps 1000 \\',
    '  --save_steps 500 \\',
    '  --neftune_noise_alpha 5 \\',
    '  --save_total_limit 2 \\',
    '  --warmup_ratio 0.05 \\',
    '  --max_length 2048 \\',
    '  --output_dir runs/ocr \\',
    '  --logging_dir runs/ocr',
  ];

  it('3.x writes what 3.x would otherwise change: unfrozen ViT and projector, max_length, warmup, checkpoint limit', () => {
    expect(formatMultiline(command({}, '3.12.6', WITH_VAL))).toBe(SAME_RUN_3X.join('\n'));
  });

  it('4.x renames --train_type to --tuner_type and is otherwise the same', () => {
    expect(formatMultiline(command({}, '4.1.0', WITH_VAL))).toBe(SAME_RUN_3X.join('\n').replace('--train_type lora', '--tuner_type lora'));
    expect(command({}, '4.0.0', WITH_VAL).args).toContain('--tuner_type');
  });

  it('the validation split: 1% as in the reference; ms-swift before 3.6 already split 1% by itself', () => {
    expect(command({}, '3.12.6').args.join(' ')).toContain('--dataset data/ocr-internvl2/train.jsonl --split_dataset_ratio 0.01 --target_modules');
    expect(command({}, '3.5.3').args).not.toContain('--split_dataset_ratio');
  });

  it('a local model directory names its model_type; the Qwen2.5-VL preset carries its pixel budget', () => {
    expect(command({ modelPath: '/models/InternVL2-8B' }, '3').args.slice(0, 5)).toEqual(['sft', '--model', '/models/InternVL2-8B', '--model_type', 'internvl2']);
    const qwen = command({ preset: 'qwen2.5-vl-7b' }, '3.12.6', WITH_VAL);
    expect(qwen.env).toEqual({ CUDA_VISIBLE_DEVICES: '0', MAX_PIXELS: '1003520' });
    expect(qwen.args.join(' ')).toBe(
      'sft --model Qwen/Qwen2.5-VL-7B-Instruct --train_type lora --dataset data/ocr-internvl2/train.jsonl --val_dataset data/ocr-internvl2/val.jsonl ' +
        '--target_modules all-linear --lora_rank 8 --learning_rate 1e-4 --num_train_epochs 5 --attn_impl flash_attn --gradient_accumulation_steps 16 ' +
        '--per_device_train_batch_size 1 --eval_steps 1000 --save_steps 500 --save_total_limit 5 --warmup_ratio 0.05 --max_length 2048 --torch_dtype bfloat16 ' +
        '--output_dir runs/ocr --logging_dir runs/ocr',
    );
  });
});

describe('scale: GPUs, nodes, global batch', () => {
  it('2 nodes × 4 GPUs: torchrun variables as ms-swift reads them', () => {
    const node1 = command({ nnodes: 2, nodeRank: 1, masterAddr: '10.0.0.1', deepspeed: 'zero2' }, '3.12.6', WITH_VAL);
    expect(node1.env).toEqual({ NPROC_PER_NODE: '4', CUDA_VISIBLE_DEVICES: '0,1,2,3', NNODES: '2', NODE_RANK: '1', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500' });
    expect(node1.args.join(' ')).toContain('--deepspeed zero2 --output_dir runs/ocr');
  });

  it('--global-batch sets the accumulation over all GPUs of all nodes, and must divide', () => {
    // 32 samples per step as in the reference, on 1 GPU at batch 2: 32 / (2 × 1 × 1) = 16.
    expect(command({ gpus: '0', globalBatch: 32 }, '3').args.join(' ')).toContain('--gradient_accumulation_steps 16');
    // 2 nodes × 4 GPUs × 2 = 16 per micro-step: 32 / 16 = 2.
    expect(command({ globalBatch: 32, nnodes: 2, masterAddr: 'h' }, '3').args.join(' ')).toContain('--gradient_accumulation_steps 2');
    expect(() => command({ gpus: '0,1,2', globalBatch: 32 }, '3')).toThrow('globalBatch 32 is not a multiple of batchSize × GPUs × nodes = 6');
  });

  it('--data DIR finds val.jsonl only when it exists; a .jsonl path is the training file itself', () => {
    expect(resolveDataFiles('d', (p) => p === 'd/val.jsonl')).toEqual({ train: 'd/train.jsonl', val: 'd/val.jsonl' });
    expect(resolveDataFiles('d', () => false)).toEqual({ train: 'd/train.jsonl' });
    expect(resolveDataFiles('all.jsonl', () => false)).toEqual({ train: 'all.jsonl' });
  });
});

describe('--emit slurm', () => {
  it('writes one task per node with Slurm\'s node rank and the first node as master', () => {
    const recipe = resolveRecipe({ flags: { data: 'data/ocr-internvl2', out: 'runs/ocr', nnodes: 2, masterAddr: 'set-by-slurm' } });
    const cmd = buildTrainCommand(recipe, resolveSwiftVersion('3.12.6'), WITH_VAL);
    const script = buildSlurmScript(recipe, cmd, { cwd: '/home/me/project', time: '24:00:00', writtenBy: 'ocrdet 0.1.0' });
    expect(script).toBe(
      [
        '#!/bin/bash',
        '# Written by ocrdet 0.1.0 (`ocrdet train --emit slurm`); submit with: sbatch runs/ocr/train.sbatch',
        '#SBATCH --job-name=ocrdet-train',
        '#SBATCH --nodes=2',
        '#SBATCH --ntasks-per-node=1',
        '#SBATCH --gpus-per-node=4',
        '#SBATCH --cpus-per-task=32',
        '#SBATCH --output=runs/ocr/slurm-%j.log',
        '#SBATCH --time=24:00:00',
        '',
        'set -euo pipefail',
        'cd /home/me/project',
        'mkdir -p runs/ocr',
        '',
        '# The first node of the allocation is the rendezvous host of torchrun.',
        'export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
        'export MASTER_PORT=29500',
        'export NNODES="$SLURM_NNODES"',
        'export NPROC_PER_NODE=4',
        '',
        'SWIFT_ARGS=(',
        ...SAME_3X_ARGS_LINES(),
        ')',
        '',
        '# One task per node, each with its node rank; a failed node ends the job.',
        `srun --kill-on-bad-exit=1 bash -c 'NODE_RANK="$SLURM_NODEID" exec swift "$@"' bash "\${SWIFT_ARGS[@]}"`,
        '',
      ].join('\n'),
    );
  });
});

function SAME_3X_ARGS_LINES(): string[] {
  return [
    '  sft',
    '  --model OpenGVLab/InternVL2-8B',
    '  --train_type lora',
    '  --dataset data/ocr-internvl2/train.jsonl',
    '  --val_dataset data/ocr-internvl2/val.jsonl',
    '  --target_modules all-linear',
    '  --freeze_vit false',
    '  --freeze_aligner false',
    '  --lorap_lr_ratio 16',
    '  --lora_rank 16',
    '  --learning_rate 1e-4',
    '  --num_train_epochs 5',
    '  --attn_impl flash_attn',
    '  --gradient_accumulation_steps 4',
    '  --per_device_train_batch_size 2',
    '  --per_device_eval_batch_size 2',
    '  --eval_steps 1000',
    '  --save_steps 500',
    '  --neftune_noise_alpha 5',
    '  --save_total_limit 2',
    '  --warmup_ratio 0.05',
    '  --max_length 2048',
    '  --output_dir runs/ocr',
    '  --logging_dir runs/ocr',
  ];
}
