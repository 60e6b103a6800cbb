/**
 * Runs a serving command until it is stopped: start it in its own process group, poll
 * `GET /v1/models` until the server answers (model loading takes minutes), report the served model,
 * then wait. A server that exits before it is ready ends the run with its exit code and last error.
 * The polling goes through the one client that talks to model servers (src/detectors/vlm/client.ts).
 */
import { startProcess, type ProcessResult, type RunningProcess } from './process.js';
import type { ExternalCommand } from './shell.js';

export interface DeployRunOptions {
  command: ExternalCommand;
  baseUrl: string;
  cwd?: string;
  baseEnv?: NodeJS.ProcessEnv;
  logPath?: string;
  onStart?: (process: RunningProcess) => void;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** The server answered /v1/models; `modelId` is the first model it lists. */
  onReady?: (modelId: string) => void;
  /** Give up waiting (and stop the server) after this long. Default 30 min. */
  readyTimeoutMs?: number;
  pollMs?: number;
  stopGraceMs?: number;
}

export interface DeployRunResult extends ProcessResult {
  ready: boolean;
  modelId?: string;
  /** The server did not answer within readyTimeoutMs and was stopped. */
  timedOut: boolean;
}

export async function runDeploy(options: DeployRunOptions): Promise<DeployRunResult> {
  const running = await startProcess({
    command: options.command,
    cwd: options.cwd,
    baseEnv: options.baseEnv,
    logPath: options.logPath,
    onOutput: options.onOutput,
    stopGraceMs: options.stopGraceMs,
  });
  options.onStart?.(running);
  let ended: ProcessResult | undefined;
  void running.done.then((r) => (ended = r));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30 * 60_000);
  const pollMs = options.pollMs ?? 1_000;
  let modelId: string | undefined;
  let timedOut = false;
  // Loaded here, not at import: the library entry must not load the OpenAI SDK until a server is asked.
  const { ModelClient } = await import('../detectors/vlm/client.js');
  const client = new ModelClient({ baseUrl: options.baseUrl });
  while (!ended && !modelId) {
    modelId = await client.firstModelId(Math.min(2_000, pollMs * 2)).catch(() => undefined);
    if (modelId || ended) break;
    if (Date.now() > deadline) {
      timedOut = true;
      running.stop();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  if (modelId && !ended) options.onReady?.(modelId);
  const result = await running.done;
  return { ...result, ready: modelId !== undefined, ...(modelId ? { modelId } : {}), timedOut };
}
