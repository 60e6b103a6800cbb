/**
 * Where the team's shared data lives (../shared next to the checkout, as the brief lays it out). A fresh
 * clone elsewhere finds it through OCRDET_SHARED or the workplace's /work/shared. Tests that need the whole
 * seed-test set read it there (50 images, 8 MB: too big to copy; a few files are copied into fixtures).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const candidates = [
  process.env.OCRDET_SHARED,
  resolve(fileURLToPath(new URL('../../../shared', import.meta.url))),
  '/work/shared',
].filter((p): p is string => Boolean(p));

export const SHARED = candidates.find((p) => existsSync(join(p, 'data', 'seed-test'))) ?? candidates[0];
if (!existsSync(join(SHARED, 'data', 'seed-test'))) {
  throw new Error(`the shared data (seed-test) is not at ${candidates.join(' or ')}; set OCRDET_SHARED to the folder holding data/seed-test`);
}

export const SEED_TEST = join(SHARED, 'data', 'seed-test');
export const SEED_SCRIPTS = join(SHARED, 'data', 'seed-scripts');
