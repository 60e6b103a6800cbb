/**
 * The typed recipe: its DEFAULTS are the reference run (checked field by field against the reference's
 * own sft_args.json, copied to test/fixtures/train), presets override them, files (JSON/YAML) and flags
 * override in that order, and every bad value is a configuration error that names the field.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, loadRecipeFile, resolveRecipe } from '../src/train/recipe.js';
import { modelTypeAt, PRESETS } from '../src/train/presets.js';
import { resolveSwiftVersion } from '../src/train/version.js';
import { REFERENCE_RUN, removeScratchDirs, scratchDir } from './standins/bin.js';

afterAll(removeScratchDirs);

const sftArgs = JSON.parse(readFileSync(join(REFERENCE_RUN, 'sft_args.json'), 'utf8')) as Record<string, unknown>;
const tmp = () => scratchDir('ocrdet-recipe-');

describe('DEFAULTS are the reference run', () => {
  it('match the reference sft_args.json for every setting the recipe carries', () => {
    const recipe = resolveRecipe({ flags: { data: 'data/ocr-internvl2' } });
    expect(recipe).toMatchObject({
      loraRank: sftArgs.lora_rank, // 16
      loraAlpha: sftArgs.lora_alpha, // 32
      loraDropout: sftArgs.lora_dropout, // 0.05
      loraLrRatio: sftArgs.lora_lr_ratio, // 16
      learningRate: sftArgs.learning_rate, // 1e-4
      epochs: sftArgs.num_train_epochs, // 5
      batchSize: sftArgs.batch_size, // 2
      gradientAccumulation: sftArgs.gradient_accumulation_steps, // 4
      evalSteps: sftArgs.eval_steps, // 1000
      saveSteps: sftArgs.save_steps, // 500
      saveTotalLimit: sftArgs.save_total_limit, // 2
      loggingSteps: sftArgs.logging_steps, // 5
      warmupRatio: sftArgs.warmup_ratio, // 0.05
      weightDecay: sftArgs.weight_decay, // 0.1
      neftuneAlpha: sftArgs.neftune_noise_alpha, // 5
      flashAttention: sftArgs.use_flash_attn, // true
      maxLength: sftArgs.max_length, // 2048
      freezeVit: sftArgs.freeze_vit, // false
      valRatio: sftArgs.dataset_test_ratio, // 0.01
      seed: sftArgs.seed, // 42
      tuner: sftArgs.sft_type, // lora
      dialect: 'internvl2',
      model: 'OpenGVLab/InternVL2-8B',
    });
    // 4 GPUs (world_size 4) × 2 per GPU × accumulation 4 = 32 samples per step: 4741 samples → 148 steps/epoch → 740.
    expect(sftArgs.world_size).toBe(4);
    expect(recipe.gpus.split(',')).toHaveLength(4);
    expect(modelTypeAt(PRESETS.get(recipe.preset), resolveSwiftVersion('2.4.2'))).toBe(sftArgs.model_type);
  });

  it('is frozen', () => {
    const recipe = resolveRecipe({ flags: { data: 'd' } });
    expect(Object.isFrozen(recipe)).toBe(true);
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });
});

describe('layers: preset < file < flags', () => {
  it('a preset replaces only the fields its maintainers set; without a data record, its family\'s image settings', () => {
    const qwen = resolveRecipe({ flags: { data: 'd', preset: 'qwen2.5-vl-7b' } });
    expect(qwen).toMatchObject({ model: 'Qwen/Qwen2.5-VL-7B-Instruct', dialect: 'qwen2.5-vl', loraRank: 8, batchSize: 1, gradientAccumulation: 16, freezeVit: true, saveTotalLimit: 5, env: { MAX_PIXELS: '1003520' } });
    expect(qwen.loraLrRatio).toBeUndefined();
    expect(qwen.neftuneAlpha).toBeUndefined();
    expect(qwen.epochs).toBe(5); // not a model setting: stays the reference's
    // InternVL at ms-swift's own MAX_NUM (12) needs no variable; a record converted with --max-tiles 6 sets it.
    expect(resolveRecipe({ flags: { data: 'd', preset: 'internvl2.5-8b' } })).toMatchObject({ learningRate: 4e-5, maxLength: 8192, env: {} });
  });

  it('naming a model picks its preset', () => {
    expect(resolveRecipe({ flags: { data: 'd', model: 'Qwen/Qwen2-VL-7B-Instruct' } }).preset).toBe('qwen2-vl-7b');
  });

  it('reads YAML and JSON recipe files; flags override them; env maps merge', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'r.yaml'), 'preset: qwen2-vl-7b\nepochs: 3\nenv:\n  NCCL_DEBUG: INFO\n');
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ epochs: 2, gpus: '0,1' }));
    const yaml = await loadRecipeFile(join(dir, 'r.yaml'));
    const recipe = resolveRecipe({ file: yaml, flags: { data: 'd', epochs: 7 } });
    expect(recipe).toMatchObject({ preset: 'qwen2-vl-7b', epochs: 7, env: { MAX_PIXELS: '1003520', NCCL_DEBUG: 'INFO' } });
    expect(resolveRecipe({ file: await loadRecipeFile(join(dir, 'r.json')), flags: { data: 'd' } })).toMatchObject({ epochs: 2, gpus: '0,1' });
  });
});

describe('bad recipes are configuration errors that name the field', () => {
  it('a typo in a file, a wrong type, an unknown preset', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'typo.yaml'), 'lora_rank: 16\n');
    await expect(loadRecipeFile(join(dir, 'typo.yaml'))).rejects.toMatchObject({ code: 'OCRDET_CONFIG', message: `${join(dir, 'typo.yaml')}: unknown option "lora_rank" (did you mean option "loraRank"?)` });
    writeFileSync(join(dir, 'type.json'), '{"epochs": "five"}');
    await expect(loadRecipeFile(join(dir, 'type.json'))).rejects.toThrow(/type\.json: option "epochs"/);
    writeFileSync(join(dir, 'broken.json'), '{"epochs": ');
    await expect(loadRecipeFile(join(dir, 'broken.json'))).rejects.toMatchObject({ code: 'OCRDET_CONFIG' });
    expect(() => resolveRecipe({ flags: { data: 'd', preset: 'llava' } })).toThrow(`unknown model preset "llava"; known: ${PRESETS.names().join(', ')}`);
  });

  it('missing data, bad GPU lists, a second node without a master address', () => {
    expect(() => resolveRecipe({})).toThrow(/--data DIR/);
    expect(() => resolveRecipe({ flags: { data: 'd', gpus: '0,,1' } })).toThrow(/option "gpus" expected GPU indices/);
    expect(() => resolveRecipe({ flags: { data: 'd', nnodes: 2 } })).toThrow(/option "masterAddr" is required with more than one node/);
    expect(() => resolveRecipe({ flags: { data: 'd', nnodes: 2, nodeRank: 2, masterAddr: 'h' } })).toThrow(/option "nodeRank" must be below nnodes/);
    expect(() => resolveRecipe({ flags: { data: 'd', deepspeed: 'zero9' } })).toThrow(/option "deepspeed"/);
    try {
      resolveRecipe({ flags: { data: 'd', gpus: 'all' } });
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
