/**
 * Model presets: which model, which ms-swift model_type, which grounding dialect, and the fine-tuning
 * settings the model's maintainers publish for grounding / LoRA fine-tuning. A preset only overrides the
 * recipe DEFAULTS (the reference run, recipe.ts); everything it does not name stays as the reference had it.
 * Epochs and the eval/save cadence stay the reference's: they depend on the dataset size, not the model.
 *
 * Sources (tags read in the modelscope/ms-swift and OpenGVLab/InternVL repositories):
 *  - internvl2-8b: the reference run itself (../shared/data/seed-scripts/swift_finetune_internvl_lora_det.sh,
 *    ../shared/data/swift-sft-args.json, ms-swift 2.4.2).
 *  - qwen2-vl-7b: ms-swift v3.12.6 examples/train/multimodal/grounding.sh (the maintainers' grounding recipe:
 *    LoRA rank 8 / alpha 32 on all-linear with the ViT frozen, lr 1e-4, batch 1 × accumulation 16,
 *    max_length 2048, warmup 0.05, MAX_PIXELS=1003520; "# 20GiB" is its stated GPU memory).
 *    For 2.x: v2.6.1 docs/source_en/Multi-Modal/qwen2-vl-best-practice.md:225-237 (grounding with LoRA).
 *  - qwen2.5-vl-7b: ms-swift v3.12.6 examples/notebook/qwen2_5-vl-grounding/zh.ipynb (same settings,
 *    save_total_limit 5, "显存资源：24GiB"). Not in ms-swift 2.x (v2.6.1 swift/llm/utils/model.py has no
 *    qwen2_5_vl model type).
 *  - internvl2.5-8b: OpenGVLab/InternVL@dc2bdc6 internvl_chat/shell/internvl2.5/2nd_finetune/
 *    internvl2_5_8b_dynamic_res_2nd_finetune_lora.sh (LLM LoRA rank 16, ViT and MLP frozen, lr 4e-5,
 *    weight decay 0.05, warmup 0.03, max_seq_length 8192, max_dynamic_patch 6 → ms-swift's MAX_NUM=6,
 *    batch 4 per GPU × 2 GPUs × accumulation 2 = 16). Not in ms-swift 2.x (no internvl2_5 model type in v2.6.1).
 */
import { createRegistry, type Registry } from '../core/registry.js';
import type { RecipeFields } from './recipe.js';

/** Model families a grounding dialect can be trained into. */
export type ModelFamily = 'internvl' | 'qwen2-vl' | 'qwen2.5-vl';

/** GPU memory the maintainers (or the reference log) report for a recipe, per GPU. */
export interface MemoryFigure {
  /** Peak reserved memory per GPU at `batchSize`, GiB. */
  gib: number;
  /** Memory at the first step, when the source reports it separately from the peak, GiB. */
  firstStepGiB?: number;
  batchSize: number;
  source: string;
}

export interface ModelPreset {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Hub model id (ModelScope and Hugging Face use the same ids for these models). */
  readonly model: string;
  /** ms-swift 2.x `--model_type`; undefined when 2.x cannot train this model. */
  readonly modelType2?: string;
  /** ms-swift 3.x/4.x model_type (v3.12.6 swift/llm/model/constant.py, v4.0.0 swift/model/constant.py). */
  readonly modelType3: string;
  readonly family: ModelFamily;
  readonly dialect: string;
  /** Parameter count in billions, for the weights part of the memory estimate. */
  readonly paramsBillions: number;
  readonly memory: MemoryFigure;
  /** Fields that differ from the reference DEFAULTS. */
  readonly recipe: Partial<RecipeFields>;
  readonly source: string;
  /**
   * The system prompt ms-swift's template gives every sample that brings none of its own, when the model's
   * own chat template (what vLLM applies) has a different one or none; undefined when they agree.
   */
  readonly templateSystem?: string;
}

const GROUNDING_SH = 'modelscope/ms-swift v3.12.6 examples/train/multimodal/grounding.sh';
const QWEN25_NOTEBOOK = 'modelscope/ms-swift v3.12.6 examples/notebook/qwen2_5-vl-grounding/zh.ipynb';
const INTERNVL25_LORA = 'OpenGVLab/InternVL@dc2bdc6 internvl_chat/shell/internvl2.5/2nd_finetune/internvl2_5_8b_dynamic_res_2nd_finetune_lora.sh';
/**
 * InternVL's default system prompts in ms-swift's templates (swift/llm/template/template/internvl.py; the
 * InternVL2 one is the `system` of the reference's sft_args.json). InternVL's own chat template, which raw
 * vLLM applies, sends none (OpenGVLab/InternVL#1208). Qwen2/2.5-VL need none: ms-swift's default and the
 * model's chat template are the same "You are a helpful assistant.".
 */
const INTERNVL2_SYSTEM = '你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。';
const INTERNVL25_SYSTEM = '你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。';

/** What the Qwen-VL grounding recipes of ms-swift share (grounding.sh and the Qwen2.5-VL notebook). */
const QWEN_GROUNDING: Partial<RecipeFields> = {
  loraRank: 8,
  loraAlpha: 32,
  loraLrRatio: undefined,
  neftuneAlpha: undefined,
  targetModules: ['all-linear'],
  freezeVit: true,
  freezeAligner: true,
  learningRate: 1e-4,
  batchSize: 1,
  gradientAccumulation: 16,
  maxLength: 2048,
  warmupRatio: 0.05,
  saveTotalLimit: 2,
  dtype: 'bf16',
  gpus: '0',
  // Same pixel budget in training, in `data convert` (qwen2.5-vl boxes are pixels of the resized input) and at inference.
  env: { MAX_PIXELS: '1003520' },
};

export const PRESETS: Registry<ModelPreset> = createRegistry<ModelPreset>('model preset', [
  {
    name: 'internvl2-8b',
    aliases: ['internvl2'],
    model: 'OpenGVLab/InternVL2-8B',
    modelType2: 'internvl2-8b',
    modelType3: 'internvl2',
    family: 'internvl',
    dialect: 'internvl2',
    // "PeftModelForCausalLM: 8121.2141M Params" (the reference log's model_info line).
    paramsBillions: 8.1212141,
    memory: {
      gib: 67.16,
      firstStepGiB: 45.46,
      batchSize: 2,
      source: 'the reference log: memory(GiB) 45.46 at step 1, peak 67.16 from step 215 (batch 2, max_length 2048)',
    },
    recipe: {},
    source: 'the reference run (ms-swift 2.4.2, ../shared/data/seed-scripts/swift_finetune_internvl_lora_det.sh)',
    templateSystem: INTERNVL2_SYSTEM,
  },
  {
    name: 'qwen2-vl-7b',
    aliases: ['qwen2-vl'],
    model: 'Qwen/Qwen2-VL-7B-Instruct',
    modelType2: 'qwen2-vl-7b-instruct',
    modelType3: 'qwen2_vl',
    family: 'qwen2-vl',
    dialect: 'qwen2-vl',
    paramsBillions: 8.29,
    memory: { gib: 20, batchSize: 1, source: `"# 20GiB" in ${GROUNDING_SH}` },
    recipe: { ...QWEN_GROUNDING },
    source: GROUNDING_SH,
  },
  {
    name: 'qwen2.5-vl-7b',
    aliases: ['qwen2.5-vl', 'qwen2_5-vl-7b'],
    model: 'Qwen/Qwen2.5-VL-7B-Instruct',
    modelType3: 'qwen2_5_vl',
    family: 'qwen2.5-vl',
    dialect: 'qwen2.5-vl',
    paramsBillions: 8.29,
    memory: { gib: 24, batchSize: 1, source: `"显存资源：24GiB" in ${QWEN25_NOTEBOOK}` },
    recipe: { ...QWEN_GROUNDING, saveTotalLimit: 5 },
    source: QWEN25_NOTEBOOK,
  },
  {
    name: 'internvl2.5-8b',
    aliases: ['internvl2.5', 'internvl2_5-8b'],
    model: 'OpenGVLab/InternVL2_5-8B',
    modelType3: 'internvl2_5',
    family: 'internvl',
    dialect: 'internvl2',
    paramsBillions: 8.08,
    // No published figure for this exact recipe: ms-swift's InternVL3-8B LoRA example (batch 1) states 24 GiB.
    memory: { gib: 24, batchSize: 1, source: 'modelscope/ms-swift v3.12.6 examples/models/internvl3/train.sh ("# 24GiB", InternVL3-8B, batch 1)' },
    recipe: {
      loraRank: 16,
      loraAlpha: 32, // alpha = 2 × rank: wrap_llm_lora in InternVL's internvl_chat/internvl/train/internvl_chat_finetune.py
      loraLrRatio: undefined,
      neftuneAlpha: undefined,
      targetModules: ['all-linear'],
      freezeVit: true,
      freezeAligner: true,
      learningRate: 4e-5,
      weightDecay: 0.05,
      warmupRatio: 0.03,
      maxLength: 8192,
      batchSize: 4,
      gradientAccumulation: 2,
      gpus: '0,1',
      dtype: 'bf16',
      env: { MAX_NUM: '6' },
    },
    source: INTERNVL25_LORA,
    templateSystem: INTERNVL25_SYSTEM,
  },
]);

/** Which model families each trainable dialect fits. ms-swift trains Qwen2.5-VL `objects` data with
 * qwen2-vl tokens by default (QWENVL_BBOX_FORMAT=legacy, v3.12.6 swift/llm/template/template/qwen.py:310-356). */
export const DIALECT_FAMILIES: Readonly<Record<string, readonly ModelFamily[]>> = Object.freeze({
  internvl2: ['internvl'],
  'qwen2-vl': ['qwen2-vl', 'qwen2.5-vl'],
  'qwen2.5-vl': ['qwen2.5-vl'],
});

/** Markers that show which dialect an assistant answer in the training data was written in. */
export const DIALECT_MARKERS: Readonly<Record<string, RegExp>> = Object.freeze({
  internvl2: /<ref>[\s\S]*?<\/ref>\s*<box>/,
  'qwen2-vl': /<\|box_start\|>/,
  'qwen2.5-vl': /"bbox_2d"\s*:/,
});

/** The preset whose model is `model` (hub id or a local directory named like one), if any. */
export function presetForModel(model: string): ModelPreset | undefined {
  const tail = model.replace(/\/+$/, '').split('/').pop()?.toLowerCase() ?? '';
  return PRESETS.all().find((p) => p.model.toLowerCase() === model.toLowerCase() || p.model.split('/')[1]?.toLowerCase() === tail);
}
