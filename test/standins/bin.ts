/**
 * Puts the STAND-IN executables (swift, python3, nvidia-smi, vllm, lmdeploy) on a PATH for a test: one
 * small shell wrapper per name in a temporary directory, each exec-ing node on test/standins/<tool>.mjs.
 * They are not the real tools; see the header of each .mjs file for what each one does.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STANDINS_DIR = fileURLToPath(new URL('.', import.meta.url));
export const TRAIN_FIXTURES = fileURLToPath(new URL('../fixtures/train/', import.meta.url));
export const REFERENCE_RUN = join(TRAIN_FIXTURES, 'internvl2-8b/v0-20241005-082227');

const scratch: string[] = [];

/** A temporary directory that removeScratchDirs() deletes (call it from afterAll). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export function removeScratchDirs(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const TOOLS: Record<string, string> = { swift: 'swift.mjs', python3: 'python3.mjs', 'nvidia-smi': 'nvidia-smi.mjs', vllm: 'vllm.mjs' };

export interface StandinEnv {
  /** Directory holding the wrappers; first on PATH. */
  binDir: string;
  /** Where the stand-ins append what they were called with. */
  recordFile: string;
  env: NodeJS.ProcessEnv;
}

/** Wrappers for `tools` (default all) and an environment with them first on PATH. */
export function standinEnv(extra: NodeJS.ProcessEnv = {}, tools: string[] = Object.keys(TOOLS)): StandinEnv {
  const binDir = scratchDir('ocrdet-standins-');
  for (const tool of tools) {
    const path = join(binDir, tool);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${join(STANDINS_DIR, TOOLS[tool] as string)}" "$@"\n`);
    chmodSync(path, 0o755);
  }
  const recordFile = join(binDir, 'calls.jsonl');
  return {
    binDir,
    recordFile,
    env: {
      ...process.env,
      PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
      STANDIN_RECORD: recordFile,
      STANDIN_FIXTURES: TRAIN_FIXTURES,
      STANDIN_SWIFT_LOG: join(REFERENCE_RUN, 'logging.jsonl'),
      STANDIN_GPUS_CSV: join(TRAIN_FIXTURES, 'nvidia-smi/a800x8.csv'),
      ...extra,
    },
  };
}
