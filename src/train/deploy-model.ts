/**
 * What `ocrdet deploy` (and `merge`) is given: a merged model, a LoRA checkpoint, an output or run directory
 * with a `merged` link, or a hub id — and what the run that made it says: the preset, the base model, the
 * data record (dialect, prompts, the image settings the engine must use), the system prompt it was trained with
 * and the ms-swift version. Read from the run record (ocrdet-recipe.json), the data record train copied beside
 * it (ocrdet-data.json), and ms-swift's own args file, in that order of trust.
 */
import { existsSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError, UsageError } from '../core/errors.js';
import { findDataRecord, type FoundRecord } from '../datasets/record-file.js';
import type { ImageRule } from '../grounding/image-rules.js';
import { PRESETS, dialectOfPreset, familyOfPreset, presetForModel, presetForModelType, type ModelPreset } from './presets.js';
import { findRunRecord, readJsonObject, readSwiftArgs, recordedSwiftVersion, type RecordedVersion } from './run-record.js';
import { trainingSystemPrompt, type TrainingSystemPrompt } from './system-prompt.js';
import { trainingUserPrompt, type TrainingUserPrompt } from './user-prompt.js';

export interface ModelDirInfo {
  /** What the engine is given: a directory, or a hub id. */
  model: string;
  kind: 'model' | 'adapter' | 'hub';
  preset?: ModelPreset;
  dialect?: string;
  /** How the model saw images in training (the data record's, else its family's defaults), and where that was read. */
  image?: { rule: ImageRule; where: string };
  /** The data record of the run, when train copied one beside it. */
  record?: FoundRecord;
  /** The system prompt it was trained with (system-prompt.ts), when known. */
  system?: TrainingSystemPrompt;
  /** The user prompt of its training rows, when known. */
  prompt?: TrainingUserPrompt;
  /** The ms-swift version the run recorded, for building without ms-swift installed. */
  recordedSwiftVersion?: RecordedVersion;
  /**
   * A LoRA checkpoint without ms-swift 3.x's args.json (written by 2.x): ms-swift 3.x/4.x must be told the base
   * model, which it otherwise reads from that file (v3.12.6 swift/llm/utils.py lines 311–321, get_ckpt_dir).
   */
  baseModel?: string;
}

/** The preset a model directory came from: its args (3.x args.json / 2.x sft_args.json) or config.json architecture. */
async function presetOfDir(dir: string, args: Record<string, unknown> | undefined): Promise<ModelPreset | undefined> {
  const model = typeof args?.model === 'string' ? args.model : typeof args?.model_id_or_path === 'string' ? args.model_id_or_path : undefined;
  const byType = typeof args?.model_type === 'string' ? presetForModelType(args.model_type) : undefined;
  if (byType) return byType;
  if (model && presetForModel(model)) return presetForModel(model);
  const config = await readJsonObject(join(dir, 'config.json'));
  const architectures = JSON.stringify(config?.architectures ?? []);
  if (architectures.includes('Qwen3VL')) return PRESETS.get('qwen3-vl-8b');
  if (architectures.includes('Qwen2_5_VL')) return PRESETS.get('qwen2.5-vl-7b');
  if (architectures.includes('Qwen2VL')) return PRESETS.get('qwen2-vl-7b');
  if (architectures.includes('InternVLChatModel')) return PRESETS.get('internvl2-8b');
  return undefined;
}

const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * Why a missing `target` must be a local path and not a hub id, or undefined when it may be a hub id:
 * it starts with `.`, `/` or `~`, or its first path segment is a directory here (`runs/nope` when runs/ exists).
 */
export function localPathReason(target: string): string | undefined {
  if (/^[./~]/.test(target)) return `it starts with ${target[0]}`;
  const first = target.split('/')[0] ?? '';
  if (target.includes('/') && first && existsSync(first) && statSync(first).isDirectory()) return `${first}/ is a local directory`;
  return undefined;
}

function familyImage(preset: ModelPreset | undefined): ModelDirInfo['image'] {
  if (!preset) return undefined;
  const family = familyOfPreset(preset);
  return { rule: family.image, where: `the ${family.name} family's defaults (no data record)` };
}

async function resolveHubModel(target: string, dialect: string | undefined): Promise<ModelDirInfo> {
  const local = localPathReason(target);
  if (local || !HUB_ID.test(target)) {
    throw new ConfigError(`${target}: no such model directory (and not a hub id like OpenGVLab/InternVL2-8B${local ? `: ${local}` : ''})`);
  }
  const preset = presetForModel(target);
  const system = await trainingSystemPrompt({ preset });
  const image = familyImage(preset);
  return { model: target, kind: 'hub', preset, dialect: dialect ?? (preset ? dialectOfPreset(preset) : undefined), ...(image ? { image } : {}), ...(system ? { system } : {}) };
}

/**
 * The base model ms-swift 3.x/4.x must be told for a LoRA checkpoint without args.json (one ms-swift 2.x wrote:
 * it finds the base model in that file only, v3.12.6 swift/llm/utils.py lines 311–321): the run record's local
 * weights or model id, else the weights 2.x's sft_args.json names when they are on this machine, else the hub id
 * of its model type. Undefined for a checkpoint that has args.json.
 */
export async function adapterBaseModel(checkpoint: string): Promise<string | undefined> {
  if (existsSync(join(checkpoint, 'args.json'))) return undefined;
  const run = (await findRunRecord(checkpoint))?.record;
  const fromRecipe = run?.recipe.modelPath ?? run?.recipe.model;
  if (fromRecipe) return fromRecipe;
  const args = (await readSwiftArgs(checkpoint)) ?? (await readSwiftArgs(dirname(checkpoint)));
  const path = args?.args.model_id_or_path;
  if (typeof path === 'string' && existsSync(path)) return path;
  const preset = typeof args?.args.model_type === 'string' ? presetForModelType(args.args.model_type) : undefined;
  return preset?.model ?? (typeof path === 'string' ? path : undefined);
}

/**
 * What `target` is and what its run says (see the module comment). A dialect given with --dialect that the data
 * record contradicts is a UsageError naming both.
 */
export async function resolveDeployModel(target: string, dialect?: string): Promise<ModelDirInfo> {
  if (!existsSync(target)) return resolveHubModel(target, dialect);
  let dir = await realpath(target);
  if (!(await stat(dir)).isDirectory()) throw new ConfigError(`${target}: not a directory`);
  if (!existsSync(join(dir, 'config.json')) && !existsSync(join(dir, 'adapter_config.json')) && existsSync(join(dir, 'merged'))) {
    dir = await realpath(join(dir, 'merged'));
  }
  const kind = existsSync(join(dir, 'config.json')) ? 'model' : existsSync(join(dir, 'adapter_config.json')) ? 'adapter' : undefined;
  if (!kind) throw new ConfigError(`${target}: neither a model (config.json) nor a LoRA checkpoint (adapter_config.json); run \`ocrdet merge RUN_DIR\` first`);
  const run = (await findRunRecord(dir))?.record;
  const swiftArgs = await readSwiftArgs(dir);
  const trainedPreset = run?.recipe.preset !== undefined && PRESETS.has(run.recipe.preset) ? PRESETS.get(run.recipe.preset) : undefined;
  const preset = trainedPreset ?? (await presetOfDir(dir, swiftArgs?.args));
  const record = findDataRecord(dir);
  if (record && dialect !== undefined && dialect !== record.record.dialect) {
    throw new UsageError(`--dialect ${dialect} contradicts ${record.path}: the model was trained on answers in ${record.record.dialect}`);
  }
  const argsSystem = swiftArgs?.args.system;
  const system =
    record?.record.system !== undefined
      ? { text: record.record.system, source: 'data' as const, where: record.path }
      : await trainingSystemPrompt({
          ...(record ? {} : { data: run?.recipe.data }),
          recipeSystem: run?.recipe.system,
          swiftArgsSystem: typeof argsSystem === 'string' ? { text: argsSystem, path: swiftArgs?.path as string } : undefined,
          preset,
        });
  const prompt = record ? { text: record.record.prompt, where: record.path } : await trainingUserPrompt(run?.recipe.data);
  const recorded = await recordedSwiftVersion([dir]);
  const image = record ? { rule: record.record.image, where: record.path } : familyImage(preset);
  const baseModel = kind === 'adapter' ? await adapterBaseModel(dir) : undefined;
  return {
    model: dir,
    kind,
    preset,
    dialect: dialect ?? record?.record.dialect ?? run?.recipe.dialect ?? (preset ? dialectOfPreset(preset) : undefined),
    ...(image ? { image } : {}),
    ...(record ? { record } : {}),
    ...(system ? { system } : {}),
    ...(prompt ? { prompt } : {}),
    ...(recorded ? { recordedSwiftVersion: recorded } : {}),
    ...(baseModel ? { baseModel } : {}),
  };
}
