/**
 * What a command run in-process writes to stdout and stderr, captured (nothing reaches the terminal) until
 * vi.restoreAllMocks(). Also clears process.exitCode, which commands set.
 */
import { vi } from 'vitest';

export interface CapturedStreams {
  readonly stdout: string;
  readonly stderr: string;
}

export function captureStreams(): CapturedStreams {
  const captured = { stdout: '', stderr: '' };
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((captured.stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((captured.stderr += String(chunk)), true));
  return captured;
}
