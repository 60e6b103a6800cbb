/**
 * Helpers for the dataset reader tests: where the real fixtures are (sources in test/fixtures/README.md,
 * "datasets"), reading a whole dataset with its problems, and temporary datasets written by a test.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sample } from '../../src/core/types.js';
import { readDataset, type DatasetProblem, type ReadDatasetOptions } from '../../src/datasets/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));
export { SEED_TEST } from './seed-test.js';

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export interface ReadAll {
  samples: Sample[];
  problems: DatasetProblem[];
}

/** Reads a dataset to the end; samples sorted by image path (readers yield in file-system order). */
export async function readAll(path: string, options: Omit<ReadDatasetOptions, 'onProblem'> = {}): Promise<ReadAll> {
  const problems: DatasetProblem[] = [];
  const samples: Sample[] = [];
  for await (const sample of readDataset(path, { ...options, onProblem: (p) => problems.push(p) })) samples.push(sample);
  samples.sort((a, b) => a.image.localeCompare(b.image));
  return { samples, problems };
}

/** The sample whose image file name is `name`. */
export function sampleNamed(samples: Sample[], name: string): Sample {
  const found = samples.find((s) => s.image.endsWith(`/${name}`));
  if (!found) throw new Error(`no sample for ${name} among ${samples.map((s) => s.image).join(', ')}`);
  return found;
}

/** A fresh temporary folder holding the given files (paths relative to it; folders are created). */
export function tempDataset(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'ocrdet-datasets-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return root;
}
