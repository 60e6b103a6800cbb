/**
 * Helpers for the converter tests: temporary output folders, reading JSONL back, seed-test's ground truth,
 * and matching decoded answers against it within one unit of a dialect's grid.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sample } from '../../src/core/types.js';
import { readDataset } from '../../src/datasets/index.js';
import { missingRegions, unitPx } from './grounding.js';
import { SEED_SCRIPTS, SEED_TEST } from './seed-test.js';

export { SEED_TEST };
export const HEAD3 = join(SEED_SCRIPTS, 'ocr_det_test_dataset.head3.jsonl');

export function tempOut(label = 'convert'): string {
  return mkdtempSync(join(tmpdir(), `ocrdet-${label}-`));
}

export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/** seed-test's samples by absolute image path (read once per test file). */
export async function seedTestByImage(): Promise<Map<string, Sample>> {
  const byImage = new Map<string, Sample>();
  for await (const sample of readDataset(SEED_TEST, { format: 'voc-quad', probeImages: false })) byImage.set(sample.image, sample);
  return byImage;
}

/** The assistant answer of an ms-swift 3.x row. */
export function assistantOf(row: { messages: { role: string; content: string }[] }): string {
  return row.messages.find((m) => m.role === 'assistant')!.content;
}

export { missingRegions, unitPx };

