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
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolveDataFiles } from './command.js';
import type { ModelPreset } from './presets.js';

export type SystemPromptSource = 'data' | 'recipe' | 'swift-args' | 'template';

export interface TrainingSystemPrompt {
  text: string;
  source: SystemPromptSource;
  /** Where it was read, for a diagnostic line: "data/ocr/train.jsonl:1", "ms-swift's internvl2-8b template". */
  where: string;
}

/** The system prompt of one ms-swift row (2.x `system`, 3.x/4.x `messages`, or `conversations`), if it has one. */
export function systemOfRow(row: unknown): string | undefined {
  if (!row || typeof row !== 'object') return undefined;
  const r = row as { system?: unknown; messages?: unknown; conversations?: unknown };
  if (typeof r.system === 'string') return r.system;
  if (Array.isArray(r.messages)) {
    const message = (r.messages as { role?: unknown; content?: unknown }[]).find((m) => m?.role === 'system');
    return typeof message?.content === 'string' ? message.content : undefined;
  }
  if (Array.isArray(r.conversations)) {
    const turn = (r.conversations as { from?: unknown; value?: unknown }[]).find((t) => t?.from === 'system');
    return typeof turn?.value === 'string' ? turn.value : undefined;
  }
  return undefined;
}

/** The first row of a JSONL file, parsed; undefined when the file is missing, empty or not JSON. */
async function firstRow(path: string): Promise<unknown> {
  if (!existsSync(path)) return undefined;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return undefined;
      }
    }
  } finally {
    lines.close();
  }
  return undefined;
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
    const text = systemOfRow(await firstRow(train));
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
