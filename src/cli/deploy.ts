/**
 * `ocrdet deploy MODEL` — serve a merged model (or a LoRA checkpoint, with swift) behind an
 * OpenAI-compatible API, wait until /v1/models answers, then print the base URL and the exact
 * `ocrdet detect --backend vlm …` command for it (with `--prompt` when the model was trained on another user
 * prompt than the dialect's default, `--system` when the engine leaves out the training system prompt).
 * Ctrl-C stops the server's whole process group.
 */
import { relative } from 'node:path';
import { Command, Option } from 'commander';
import { ServerError } from '../core/errors.js';
import { describeRule } from '../grounding/image-rules.js';
import type { DeployCommandOptions } from '../train/deploy.js';
import type { SwiftVersion } from '../train/version.js';
import { numberIn, positiveInt, printJson, printLine, warn } from './output.js';
import { onInterrupt } from './signals.js';

/** The flags: the deploy command's own options (src/train/deploy.ts) plus what only the CLI needs. */
interface DeployFlags extends Omit<DeployCommandOptions, 'version'> {
  dialect?: string;
  swiftVersion?: string;
  readyTimeout: number;
  log?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
}

async function runDeployCommand(target: string, flags: DeployFlags): Promise<void> {
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
      return printJson({ env: command.env, program: command.program, args: command.args, baseUrl, detect: detect(flags.servedModelName), prompt: prompt?.text, system: system?.text });
    }
    printLine(formatMultiline(command));
    if (!flags.quiet) warn(`once it answers: ${detect(flags.servedModelName)}`);
    return;
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
      return; // Ctrl-C is the normal way to end a server: exit 0.
    }
    if (result.exitCode !== 0 || !result.ready) {
      warn(`${command.program} exited ${result.ready ? '' : 'before it answered '}with exit code ${result.exitCode}`);
      if (result.failure) warn(`error: ${result.failure.message}${result.failure.hint ? `\nhint: ${result.failure.hint}` : ''}`);
      process.exitCode = result.exitCode || 1;
    }
  } finally {
    restore();
  }
}

export function createCommand(): Command {
  return new Command('deploy')
    .description('serve a merged model behind an OpenAI-compatible API (swift deploy, vLLM, LMDeploy) and print the detect command')
    .argument('<model>', 'merged model directory (e.g. runs/ocr/merged), a LoRA checkpoint (swift only), or a hub id')
    .addOption(new Option('--engine <engine>', 'serving engine').choices(['swift', 'vllm', 'lmdeploy']).default('swift'))
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port', numberIn('--port', 1, 65535), 8000)
    .option('--served-model-name <name>', 'model name clients ask for', 'ocrdet')
    .option('--max-model-len <tokens>', 'context length (image tokens + prompt + answer)', positiveInt('--max-model-len'), 8192)
    .option('--images-per-prompt <n>', 'images allowed in one request', positiveInt('--images-per-prompt'), 1)
    .option('--infer-backend <backend>', 'swift engine only: pt, vllm, lmdeploy or sglang (default: ms-swift\'s)')
    .option('--gpus <list>', 'CUDA_VISIBLE_DEVICES for the server; more than one sets tensor parallelism (vllm, lmdeploy)')
    .option('--dialect <name>', 'grounding dialect of the model (default: from the run that trained it)')
    .option('--swift-version <version>', 'build for this ms-swift (2, 3, 4 or x.y.z) instead of the installed one')
    .option('--ready-timeout <seconds>', 'how long to wait for the model to load', positiveInt('--ready-timeout'), 1800)
    .option('--log <file>', 'also copy the server\'s output to this file')
    .option('--dry-run', 'print the command, run nothing')
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'no server output or diagnostics')
    .action((target: string, flags: DeployFlags) => runDeployCommand(target, flags));
}
