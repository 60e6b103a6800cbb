/**
 * The presets, one per model family (the first of a family is the one `train --data DIR` picks for it).
 *
 * Model ids and model types, read in modelscope/ms-swift at each tag (swift/llm/utils/model.py at v2.4.2 and
 * v2.6.1; swift/llm/model/constant.py and model/model/*.py at v3.x; swift/model/constant.py and models/*.py at
 * v4.x). ms-swift 4.0.3 folded InternVL2/2.5/3 into one model type, `internvl_chat` (v4.0.2 still has
 * internvl2, internvl2_5 and internvl3). Florence-2 and PaliGemma have other ids on ModelScope than on
 * Hugging Face (v3.12.6 model/model/microsoft.py line 113, gemma.py lines 30 and 39). Parameter counts: the models' hub cards.
 *
 * Settings, by source:
 *  - internvl2-8b: the reference run itself (ms-swift 2.4.2, its swift_finetune_internvl_lora_det.sh and
 *    sft_args.json).
 *  - internvl2.5-8b: OpenGVLab/InternVL@dc2bdc6 internvl_chat/shell/internvl2.5/2nd_finetune/
 *    internvl2_5_8b_dynamic_res_2nd_finetune_lora.sh (LLM LoRA rank 16, ViT and MLP frozen, lr 4e-5, weight decay
 *    0.05, warmup 0.03, max_seq_length 8192, max_dynamic_patch 6 — convert with --max-tiles 6 to train as they
 *    did —, batch 4 per GPU × 2 GPUs × accumulation 2 = 16).
 *  - internvl3-8b, deepseek-vl2-tiny: ms-swift v3.12.6 examples/models/internvl3/train.sh ("# 24GiB") and
 *    examples/models/deepseek_vl2/train.sh ("# 9GiB"): LoRA rank 8 / alpha 32 on all-linear, ViT frozen, lr 1e-4,
 *    batch 1 × accumulation 16, max_length 4096, warmup 0.05.
 *  - qwen2-vl-7b: ms-swift v3.12.6 examples/train/multimodal/grounding.sh (the maintainers' grounding recipe, the
 *    same settings with max_length 2048, "# 20GiB"); for 2.x: v2.6.1 docs/source_en/Multi-Modal/
 *    qwen2-vl-best-practice.md lines 225–237.
 *  - qwen2.5-vl-7b: ms-swift v3.12.6 examples/notebook/qwen2_5-vl-grounding/zh.ipynb (the same, save_total_limit 5,
 *    "显存资源：24GiB").
 *  - qwen3-vl-8b: ms-swift v3.12.6 examples/models/qwen3_vl/transformers.sh (the same LoRA settings, max_length
 *    2048; its memory figure is for the 235B model, so the Qwen2.5-VL-7B one stands in).
 *  - qwen-vl-chat, florence-2-large-ft: ms-swift v2.6.1 docs/source_en/Multi-Modal/qwen-vl-best-practice.md
 *    ("23GB GPU memory") and florence-best-pratice.md ("6.6GB GPU memory"): LoRA on ALL linear layers at 2.x's
 *    defaults (rank 8, lr 1e-4, batch 1).
 *  - paligemma2-3b, paligemma-3b: no published LoRA recipe in ms-swift; the ms-swift LoRA example settings above.
 */
import type { ModelPreset } from './presets.js';
import type { RecipeFields } from './recipe.js';

const INTERNVL3_SH = 'modelscope/ms-swift v3.12.6 examples/models/internvl3/train.sh';
const DEEPSEEK_SH = 'modelscope/ms-swift v3.12.6 examples/models/deepseek_vl2/train.sh';
const GROUNDING_SH = 'modelscope/ms-swift v3.12.6 examples/train/multimodal/grounding.sh';
const QWEN25_NOTEBOOK = 'modelscope/ms-swift v3.12.6 examples/notebook/qwen2_5-vl-grounding/zh.ipynb';
const QWEN3_SH = 'modelscope/ms-swift v3.12.6 examples/models/qwen3_vl/transformers.sh';
const INTERNVL25_LORA = 'OpenGVLab/InternVL@dc2bdc6 internvl_chat/shell/internvl2.5/2nd_finetune/internvl2_5_8b_dynamic_res_2nd_finetune_lora.sh';
const QWEN_VL_DOC = 'modelscope/ms-swift v2.6.1 docs/source_en/Multi-Modal/qwen-vl-best-practice.md';
const FLORENCE_DOC = 'modelscope/ms-swift v2.6.1 docs/source_en/Multi-Modal/florence-best-pratice.md';

/**
 * InternVL's default system prompts in ms-swift's templates (v3.12.6 template/internvl.py lines 163, 182; the
 * InternVL2 one is the `system` of the reference's sft_args.json). InternVL's own chat template, which raw vLLM
 * applies, sends none (OpenGVLab/InternVL#1208). The Qwen-VL models need none: ms-swift's default and the
 * model's chat template are the same "You are a helpful assistant.".
 */
const INTERNVL2_SYSTEM = '你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。';
const INTERNVL25_SYSTEM = '你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。';

/** What ms-swift's LoRA examples for multimodal models share (the sources above). */
const SWIFT_LORA: Partial<RecipeFields> = {
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
};

/** ms-swift 2.x's LoRA defaults with every linear layer adapted (ALL), as its best-practice docs run them. */
const SWIFT2_LORA_ALL: Partial<RecipeFields> = {
  loraRank: 8,
  loraLrRatio: undefined,
  neftuneAlpha: undefined,
  targetModules: ['all-linear'],
  learningRate: 1e-4,
  batchSize: 1,
  gradientAccumulation: 16,
  gpus: '0',
};

const INTERNVL_TYPES = (type2: string | undefined, type3: string, since3 = '3.0.0') => [
  ...(type2 ? [{ from: '2.4.2', type: type2 }] : []),
  { from: since3, type: type3 },
  { from: '4.0.3', type: 'internvl_chat' },
];

export const PRESET_LIST: readonly ModelPreset[] = [
  {
    name: 'internvl2-8b',
    aliases: ['internvl2'],
    family: 'internvl2',
    model: 'OpenGVLab/InternVL2-8B',
    modelTypes: INTERNVL_TYPES('internvl2-8b', 'internvl2'),
    // "PeftModelForCausalLM: 8121.2141M Params" (the reference log's model_info line).
    paramsBillions: 8.1212141,
    memory: { gib: 67.16, firstStepGiB: 45.46, batchSize: 2, source: 'the reference log: memory(GiB) 45.46 at step 1, peak 67.16 from step 215 (batch 2, max_length 2048)' },
    recipe: {},
    source: 'the reference run (ms-swift 2.4.2)',
    templateSystem: INTERNVL2_SYSTEM,
  },
  {
    name: 'internvl2.5-8b',
    aliases: ['internvl2.5', 'internvl2_5-8b'],
    family: 'internvl2.5',
    model: 'OpenGVLab/InternVL2_5-8B',
    modelTypes: INTERNVL_TYPES(undefined, 'internvl2_5'),
    paramsBillions: 8.08,
    // No published figure for this exact recipe: ms-swift's InternVL3-8B LoRA example (batch 1) states 24 GiB.
    memory: { gib: 24, batchSize: 1, source: `${INTERNVL3_SH} ("# 24GiB", InternVL3-8B, batch 1)` },
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
    },
    source: INTERNVL25_LORA,
    templateSystem: INTERNVL25_SYSTEM,
  },
  {
    name: 'internvl3-8b',
    aliases: ['internvl3'],
    family: 'internvl3',
    model: 'OpenGVLab/InternVL3-8B',
    modelTypes: INTERNVL_TYPES(undefined, 'internvl3', '3.3.1'),
    paramsBillions: 7.94,
    memory: { gib: 24, batchSize: 1, source: `"# 24GiB" in ${INTERNVL3_SH}` },
    recipe: { ...SWIFT_LORA, maxLength: 4096 },
    source: INTERNVL3_SH,
    templateSystem: INTERNVL25_SYSTEM,
  },
  {
    name: 'qwen-vl-chat',
    aliases: ['qwen-vl'],
    family: 'qwen-vl',
    model: 'Qwen/Qwen-VL-Chat',
    modelTypes: [
      { from: '2.4.2', type: 'qwen-vl-chat' },
      { from: '3.0.0', type: 'qwen_vl' },
    ],
    paramsBillions: 9.6,
    memory: { gib: 23, batchSize: 1, source: `"23GB GPU memory" in ${QWEN_VL_DOC}` },
    recipe: { ...SWIFT2_LORA_ALL },
    source: QWEN_VL_DOC,
  },
  {
    name: 'qwen2-vl-7b',
    aliases: ['qwen2-vl'],
    family: 'qwen2-vl',
    model: 'Qwen/Qwen2-VL-7B-Instruct',
    modelTypes: [
      { from: '2.4.2', type: 'qwen2-vl-7b-instruct' },
      { from: '3.0.0', type: 'qwen2_vl' },
    ],
    paramsBillions: 8.29,
    memory: { gib: 20, batchSize: 1, source: `"# 20GiB" in ${GROUNDING_SH}` },
    recipe: { ...SWIFT_LORA },
    source: GROUNDING_SH,
  },
  {
    name: 'qwen2.5-vl-7b',
    aliases: ['qwen2.5-vl', 'qwen2_5-vl-7b'],
    family: 'qwen2.5-vl',
    model: 'Qwen/Qwen2.5-VL-7B-Instruct',
    modelTypes: [{ from: '3.1.0', type: 'qwen2_5_vl' }],
    paramsBillions: 8.29,
    memory: { gib: 24, batchSize: 1, source: `"显存资源：24GiB" in ${QWEN25_NOTEBOOK}` },
    recipe: { ...SWIFT_LORA, saveTotalLimit: 5 },
    source: QWEN25_NOTEBOOK,
  },
  {
    name: 'qwen3-vl-8b',
    aliases: ['qwen3-vl'],
    family: 'qwen3-vl',
    model: 'Qwen/Qwen3-VL-8B-Instruct',
    modelTypes: [{ from: '3.9.1', type: 'qwen3_vl' }],
    paramsBillions: 8.77,
    memory: { gib: 24, batchSize: 1, source: `no published figure for Qwen3-VL-8B: Qwen2.5-VL-7B's "显存资源：24GiB" (${QWEN25_NOTEBOOK})` },
    recipe: { ...SWIFT_LORA },
    source: QWEN3_SH,
  },
  {
    name: 'florence-2-large-ft',
    aliases: ['florence-2', 'florence2', 'florence-2-large'],
    family: 'florence-2',
    model: 'AI-ModelScope/Florence-2-large-ft',
    hfModel: 'microsoft/Florence-2-large-ft',
    modelTypes: [
      { from: '2.4.2', type: 'florence-2-large-ft' },
      { from: '3.0.0', type: 'florence' },
    ],
    paramsBillions: 0.77,
    memory: { gib: 6.6, batchSize: 1, source: `"6.6GB GPU memory" in ${FLORENCE_DOC}` },
    recipe: { ...SWIFT2_LORA_ALL },
    source: FLORENCE_DOC,
  },
  {
    name: 'paligemma2-3b',
    aliases: ['paligemma2', 'paligemma2-3b-pt-448'],
    family: 'paligemma2',
    model: 'AI-ModelScope/paligemma2-3b-pt-448',
    hfModel: 'google/paligemma2-3b-pt-448',
    modelTypes: [{ from: '3.0.1', type: 'paligemma' }],
    paramsBillions: 3.03,
    memory: { gib: 9, batchSize: 1, source: `no published figure for PaliGemma 2: DeepSeek-VL2-tiny's "# 9GiB" (${DEEPSEEK_SH}), a model of the same size` },
    recipe: { ...SWIFT_LORA },
    source: GROUNDING_SH,
  },
  {
    name: 'paligemma-3b',
    aliases: ['paligemma', 'paligemma-3b-pt-448'],
    family: 'paligemma',
    model: 'AI-ModelScope/paligemma-3b-pt-448',
    hfModel: 'google/paligemma-3b-pt-448',
    modelTypes: [
      { from: '2.4.2', type: 'paligemma-3b-pt-448' },
      { from: '3.0.0', type: 'paligemma' },
    ],
    paramsBillions: 2.92,
    memory: { gib: 9, batchSize: 1, source: `no published figure for PaliGemma: DeepSeek-VL2-tiny's "# 9GiB" (${DEEPSEEK_SH}), a model of the same size` },
    recipe: { ...SWIFT_LORA },
    source: GROUNDING_SH,
  },
  {
    name: 'deepseek-vl2-tiny',
    aliases: ['deepseek-vl2'],
    family: 'deepseek-vl2',
    model: 'deepseek-ai/deepseek-vl2-tiny',
    modelTypes: [{ from: '3.0.0', type: 'deepseek_vl2' }],
    paramsBillions: 3.37,
    memory: { gib: 9, batchSize: 1, source: `"# 9GiB" in ${DEEPSEEK_SH}` },
    recipe: { ...SWIFT_LORA, maxLength: 4096 },
    source: DEEPSEEK_SH,
  },
];
