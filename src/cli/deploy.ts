/**
 * `ocrdet deploy MODEL` — serve a merged model (or a LoRA checkpoint, with swift) behind an
 * OpenAI-compatible API, wait until /v1/models answers, then print the base URL and the exact
 * `ocrdet detect --backend vlm …` command for it (with `--prompt` when the model was trained on another user
 * prompt than the dialect's default, `--system` when the engine leaves out the training system prompt).
 * Ctrl-C stops the server's whole process group.
 */
import { relative } from 'node:path';
import { z } from 'zod';
import { ServerError } from '../core/errors.js';
import { describeRule } from '../grounding/image-rules.js';
import type { SwiftVersion } from '../train/version.js';
import { defineCommand, type FlagsOf } from './command-spec.js';
import { numberIn, positiveInt, printJson, printLine, warn } from './output.js';
import { onInterrupt } from './signals.js';

/** The deploy command's own options (src/train/deploy.ts `DeployCommandOptions`), keyed as it names them. */
const ENGINE_FLAGS = {
  engine: { flags: '--engine <engine>', description: 'serving engine', choices: ['swift', 'vllm', 'lmdeploy'], default: 'swift', schema: z.enum(['swift', 'vllm', 'lmdeploy']) },
  host: { flags: '--host <address>', description: 'address to listen on', default: '0.0.0.0', schema: z.string() },
  port: { flags: '--port <port>', description: 'port', parse: numberIn('--port', 1, 65535), default: 8000, schema: z.number().int() },
  servedModelName: { flags: '--served-model-name <name>', description: 'model name clients ask for', default: 'ocrdet', schema: z.string() },
  maxModelLen: { flags: '--max-model-len <tokens>', description: 'context length (image tokens + prompt + answer)', parse: positiveInt('--max-model-len'), default: 8192, schema: z.number().int() },
  imagesPerPrompt: { flags: '--images-per-prompt <n>', description: 'images allowed in one request', parse: positiveInt('--images-per-prompt'), default: 1, schema: z.number().int() },
  inferBackend: { flags: '--infer-backend <backend>', description: "swift engine only: pt, vllm, lmdeploy or sglang (default: ms-swift's)", schema: z.string().optional() },
  gpus: { flags: '--gpus <list>', description: 'CUDA_VISIBLE_DEVICES for the server; more than one sets tensor parallelism (vllm, lmdeploy)', schema: z.string().optional() },
} as const;

const FLAGS = {
  ...ENGINE_FLAGS,
  dialect: { flags: '--dialect <name>', description: 'grounding dialect of the model (default: from the run that trained it)', schema: z.string().optional() },
  swiftVersion: { flags: '--swift-version <version>', description: 'build for this ms-swift (2, 3, 4 or x.y.z) instead of the installed one', schema: z.string().optional() },
  readyTimeout: { flags: '--ready-timeout <seconds>', description: 'how long to wait for the model to load', parse: positiveInt('--ready-timeout'), default: 1800, schema: z.number().int() },
  log: { flags: '--log <file>', description: "also copy the server's output to this file", schema: z.string().optional() },
  dryRun: { flags: '--dry-run', description: 'print the command, run nothing', schema: z.boolean().optional() },
  json: { flags: '--json', description: 'machine-readable output', schema: z.boolean().optional() },
  quiet: { flags: '-q, --quiet', description: 'no server output or diagnostics', schema: z.boolean().optional() },
} as const;

type DeployFlags = FlagsOf<typeof FLAGS>;

async function runDeployCommand(target: string, flags: DeployFlags): Promise<number> {
  const { resolveDeployModel, buildDeployCommand, baseUrlOf, detectCommandFor, clientSystemPrompt, clientUserPrompt } = await import('../train/deploy.js');
  const { formatMultiline } = await import('../train/shell.js');
  const info = await resolveDeployModel(target, flags.dialect);
  let version: SwiftVersion | undefined;
  if (flags.engine === 'swift') {
    const { chooseSwiftVersion } = await import('../train/version.js');
    const chosen = await chooseSwiftVersion(flags.swiftVersion, { dryRun: Boolean(flags.dryRun), recorded: info.recordedSwiftVersion });
    version = chosen.version;
    if (!flags.quiet) warn(chosen.note);
  }
  const command = buildDeployCommand(info, { ...flags, version });
  for (const w of command.warnings) warn(`warning: ${w}`);
  // A hub id of no family ocrdet knows is as likely a mistyped local path (runs/nope) as a model to download.
  if (info.kind === 'hub' && !info.preset) warn(`warning: ${info.model} is not a local directory and not a model family ocrdet knows; it is passed on as a hub model id`);
  if (!info.dialect) warn('warning: the model\'s dialect is unknown; pass --dialect to get a complete detect command');
  const system = clientSystemPrompt(info, flags.engine);
  // A system prompt the record carries is sent by detect --from itself.
  const systemToPrint = system && !(info.record && system.source === 'data') ? system : undefined;
  if (systemToPrint && !flags.quiet) warn(`--system in the detect command: the system prompt the model was trained with (from ${systemToPrint.where}), which ${flags.engine} does not send`);
  const prompt = clientUserPrompt(info);
  if (info.record && !flags.quiet) warn(`--from in the detect command: ${info.record.path} gives the dialect, prompts and image settings the model was trained with`);
  else if (prompt && !flags.quiet) warn(`--prompt in the detect command: the user prompt the model was trained with (from ${prompt.where}), not the dialect's default`);
  if (info.image && !flags.quiet) warn(`images as in training: ${describeRule(info.image.rule)} (from ${info.image.where})`);
  const baseUrl = baseUrlOf(flags.host, flags.port);
  // The record as the user can name it from here (copy it beside the photos to detect from another machine).
  const recordPath = info.record ? (relative(process.cwd(), info.record.path).startsWith('..') ? info.record.path : relative(process.cwd(), info.record.path)) : undefined;
  const detect = (modelId: string) => detectCommandFor(baseUrl, modelId, info.dialect, { prompt: prompt?.text, system: systemToPrint?.text }, recordPath);
  if (flags.dryRun) {
    if (flags.json) {
      printJson({ env: command.env, program: command.program, args: command.args, baseUrl, detect: detect(flags.servedModelName), prompt: prompt?.text, system: system?.text });
      return 0;
    }
    printLine(formatMultiline(command));
    if (!flags.quiet) warn(`once it answers: ${detect(flags.servedModelName)}`);
    return 0;
  }
  const { runDeploy } = await import('../train/deploy-run.js');
  let stop: (() => void) | undefined;
  let stopRequested = false;
  const restore = onInterrupt((count) => {
    if (!flags.quiet) warn(count === 1 ? `stopping ${command.program}…` : `stopping ${command.program} harder…`);
    stopRequested = true;
    stop?.();
  });
  try {
    const result = await runDeploy({
      command,
      baseUrl,
      logPath: flags.log,
      readyTimeoutMs: flags.readyTimeout * 1000,
      onStart: (running) => {
        stop = running.stop;
        if (stopRequested) stop();
        if (!flags.quiet) warn(`started ${command.program} (process group ${running.pid}); waiting for ${baseUrl}/models`);
      },
      onOutput: (text) => !flags.quiet && process.stderr.write(text),
      onReady: (modelId) => {
        if (flags.json) printJson({ baseUrl, model: modelId, dialect: info.dialect, prompt: prompt?.text, system: system?.text, detect: detect(modelId) });
        else {
          printLine(`serving ${modelId} at ${baseUrl} (from other machines: http://<this host>:${flags.port}/v1)`);
          printLine(detect(modelId));
        }
      },
    });
    if (result.timedOut) throw new ServerError(`${command.program} did not answer ${baseUrl}/models within ${flags.readyTimeout} s; stopped it`);
    if (result.stopped) {
      if (!flags.quiet) warn(`${command.program} stopped${result.ready ? '' : ' before it answered'}`);
      return 0; // Ctrl-C is the normal way to end a server: exit 0.
    }
    if (result.exitCode !== 0 || !result.ready) {
      warn(`${command.program} exited ${result.ready ? '' : 'before it answered '}with exit code ${result.exitCode}`);
      if (result.failure) warn(`error: ${result.failure.message}${result.failure.hint ? `\nhint: ${result.failure.hint}` : ''}`);
      return result.exitCode || 1;
    }
    return 0;
  } finally {
    restore();
  }
}

export const spec = defineCommand({
  name: 'deploy',
  description: 'serve a merged model behind an OpenAI-compatible API (swift deploy, vLLM, LMDeploy) and print the detect command',
  arguments: { model: { name: '<model>', description: 'merged model directory (e.g. runs/ocr/merged), a LoRA checkpoint (swift only), or a hub id', schema: z.string() } },
  flags: FLAGS,
  run: ({ args, flags }) => runDeployCommand(args.model, flags),
});
