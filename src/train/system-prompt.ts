/**
 * The system prompt a fine-tuned model was trained with, and whether the serving engine sends it by itself.
 *
 * ms-swift takes a sample's own system prompt first (2.x `system` field, 3.x/4.x a `system` message),
 * else `--system` (the recipe's `system`, kept in the run's args file), else its template's default
 * (presets.ts `templateSystem`). Engines differ in what they apply at inference:
 *  - swift deploy: its template with the run's args (`system` included), never a sample's own prompt;
 *  - LMDeploy: its own InternVL templates, whose default system prompts are ms-swift's
 *    (InternLM/lmdeploy lmdeploy/model.py InternVL2_5 `meta_instruction`);
 *  - vLLM: the model's chat template, which has no system prompt for InternVL (OpenGVLab/InternVL#1208).
 * Whatever the engine leaves out, the client must send: `ocrdet detect --system '…'`.
 */
import { readPromptsFrom, type PromptPair } from '../datasets/prompts-from.js';
import { resolveDataFiles } from './command.js';
import type { ModelPreset } from './presets.js';

export type SystemPromptSource = 'data' | 'recipe' | 'swift-args' | 'template';

export interface TrainingSystemPrompt {
  text: string;
  source: SystemPromptSource;
  /** Where it was read, for a diagnostic line: "data/ocr/train.jsonl:1", "ms-swift's internvl2-8b template". */
  where: string;
}

export interface SystemPromptSources {
  /** The recipe's `data` (a directory with train.jsonl, or a .jsonl file), as ocrdet-recipe.json records it. */
  data?: string;
  /** The recipe's `system` (ms-swift's --system). */
  recipeSystem?: string;
  /** `system` of ms-swift's args file (2.x writes its template default there too). */
  swiftArgsSystem?: { text: string; path: string };
  preset?: ModelPreset;
}

/** The system prompt the model was trained with, by ms-swift's precedence; undefined when nothing tells. */
export async function trainingSystemPrompt(sources: SystemPromptSources): Promise<TrainingSystemPrompt | undefined> {
  if (sources.data) {
    const train = resolveDataFiles(sources.data).train;
    // Read as `data convert --prompts-from` reads a row; missing, empty or not JSON: nothing from the data.
    const text = (await readPromptsFrom(train).catch(() => ({}) as PromptPair)).system;
    if (text) return { text, source: 'data', where: `${train}:1` };
  }
  if (sources.recipeSystem) return { text: sources.recipeSystem, source: 'recipe', where: 'the recipe\'s system' };
  if (sources.swiftArgsSystem?.text) return { text: sources.swiftArgsSystem.text, source: 'swift-args', where: sources.swiftArgsSystem.path };
  const preset = sources.preset;
  if (preset?.templateSystem) return { text: preset.templateSystem, source: 'template', where: `ms-swift's ${preset.name} template` };
  return undefined;
}

/** True when the engine sends this system prompt by itself, so the client must not need to. */
export function engineAppliesSystem(engine: 'swift' | 'vllm' | 'lmdeploy', prompt: TrainingSystemPrompt): boolean {
  if (prompt.source === 'data') return false; // a sample's own prompt is in no file a server reads
  if (engine === 'swift') return true;
  if (engine === 'lmdeploy') return prompt.source === 'template';
  return false;
}
