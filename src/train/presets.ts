/**
 * Model presets: which model (its id on each hub), which ms-swift model_type at which version, which model
 * family (src/grounding/families.ts: dialect, image rule, chat template), and the fine-tuning settings its
 * maintainers publish for LoRA fine-tuning. A preset only overrides the recipe DEFAULTS (the reference run,
 * recipe.ts); everything it does not name stays as the reference had it. Epochs and the eval/save cadence stay
 * the reference's: they depend on the dataset size, not the model. The image settings are not a preset's:
 * they come from the data record (or the family's defaults when the data has none).
 * The presets themselves: preset-list.ts.
 */
import { createRegistry, type Registry } from '../core/registry.js';
import { FAMILIES, type FamilyName, type ModelFamily } from '../grounding/families.js';
import { PRESET_LIST } from './preset-list.js';
import type { RecipeFields } from './recipe.js';
import { atLeast, parseSwiftVersion, type SwiftVersion } from './version.js';

/** GPU memory the maintainers (or the reference log) report for a recipe, per GPU. */
export interface MemoryFigure {
  /** Peak reserved memory per GPU at `batchSize`, GiB. */
  gib: number;
  /** Memory at the first step, when the source reports it separately from the peak, GiB. */
  firstStepGiB?: number;
  batchSize: number;
  source: string;
}

/** The model_type ms-swift knows the model by, from a version on (until the next entry). */
export interface ModelTypeSince {
  readonly from: string;
  readonly type: string;
}

export interface ModelPreset {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly family: FamilyName;
  /** Model id on ModelScope (ms-swift's default hub). */
  readonly model: string;
  /** Model id on Hugging Face (USE_HF=1), when it is not the same. */
  readonly hfModel?: string;
  /** ms-swift model types by version, oldest first; the model cannot be trained before the first. */
  readonly modelTypes: readonly ModelTypeSince[];
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

export const PRESETS: Registry<ModelPreset> = createRegistry<ModelPreset>('model preset', PRESET_LIST);

/** The family record of a preset. */
export function familyOfPreset(preset: Pick<ModelPreset, 'family'>): ModelFamily {
  return FAMILIES.get(preset.family);
}

/** The dialect a preset's model is trained in by default: its family's own. */
export function dialectOfPreset(preset: Pick<ModelPreset, 'family'>): string {
  return familyOfPreset(preset).dialects[0] as string;
}

/** The first preset of a family: what `train --data DIR` picks for data of that family. */
export function presetForFamily(family: FamilyName): ModelPreset {
  const preset = PRESET_LIST.find((p) => p.family === family);
  if (!preset) throw new Error(`no preset for the ${family} family`);
  return preset;
}

/** The model_type of a preset at an ms-swift version; undefined when that version does not have the model. */
export function modelTypeAt(preset: ModelPreset, version: SwiftVersion): string | undefined {
  let type: string | undefined;
  for (const entry of preset.modelTypes) {
    const from = parseSwiftVersion(entry.from);
    if (atLeast(version, from.major, from.minor, from.patch)) type = entry.type;
  }
  return type;
}

/** The first ms-swift version that trains the preset's model. */
export function firstVersionOf(preset: ModelPreset): string {
  return preset.modelTypes[0]?.from ?? '3.0.0';
}

/** The model id for the hub in use. */
export function modelIdFor(preset: ModelPreset, useHf: boolean): string {
  return useHf && preset.hfModel ? preset.hfModel : preset.model;
}

/** Markers that show which dialect an assistant answer in training data was written in (data without a record). */
export const DIALECT_MARKERS: Readonly<Record<string, RegExp>> = Object.freeze({
  internvl2: /<ref>[\s\S]*?<\/ref>\s*<box>\s*\[/,
  'qwen-vl': /<ref>[\s\S]*?<\/ref>\s*<box>\s*\(/,
  'qwen2-vl': /<\|box_start\|>/,
  'qwen2.5-vl': /"bbox_2d"\s*:/,
  'florence-2': /<loc_\d+>/,
  paligemma: /<loc\d{4}>/,
  'deepseek-vl2': /<\|det\|>/,
});

/** The preset whose model is `model` (a hub id on either hub, or a local directory named like one), if any. */
export function presetForModel(model: string): ModelPreset | undefined {
  const tail = model.replace(/\/+$/, '').split('/').pop()?.toLowerCase() ?? '';
  const ids = (p: ModelPreset) => [p.model, ...(p.hfModel ? [p.hfModel] : [])];
  return PRESET_LIST.find((p) => ids(p).some((id) => id.toLowerCase() === model.toLowerCase() || id.split('/')[1]?.toLowerCase() === tail));
}

/** The preset ms-swift's model_type names (any version's). */
export function presetForModelType(modelType: string): ModelPreset | undefined {
  return PRESET_LIST.find((p) => p.modelTypes.some((t) => t.type === modelType));
}
