/**
 * Which ms-swift is installed, and what its version number means for the command line.
 *
 * ms-swift has no `swift --version` (swift/cli/main.py routes argv[0] to a sub-command at every tag we
 * read: v2.4.2, v3.0.0, v4.5.2), so the version is read from the Python package metadata of the
 * interpreter that runs `swift`: the console script's shebang names it. The distribution is "ms-swift".
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { ConfigError, EngineError } from '../core/errors.js';
import type { RecordedVersion } from './run-record.js';
import { findExecutable } from './which.js';

export interface SwiftVersion {
  major: number;
  minor: number;
  patch: number;
  /** As written ("3.12.6", "2.4.2.post2", "4.1.0.dev0"). */
  raw: string;
}

/** Parses "3", "3.12", "3.12.6", "v2.4.2.post1", "4.1.0.dev0"; throws ConfigError on anything else. */
export function parseSwiftVersion(text: string): SwiftVersion {
  const raw = text.trim().replace(/^v/i, '');
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[.+-]?[A-Za-z0-9.]*)?$/.exec(raw);
  if (!match) throw new ConfigError(`ms-swift version "${text}" is not a version number (expected e.g. 2.4.2, 3.12.6, 4)`);
  const major = Number(match[1]);
  if (major < 2 || major > 4) {
    throw new ConfigError(`ms-swift ${raw} is not supported: ocrdet builds command lines for ms-swift 2.x, 3.x and 4.x`);
  }
  return { major, minor: Number(match[2] ?? 0), patch: Number(match[3] ?? 0), raw };
}

/** True when `version` is at least major.minor.patch. */
export function atLeast(version: SwiftVersion, major: number, minor = 0, patch = 0): boolean {
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}

/** The version a bare major number stands for when the user writes `--swift-version 3`: the newest we read. */
export const NEWEST_READ = Object.freeze({ 2: '2.6.1', 3: '3.12.6', 4: '4.5.2' } as Record<number, string>);

/** `--swift-version 3` means the newest 3.x we checked the flags against; "3.4" means 3.4.0. */
export function resolveSwiftVersion(text: string): SwiftVersion {
  const trimmed = text.trim().replace(/^v/i, '');
  if (/^\d+$/.test(trimmed)) {
    const newest = NEWEST_READ[Number(trimmed)];
    if (newest) return parseSwiftVersion(newest);
  }
  return parseSwiftVersion(trimmed);
}

const METADATA_QUERY = "import importlib.metadata as m; print(m.version('ms-swift'))";

/** The interpreter named by a console script's shebang, when it is Python; undefined otherwise. */
export async function pythonOfScript(scriptPath: string): Promise<string[] | undefined> {
  let firstLine = '';
  try {
    const handle = await open(scriptPath, 'r');
    try {
      const buffer = Buffer.alloc(512);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      firstLine = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  if (!firstLine.startsWith('#!')) return undefined;
  const words = firstLine.slice(2).trim().split(/\s+/);
  const program = words.find((word, i) => i > 0 || !word.endsWith('/env')) ?? '';
  if (!/python[\d.]*$/.test(program)) return undefined;
  return words[0]?.endsWith('/env') ? words.slice(1) : words;
}

function runCapture(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ code: 127, stdout, stderr: String(error) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export interface DetectOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Reads the installed ms-swift version: finds `swift` on PATH, asks the Python of its shebang (or
 * `python3` on PATH) for the "ms-swift" package metadata. Throws EngineError when ms-swift is not
 * installed, saying how to choose a version by hand.
 */
export async function detectSwiftVersion(options: DetectOptions = {}): Promise<SwiftVersion> {
  const env = options.env ?? process.env;
  const hint = 'install ms-swift (pip install ms-swift) or pass --swift-version 2|3|4 to build the command anyway';
  const swiftPath = await findExecutable('swift', env);
  if (!swiftPath) throw new EngineError(`ms-swift is not installed: no "swift" on PATH; ${hint}`);
  const python = (await pythonOfScript(swiftPath)) ?? ['python3'];
  const [command, ...prefix] = python;
  const result = await runCapture(command ?? 'python3', [...prefix, '-c', METADATA_QUERY], env, options.timeoutMs ?? 20_000);
  const version = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !version) {
    const reason = result.stderr.trim().split('\n').pop() ?? `exit code ${result.code}`;
    throw new EngineError(`cannot read the ms-swift version from ${python.join(' ')} (${reason}); ${hint}`);
  }
  return parseSwiftVersion(version);
}

export interface ChosenVersion {
  version: SwiftVersion;
  /** How it was chosen, for a diagnostic line: "ms-swift 3.12.6 (installed)". */
  note: string;
}

/**
 * The version to build for: the flag or recipe when given, else the installed one. A dry run on a
 * machine without ms-swift builds for the version the run recorded (`recorded`, see run-record.ts), else
 * for the newest major we read (4.x), and says which and why; a real launch fails.
 */
export async function chooseSwiftVersion(
  requested: string | undefined,
  options: { dryRun: boolean; env?: NodeJS.ProcessEnv; recorded?: RecordedVersion },
): Promise<ChosenVersion> {
  if (requested) {
    const version = resolveSwiftVersion(requested);
    return { version, note: `ms-swift ${version.raw} (chosen with --swift-version)` };
  }
  try {
    const version = await detectSwiftVersion({ env: options.env });
    return { version, note: `ms-swift ${version.raw} (installed)` };
  } catch (error) {
    if (!options.dryRun) throw error;
    const { recorded } = options;
    const version = resolveSwiftVersion(recorded?.version ?? '4');
    const why = recorded ? recorded.why : 'the newest ms-swift ocrdet knows';
    return { version, note: `ms-swift is not installed here: built for ms-swift ${version.raw} (${why}); pass --swift-version 2|3|4 for another` };
  }
}
