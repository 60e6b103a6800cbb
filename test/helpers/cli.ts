/**
 * Running the real `ocrdet` executable (bin/ocrdet.js → dist/) from tests. The CLI runs from dist/, so a
 * test first checks that dist/ is not older than the sources it exercises (`npm test` builds first; after
 * editing, run `npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO, 'bin', 'ocrdet.js');

/** Throws when dist/ is missing or older than any of `sources` (paths under src/, without extension). */
export function assertBuilt(sources: readonly string[]): void {
  for (const source of sources) {
    const src = join(REPO, 'src', `${source}.ts`);
    const dist = join(REPO, 'dist', `${source}.js`);
    if (!existsSync(dist) || statSync(dist).mtimeMs < statSync(src).mtimeMs) {
      throw new Error(`dist/${source}.js is missing or older than src/${source}.ts: run \`npm run build\` first`);
    }
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: readonly string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  const child = spawnCli(args, cwd);
  return finished(child);
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Where and with what environment an in-process run happens (both restored after it). */
export interface InProcessOptions {
  /** The working directory during the run. */
  cwd?: string;
  /** Variables set during the run (undefined: unset). */
  env?: Record<string, string | undefined>;
}

/**
 * Runs the program in this process through its real `run` (parseCli, then the command's run: exit code,
 * stdout and stderr as a user sees them), with the two streams captured, the working directory and the
 * environment changed for the call only. No build needed: it runs the sources. For what needs a process of
 * its own (signals, kill -9, the executable itself), use runCli.
 */
export function runInProcess(argv: readonly string[], options: InProcessOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  // The streams, the working directory and the environment are the process's own: runs given at once take turns.
  const result = queue.then(() => runNow(argv, options));
  queue = result.catch(() => undefined);
  return result;
}

let queue: Promise<unknown> = Promise.resolve();

async function runNow(argv: readonly string[], options: InProcessOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  const { vi } = await import('vitest');
  const { run } = await import('../../src/cli/program.js');
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const cwd = process.cwd();
  const saved = Object.fromEntries(Object.keys(options.env ?? {}).map((key) => [key, process.env[key]]));
  const setEnv = (env: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  try {
    if (options.cwd) process.chdir(options.cwd);
    setEnv(options.env ?? {});
    const code = await run(argv);
    return { code, stdout, stderr };
  } finally {
    setEnv(saved);
    process.chdir(cwd);
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/** runCli's signature, in this process: `args` run with `cwd` as the working directory (runInProcess). */
export function runHere(args: readonly string[], cwd: string, env?: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return runInProcess(args, { cwd, ...(env ? { env } : {}) });
}
