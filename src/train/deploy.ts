/**
 * Serving a (merged) model behind an OpenAI-compatible API: `swift deploy`, `vllm serve` or
 * `lmdeploy serve api_server`, with what a grounding model needs (remote code for InternVL, a context
 * long enough for image tokens plus a long box list, one image per prompt, the training pixel budget).
 *
 * Flags, read at the source:
 *  - swift 2.x: DeployArguments(InferArguments) — --ckpt_dir, --host, --port, --served_model_name,
 *    --infer_backend AUTO|vllm|pt|lmdeploy, --max_length, --max_model_len, --limit_mm_per_prompt
 *    (v2.4.2 swift/llm/utils/argument.py:1328-1435, 1576-1586; the limit is JSON, :1500), routes /v1/models and
 *    /v1/chat/completions (v2.4.2 swift/llm/deploy.py:88, 859); the reference served its merged model
 *    with `--ckpt_dir … --max_length 4096` (seed-scripts/swift_deploy_internvl.sh).
 *  - swift 3.x/4.x: --model (merged) or --adapters (LoRA), --infer_backend pt|vllm|lmdeploy|sglang
 *    ('transformers' in 4.x), --served_model_name; vLLM options are --vllm_max_model_len /
 *    --vllm_limit_mm_per_prompt from 3.7 (v3.7.0 swift/trainers/arguments.py:143-195 keeps the old
 *    --max_model_len / --limit_mm_per_prompt as aliases; before 3.7 only those exist,
 *    v3.6.0 swift/llm/argument/infer_args.py:65-75). Routes: /v1/models, /v1/chat/completions
 *    (v3.12.6 swift/llm/infer/deploy.py:45-51).
 *  - vLLM: `vllm serve MODEL --trust-remote-code --max-model-len N --limit-mm-per-prompt '{"image":1}'`
 *    (vllm-project/vllm@0138834 docs/features/multimodal_inputs.md "Online Serving"; --served-model-name,
 *    --tensor-parallel-size, --mm-processor-kwargs in vllm/engine/arg_utils.py@001999d, whose older
 *    parser took the limit only as `image=1`: vLLM releases of that age need --limit-mm-per-prompt image=1).
 *  - LMDeploy: `lmdeploy serve api_server MODEL --server-name --server-port --model-name --session-len --tp`
 *    (InternLM/lmdeploy@00596da lmdeploy/cli/serve.py).
 */
import { existsSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { PromptPair } from '../datasets/prompts-from.js';
import { presetForModel, PRESETS, type ModelPreset } from './presets.js';
import { findRecipeRecord, readJsonObject, readSwiftArgs, recipeOf, recordedSwiftVersion, type RecordedVersion } from './run-record.js';
import { ArgList, shellQuote, type ExternalCommand } from './shell.js';
import { engineAppliesSystem, trainingSystemPrompt, type TrainingSystemPrompt } from './system-prompt.js';
import { promptToSend, trainingUserPrompt, type TrainingUserPrompt } from './user-prompt.js';
import { atLeast, type SwiftVersion } from './version.js';

export type DeployEngine = 'swift' | 'vllm' | 'lmdeploy';

export const DEPLOY_DEFAULTS = Object.freeze({
  engine: 'swift' as DeployEngine,
  host: '0.0.0.0',
  port: 8000, // swift deploy's and vLLM's default port
  servedModelName: 'ocrdet',
  /** InternVL2 at 12 tiles + thumbnail is 13 × 256 = 3328 image tokens, plus a long box list. */
  maxModelLen: 8192,
  imagesPerPrompt: 1,
});

export interface ModelDirInfo {
  /** What the engine is given: a directory, or a hub id. */
  model: string;
  kind: 'model' | 'adapter' | 'hub';
  preset?: ModelPreset;
  dialect?: string;
  /** The environment the model was trained with (MAX_PIXELS, MAX_NUM), from ocrdet-recipe.json. */
  trainingEnv: Record<string, string>;
  /** The system prompt it was trained with (system-prompt.ts), when known. */
  system?: TrainingSystemPrompt;
  /** The user prompt of its training rows (user-prompt.ts), when they can be read. */
  prompt?: TrainingUserPrompt;
  /** The ms-swift version the run recorded, for building without ms-swift installed. */
  recordedSwiftVersion?: RecordedVersion;
}

/** The preset a model directory came from: its args (3.x args.json / 2.x sft_args.json) or config.json architecture. */
async function presetOfDir(dir: string, args: Record<string, unknown> | undefined): Promise<ModelPreset | undefined> {
  const model = typeof args?.model === 'string' ? args.model : typeof args?.model_id_or_path === 'string' ? args.model_id_or_path : undefined;
  const modelType = typeof args?.model_type === 'string' ? args.model_type : undefined;
  const byType = modelType ? PRESETS.all().find((p) => p.modelType2 === modelType || p.modelType3 === modelType) : undefined;
  if (byType) return byType;
  if (model && presetForModel(model)) return presetForModel(model);
  const config = await readJsonObject(join(dir, 'config.json'));
  const architectures = JSON.stringify(config?.architectures ?? []);
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

async function resolveHubModel(target: string, dialect: string | undefined): Promise<ModelDirInfo> {
  const local = localPathReason(target);
  if (local || !HUB_ID.test(target)) {
    throw new ConfigError(`${target}: no such model directory (and not a hub id like OpenGVLab/InternVL2-8B${local ? `: ${local}` : ''})`);
  }
  const preset = presetForModel(target);
  const system = await trainingSystemPrompt({ preset });
  return { model: target, kind: 'hub', preset, dialect: dialect ?? preset?.dialect, trainingEnv: {}, ...(system ? { system } : {}) };
}

/**
 * What `target` is: a merged model, a LoRA checkpoint, an output/run directory with a `merged` link, or a
 * hub id; which dialect it speaks (flag > the run's ocrdet-recipe.json > the model's family); the system
 * prompt it was trained with (the training data's > the recipe's > ms-swift's args > the template's default);
 * and the user prompt of its training rows.
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
  const recipe = recipeOf(await findRecipeRecord(dir));
  const swiftArgs = await readSwiftArgs(dir);
  const trainedPreset = typeof recipe.preset === 'string' && PRESETS.has(recipe.preset) ? PRESETS.get(recipe.preset) : undefined;
  const preset = trainedPreset ?? (await presetOfDir(dir, swiftArgs?.args));
  const argsSystem = swiftArgs?.args.system;
  const system = await trainingSystemPrompt({
    data: typeof recipe.data === 'string' ? recipe.data : undefined,
    recipeSystem: typeof recipe.system === 'string' ? recipe.system : undefined,
    swiftArgsSystem: typeof argsSystem === 'string' ? { text: argsSystem, path: swiftArgs?.path as string } : undefined,
    preset,
  });
  const prompt = await trainingUserPrompt(typeof recipe.data === 'string' ? recipe.data : undefined);
  const recorded = await recordedSwiftVersion([dir]);
  return {
    model: dir,
    kind,
    preset,
    dialect: dialect ?? (typeof recipe.dialect === 'string' ? recipe.dialect : undefined) ?? preset?.dialect,
    trainingEnv: recipe.env && typeof recipe.env === 'object' ? (recipe.env as Record<string, string>) : {},
    ...(system ? { system } : {}),
    ...(prompt ? { prompt } : {}),
    ...(recorded ? { recordedSwiftVersion: recorded } : {}),
  };
}

/** The system prompt the client must send itself: the training one, unless `engine` applies it. */
export function clientSystemPrompt(info: ModelDirInfo, engine: DeployEngine): TrainingSystemPrompt | undefined {
  return info.system && !engineAppliesSystem(engine, info.system) ? info.system : undefined;
}

/** The user prompt the client must send itself: the training rows', unless it is the dialect's default. */
export function clientUserPrompt(info: ModelDirInfo): TrainingUserPrompt | undefined {
  return promptToSend(info.prompt, info.dialect);
}

export interface DeployCommandOptions {
  engine: DeployEngine;
  host: string;
  port: number;
  servedModelName: string;
  maxModelLen: number;
  imagesPerPrompt: number;
  /** swift engine only: pt|vllm|lmdeploy|sglang (4.x: transformers); default: ms-swift's own. */
  inferBackend?: string;
  gpus?: string;
  version?: SwiftVersion;
}

function mmProcessorKwargs(info: ModelDirInfo): Record<string, number> | undefined {
  const kwargs: Record<string, number> = {};
  // Serve with the pixel budget and tile count the model was trained with, or boxes drift (dialects-swift.md §4-5).
  if (info.trainingEnv.MAX_PIXELS && info.preset?.family !== 'internvl') kwargs.max_pixels = Number(info.trainingEnv.MAX_PIXELS);
  if (info.trainingEnv.MAX_NUM && info.preset?.family === 'internvl') kwargs.max_dynamic_patch = Number(info.trainingEnv.MAX_NUM);
  return Object.keys(kwargs).length ? kwargs : undefined;
}

function swiftDeployArgs(info: ModelDirInfo, o: DeployCommandOptions, version: SwiftVersion): string[] {
  const a = new ArgList();
  const vllm = o.inferBackend === 'vllm';
  const limit = JSON.stringify({ image: o.imagesPerPrompt });
  if (version.major === 2) {
    if (info.kind === 'hub') throw new ConfigError(`ms-swift 2.x deploys a local checkpoint (--ckpt_dir): download ${info.model} first, or use --engine vllm`);
    a.add('ckpt_dir', info.model).add('host', o.host).add('port', o.port).add('served_model_name', o.servedModelName);
    if (o.inferBackend) a.add('infer_backend', o.inferBackend);
    a.add('max_length', o.maxModelLen);
    if (vllm) a.add('max_model_len', o.maxModelLen).add('limit_mm_per_prompt', limit);
    return ['deploy', ...a.args];
  }
  a.add(info.kind === 'adapter' ? 'adapters' : 'model', info.model);
  if (o.inferBackend) a.add('infer_backend', version.major >= 4 && o.inferBackend === 'pt' ? 'transformers' : o.inferBackend);
  a.add('host', o.host).add('port', o.port).add('served_model_name', o.servedModelName);
  if (vllm) {
    const prefix = atLeast(version, 3, 7) ? 'vllm_' : '';
    a.add(`${prefix}max_model_len`, o.maxModelLen).add(`${prefix}limit_mm_per_prompt`, limit);
  }
  return ['deploy', ...a.args];
}

/** The serving command for a model and engine. */
export function buildDeployCommand(info: ModelDirInfo, o: DeployCommandOptions): ExternalCommand {
  const warnings: string[] = [];
  const env: Record<string, string> = o.gpus ? { CUDA_VISIBLE_DEVICES: o.gpus } : {};
  const tensorParallel = o.gpus ? o.gpus.split(',').length : 1;
  if (o.engine === 'swift') {
    if (!o.version) throw new ConfigError('deploy with swift needs the ms-swift version (installed, or --swift-version)');
    // ms-swift reads the training pixel budget / tile count from the same variables at inference.
    for (const key of ['MAX_PIXELS', 'MAX_NUM']) if (info.trainingEnv[key]) env[key] = info.trainingEnv[key] as string;
    return { env, program: 'swift', args: swiftDeployArgs(info, o, o.version), warnings };
  }
  if (info.kind === 'adapter') {
    throw new ConfigError(`${info.model} is a LoRA checkpoint: merge it first (ocrdet merge ${dirname(info.model)}) or deploy it with --engine swift`);
  }
  const kwargs = mmProcessorKwargs(info);
  if (o.engine === 'vllm') {
    const a = new ArgList().add('host', o.host).add('port', o.port).add('served-model-name', o.servedModelName).add('trust-remote-code', []);
    a.add('max-model-len', o.maxModelLen).add('limit-mm-per-prompt', JSON.stringify({ image: o.imagesPerPrompt }));
    if (tensorParallel > 1) a.add('tensor-parallel-size', tensorParallel);
    if (kwargs) a.add('mm-processor-kwargs', JSON.stringify(kwargs));
    if (info.preset?.family === 'internvl') {
      warnings.push('vLLM applies the model\'s own chat template, without the system prompt ms-swift trained InternVL with: send that system message with each request, as the printed detect command does with --system (OpenGVLab/InternVL#1208)');
    }
    return { env, program: 'vllm', args: ['serve', info.model, ...a.args], warnings };
  }
  const a = new ArgList().add('server-name', o.host).add('server-port', o.port).add('model-name', o.servedModelName).add('session-len', o.maxModelLen);
  if (tensorParallel > 1) a.add('tp', tensorParallel);
  if (kwargs) warnings.push(`LMDeploy has no flag for ${Object.keys(kwargs).join(', ')}: the model will see images at its default size`);
  return { env, program: 'lmdeploy', args: ['serve', 'api_server', info.model, ...a.args], warnings };
}

/** Where clients on this machine reach the server. */
export function baseUrlOf(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/v1`;
}

/**
 * The `ocrdet detect` command that uses the served model, quoted for a POSIX shell; `prompt` is the training
 * user prompt when it is not the dialect's default (clientUserPrompt), `system` the system prompt the engine
 * does not send by itself (clientSystemPrompt).
 */
export function detectCommandFor(baseUrl: string, modelId: string, dialect: string | undefined, prompts: PromptPair = {}): string {
  const words = ['ocrdet', 'detect', 'photos/', '--backend', 'vlm', '--base-url', baseUrl, '--model', modelId];
  if (dialect) words.push('--dialect', dialect);
  if (prompts.prompt) words.push('--prompt', prompts.prompt);
  if (prompts.system) words.push('--system', prompts.system);
  return words.map(shellQuote).join(' ');
}

/** Asks GET {baseUrl}/models once; the first model id when the server answers with a model list. */
export async function probeModels(baseUrl: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const response = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    const id = body.data?.[0]?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

