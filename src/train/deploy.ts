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
 *    with `--ckpt_dir … --max_length 4096` (its swift_deploy_internvl.sh).
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
import { dirname } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { PromptPair } from '../datasets/prompts-from.js';
import type { ModelDirInfo } from './deploy-model.js';
import { imageEnv, vllmProcessorKwargs } from './image-env.js';
import { familyOfPreset } from './presets.js';
import { ArgList, shellQuote, type ExternalCommand } from './shell.js';
import { engineAppliesSystem, type TrainingSystemPrompt } from './system-prompt.js';
import { promptToSend, type TrainingUserPrompt } from './user-prompt.js';
import { atLeast, type SwiftVersion } from './version.js';

export { localPathReason, resolveDeployModel, type ModelDirInfo } from './deploy-model.js';

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

function swiftDeployArgs(info: ModelDirInfo, o: DeployCommandOptions, version: SwiftVersion, warnings: string[]): string[] {
  const a = new ArgList();
  const vllm = o.inferBackend === 'vllm';
  const limit = JSON.stringify({ image: o.imagesPerPrompt });
  if (version.major === 2) {
    if (info.kind === 'hub') throw new ConfigError(`ms-swift 2.x deploys a local checkpoint (--ckpt_dir): download ${info.model} first, or use --engine vllm`);
    a.add('ckpt_dir', info.model).add('host', o.host).add('port', o.port).add('served_model_name', o.servedModelName);
    if (o.inferBackend) a.add('infer_backend', o.inferBackend);
    // 2.x serves a LoRA checkpoint with vLLM or LMDeploy only merged: it asserts merge_lora
    // (v2.6.1 swift/llm/utils/argument.py lines 1526–1540; v2.4.2 lines 1519–1533) and then merges it itself.
    if (info.kind === 'adapter' && (o.inferBackend === 'vllm' || o.inferBackend === 'lmdeploy')) {
      a.add('merge_lora', true);
      warnings.push(`ms-swift 2.x serves a LoRA checkpoint with ${o.inferBackend} only merged: --merge_lora true writes ${info.model}-merged first`);
    }
    a.add('max_length', o.maxModelLen);
    if (vllm) a.add('max_model_len', o.maxModelLen).add('limit_mm_per_prompt', limit);
    return ['deploy', ...a.args];
  }
  if (info.baseModel) a.add('model', info.baseModel);
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
    // ms-swift reads the image settings of training from the same variables at inference (image-env.ts).
    if (info.image) Object.assign(env, imageEnv(info.image.rule));
    return { env, program: 'swift', args: swiftDeployArgs(info, o, o.version, warnings), warnings };
  }
  if (info.kind === 'adapter') {
    throw new ConfigError(`${info.model} is a LoRA checkpoint: merge it first (ocrdet merge ${dirname(info.model)}) or deploy it with --engine swift`);
  }
  // Serve with the image settings of training, or the model sees other pixels than it learnt on.
  const kwargs = info.image ? vllmProcessorKwargs(info.image.rule) : undefined;
  if (o.engine === 'vllm') {
    const a = new ArgList().add('host', o.host).add('port', o.port).add('served-model-name', o.servedModelName).add('trust-remote-code', []);
    a.add('max-model-len', o.maxModelLen).add('limit-mm-per-prompt', JSON.stringify({ image: o.imagesPerPrompt }));
    if (tensorParallel > 1) a.add('tensor-parallel-size', tensorParallel);
    if (kwargs) a.add('mm-processor-kwargs', JSON.stringify(kwargs));
    if (info.preset && familyOfPreset(info.preset).image.kind === 'tiles') {
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
export function detectCommandFor(baseUrl: string, modelId: string, dialect: string | undefined, prompts: PromptPair = {}, record?: string): string {
  const words = ['ocrdet', 'detect', 'photos/', '--backend', 'vlm', '--base-url', baseUrl, '--model', modelId];
  // The data record gives the dialect, the prompts and the image settings of training (detect --from).
  if (record) words.push('--from', record);
  else if (dialect) words.push('--dialect', dialect);
  if (prompts.prompt && !record) words.push('--prompt', prompts.prompt);
  if (prompts.system) words.push('--system', prompts.system);
  return words.map(shellQuote).join(' ');
}
