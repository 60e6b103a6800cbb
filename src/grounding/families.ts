/**
 * The model families a grounding dialect is trained into, one record each: the dialect(s) their answers are
 * written in, how they see an image (image-rules.ts), the chat template ms-swift wraps a training row in, and
 * which ms-swift versions train them. A data record (record.ts) names its family; training, serving and
 * detection read the rest from here and from the record.
 *
 * Sources (read, not copied), ms-swift at the tags named:
 * - templates: v3.12.6 swift/llm/template/template/utils.py lines 13–22 (ChatML: `<|im_start|>user\n…<|im_end|>\n
 *   <|im_start|>assistant\n`), internvl.py lines 32–37, 163 and 180–182 (`<img>…</img>\n` before the query; the default
 *   systems of the internvl2 and internvl2_5 templates; InternVL3 uses internvl2_5: model/model/internlm.py),
 *   qwen.py lines 30–34 (default system "You are a helpful assistant."), 203–214 (Qwen-VL `Picture 1: <img>…</img>\n`),
 *   314–321 (`<|vision_start|><|image_pad|><|vision_end|>`), 555 (Qwen3-VL: no default system), microsoft.py lines
 *   33–51 and 76–83 (Florence-2: `<s>{QUERY}</s>`, encoder-decoder), gemma.py lines 34–42 and 60–68 (PaliGemma:
 *   image tokens, `<bos>`, `{QUERY}\n`), deepseek.py lines 418–423 and 492–497 (DeepSeek-VL2).
 * - which length is checked against max_length: v3.12.6 base.py lines 1262–1290 (_encode_truncated measures the
 *   encoded row, image tokens included — except Florence-2, whose image features join in _post_encode); v2.6.1
 *   swift/llm/utils/template.py lines 955–967 (the length is checked in _concat_and_tokenize, before InternVL,
 *   lines 2454–2476, and Qwen2-VL, lines 1641–1680, insert their image tokens; PaliGemma's come from replace_tag,
 *   lines 3306–3313, before the check).
 * - first versions with each model (model ids registered in swift/llm/model/model/*.py): InternVL2-8B, Qwen-VL-Chat,
 *   Qwen2-VL-7B-Instruct, Florence-2-large-ft and paligemma-3b-pt-448 at v2.4.2 (swift/llm/utils/model.py);
 *   InternVL2_5-8B and deepseek-vl2 at v3.0.0; paligemma2-3b-pt-448 at v3.0.1; Qwen2.5-VL-7B-Instruct at v3.1.0;
 *   InternVL3-8B at v3.3.1; Qwen3-VL-8B-Instruct at v3.9.1.
 */
import { createRegistry, type Named, type Registry } from '../core/registry.js';
import {
  DEEPSEEK_VL2_TILES,
  FLORENCE2_FIXED,
  INTERNVL_TILES,
  PALIGEMMA_448,
  QWEN2_VL_RESIZE,
  QWEN3_VL_RESIZE,
  QWEN_VL_FIXED,
  type ImageRule,
} from './image-rules.js';

export const FAMILY_NAMES = ['internvl2', 'internvl2.5', 'internvl3', 'qwen-vl', 'qwen2-vl', 'qwen2.5-vl', 'qwen3-vl', 'florence-2', 'paligemma', 'paligemma2', 'deepseek-vl2'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** A training row's text as ms-swift's template lays it out, image tokens left out (they are counted apart). */
export interface RowParts {
  system?: string;
  prompt: string;
  answer: string;
}

export interface ChatTemplate {
  /** ms-swift's `default_system`: what a row without a system prompt of its own is trained with. */
  readonly defaultSystem?: string;
  /** Everything but the answer: system turn, role markers, the image's own markers, the user prompt. */
  promptText(parts: RowParts): string;
  /** The answer with the template's closing marker. */
  answerText(answer: string): string;
  /** Encoder-decoder (Florence-2): the prompt and the answer are two sequences; the longer one is measured. */
  readonly encoderDecoder?: boolean;
}

export interface ModelFamily extends Named {
  readonly name: FamilyName;
  /** One line: the models and their chat format. */
  readonly description: string;
  /** Dialects a data set for this family may be written in; the first is the family's own. */
  readonly dialects: readonly string[];
  /** How the family sees an image at ms-swift's settings (a data record may change the settings, not the kind). */
  readonly image: ImageRule;
  readonly template: ChatTemplate;
  readonly swift: {
    /** The first ms-swift release that trains the family (its 8B or so checkpoint). */
    readonly since: string;
    /** Whether the length ms-swift checks against max_length includes the image tokens, per major version. */
    readonly countsImageTokens: { readonly 2: boolean; readonly 3: boolean };
  };
}

const INTERNVL2_SYSTEM = '你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。';
const INTERNVL25_SYSTEM = '你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。';
const QWEN_SYSTEM = 'You are a helpful assistant.';

function chatml(defaultSystem: string | undefined, imageMarkers: string): ChatTemplate {
  return {
    ...(defaultSystem !== undefined ? { defaultSystem } : {}),
    promptText: ({ system, prompt }) => {
      const sys = system ?? defaultSystem;
      return `${sys !== undefined ? `<|im_start|>system\n${sys}<|im_end|>\n` : ''}<|im_start|>user\n${imageMarkers}${prompt}<|im_end|>\n<|im_start|>assistant\n`;
    },
    answerText: (answer) => `${answer}<|im_end|>\n`,
  };
}

/** Florence-2's processor turns a task token into its question (transformers processing_florence2.py). */
const FLORENCE_TASK_PROMPTS: Readonly<Record<string, string>> = {
  '<OCR_WITH_REGION>': 'What is the text in the image, with regions?',
  '<OD>': 'Locate the objects with category name in the image.',
};

const INTERNVL_TEMPLATE = chatml(INTERNVL2_SYSTEM, '<img></img>\n');
const INTERNVL25_TEMPLATE = chatml(INTERNVL25_SYSTEM, '<img></img>\n');
const QWEN2_TEMPLATE = chatml(QWEN_SYSTEM, '<|vision_start|><|vision_end|>');

const FAMILY_LIST: readonly ModelFamily[] = [
  {
    name: 'internvl2',
    aliases: ['internvl', 'internvl2-8b'],
    description: 'InternVL2 (1B–76B), ChatML with InternVL2\'s default system prompt',
    dialects: ['internvl2'],
    image: INTERNVL_TILES,
    template: INTERNVL_TEMPLATE,
    swift: { since: '2.4.2', countsImageTokens: { 2: false, 3: true } },
  },
  {
    name: 'internvl2.5',
    aliases: ['internvl2_5', 'internvl2.5-8b'],
    description: 'InternVL2.5, ChatML with the internvl2_5 template\'s default system prompt',
    dialects: ['internvl2'],
    image: INTERNVL_TILES,
    template: INTERNVL25_TEMPLATE,
    swift: { since: '3.0.0', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'internvl3',
    aliases: ['internvl3-8b'],
    description: 'InternVL3, trained with the internvl2_5 template',
    dialects: ['internvl2'],
    image: INTERNVL_TILES,
    template: INTERNVL25_TEMPLATE,
    swift: { since: '3.3.1', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'qwen-vl',
    aliases: ['qwen-vl-chat'],
    description: 'Qwen-VL-Chat (v1), ChatML, 448×448 images',
    dialects: ['qwen-vl'],
    image: QWEN_VL_FIXED,
    template: chatml(QWEN_SYSTEM, 'Picture 1: <img></img>\n'),
    swift: { since: '2.4.2', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'qwen2-vl',
    description: 'Qwen2-VL, ChatML, smart_resize in blocks of 28 px',
    dialects: ['qwen2-vl'],
    image: QWEN2_VL_RESIZE,
    template: QWEN2_TEMPLATE,
    swift: { since: '2.4.2', countsImageTokens: { 2: false, 3: true } },
  },
  {
    name: 'qwen2.5-vl',
    description: 'Qwen2.5-VL, ChatML, smart_resize in blocks of 28 px (boxes in pixels of that input)',
    dialects: ['qwen2.5-vl', 'qwen2-vl'],
    image: QWEN2_VL_RESIZE,
    template: QWEN2_TEMPLATE,
    swift: { since: '3.1.0', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'qwen3-vl',
    description: 'Qwen3-VL, ChatML without a default system prompt, smart_resize in blocks of 32 px',
    dialects: ['qwen3-vl'],
    image: QWEN3_VL_RESIZE,
    template: chatml(undefined, '<|vision_start|><|vision_end|>'),
    swift: { since: '3.9.1', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'florence-2',
    aliases: ['florence2', 'florence'],
    description: 'Florence-2 (base/large, -ft), encoder-decoder, task tokens as prompts, 768×768 images',
    dialects: ['florence-2'],
    image: FLORENCE2_FIXED,
    template: {
      encoderDecoder: true,
      promptText: ({ prompt }) => `<s>${FLORENCE_TASK_PROMPTS[prompt] ?? prompt}</s>`,
      answerText: (answer) => `${answer}</s>`,
    },
    swift: { since: '2.4.2', countsImageTokens: { 2: false, 3: false } },
  },
  {
    name: 'paligemma',
    aliases: ['paligemma1'],
    description: 'PaliGemma 1 (3b-pt-448), image tokens then `<bos>PROMPT\\n`',
    dialects: ['paligemma'],
    image: PALIGEMMA_448,
    template: { promptText: ({ prompt }) => `<bos>${prompt}\n`, answerText: (answer) => `${answer}<eos>` },
    swift: { since: '2.4.2', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'paligemma2',
    aliases: ['paligemma-2'],
    description: 'PaliGemma 2 (3b-pt-448), image tokens then `<bos>PROMPT\\n`',
    dialects: ['paligemma'],
    image: PALIGEMMA_448,
    template: { promptText: ({ prompt }) => `<bos>${prompt}\n`, answerText: (answer) => `${answer}<eos>` },
    swift: { since: '3.0.1', countsImageTokens: { 2: true, 3: true } },
  },
  {
    name: 'deepseek-vl2',
    aliases: ['deepseek_vl2'],
    description: 'DeepSeek-VL2 (tiny/small/base), 384-px tiles with a global view',
    dialects: ['deepseek-vl2'],
    image: DEEPSEEK_VL2_TILES,
    template: {
      promptText: ({ system, prompt }) => `<｜begin▁of▁sentence｜>${system ?? ''}<|User|>: <image>\n${prompt}\n\n<|Assistant|>:`,
      answerText: (answer) => `${answer}<｜end▁of▁sentence｜>`,
    },
    swift: { since: '3.0.0', countsImageTokens: { 2: true, 3: true } },
  },
];

export const FAMILIES: Registry<ModelFamily> = createRegistry<ModelFamily>('model family', FAMILY_LIST);

/** The family a dialect is named after (paligemma: PaliGemma 2). */
export function familyOfDialect(dialect: string): ModelFamily {
  const own = FAMILY_LIST.find((f) => f.dialects[0] === dialect && f.name !== 'paligemma');
  if (!own) throw new Error(`no model family writes the ${dialect} dialect`);
  return own;
}
