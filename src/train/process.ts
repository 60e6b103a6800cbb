/**
 * Running an external engine (ms-swift, vLLM, LMDeploy) as a child in its own process group, the way
 * a terminal would: the group gets Ctrl-C (torchrun and its ranks with it), its output is teed to a log
 * file, its exit code is kept, and the last meaningful error is pulled out of its output.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { constants } from 'node:os';
import { EngineError } from '../core/errors.js';
import { extractFailure, LineRing, type Failure } from './failure.js';
import { formatOneLine, type ExternalCommand } from './shell.js';

export interface StartOptions {
  command: ExternalCommand;
  cwd?: string;
  /** Environment the command's own variables are added to. Default: process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  /** File the child's stdout and stderr are copied to (truncated first). */
  logPath?: string;
  /** Every chunk of output, as it arrives. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Wait this long after each stop stage before the next (SIGINT → SIGTERM → SIGKILL). Default 15 s. */
  stopGraceMs?: number;
}

export interface ProcessResult {
  /** The child's exit code, or 128 + signal number when a signal ended it (as shells report it). */
  exitCode: number;
  signal?: NodeJS.Signals;
  /** True when stop() was called before it ended. */
  stopped: boolean;
  failure?: Failure;
}

export interface RunningProcess {
  readonly pid: number;
  readonly done: Promise<ProcessResult>;
  /** Stops the whole group: SIGINT first, escalating on later calls or after the grace period. */
  stop(): void;
  /** The last lines of output. */
  tail(): string[];
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];

/** Starts the command detached (a new process group led by the child); throws EngineError if it cannot start. */
export async function startProcess(options: StartOptions): Promise<RunningProcess> {
  const { command } = options;
  const log = options.logPath ? createWriteStream(options.logPath, { flags: 'w' }) : undefined;
  log?.write(`# ocrdet ran: ${formatOneLine(command)}\n`);
  const ring = new LineRing();
  const child = spawn(command.program, command.args, {
    cwd: options.cwd,
    env: { ...(options.baseEnv ?? process.env), ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) => {
      log?.end();
      const why = error.code === 'ENOENT' ? `"${command.program}" is not installed (not found on PATH)` : error.message;
      reject(new EngineError(`cannot start ${command.program}: ${why}`, { cause: error }));
    });
  });
  const pid = child.pid as number;
  let stopStage = 0;
  let exited = false;
  let escalation: NodeJS.Timeout | undefined;
  const graceMs = options.stopGraceMs ?? 15_000;

  const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    log?.write(chunk);
    ring.push(text);
    options.onOutput?.(text, stream);
  };
  child.stdout?.on('data', forward('stdout'));
  child.stderr?.on('data', forward('stderr'));

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const stop = () => {
    if (exited || stopStage >= STOP_SIGNALS.length) return;
    signalGroup(STOP_SIGNALS[stopStage++] as NodeJS.Signals);
    clearTimeout(escalation);
    if (stopStage < STOP_SIGNALS.length) escalation = setTimeout(stop, graceMs);
  };

  // A grandchild that outlives the child can hold its output pipes open; 'close' would never come.
  child.once('exit', () => {
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, 5_000).unref();
  });
  const done = new Promise<ProcessResult>((resolve) => {
    child.once('close', (code, signal) => {
      exited = true;
      clearTimeout(escalation);
      const finish = () => {
        const signalNumber = signal ? (constants.signals as Record<string, number>)[signal] ?? 1 : 0;
        const exitCode = code ?? 128 + signalNumber;
        const failure = exitCode === 0 ? undefined : extractFailure(ring.snapshot());
        resolve({ exitCode, stopped: stopStage > 0, ...(signal ? { signal } : {}), ...(failure ? { failure } : {}) });
      };
      if (log) log.end(finish);
      else finish();
    });
  });
  return { pid, done, stop, tail: () => ring.snapshot() };
}
