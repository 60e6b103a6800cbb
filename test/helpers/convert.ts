/**
 * Helpers for the converter tests: temporary output folders, reading JSONL back, seed-test's ground truth,
 * and matching decoded answers against it within one unit of a dialect's grid.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipPoints, orderClockwise } from '../../src/core/geometry.js';
import type { Region, Sample } from '../../src/core/types.js';
import { readDataset } from '../../src/datasets/index.js';
import type { GroundingDialect } from '../../src/grounding/index.js';

import { PIXEL_ROUNDING, label, quadError, unitPx } from './grounding.js';
import { SEED_SCRIPTS, SEED_TEST } from './shared.js';

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

export { unitPx };

/**
 * The care regions of `truth` that no decoded region gives back (same label; each coordinate within one
 * grid unit of the region clipped to the image). Empty when the answer holds every care region.
 */
export function missingRegions(truth: Sample, decoded: readonly Region[], dialect: GroundingDialect): Region[] {
  const size = { width: truth.width, height: truth.height };
  const [ux, uy] = unitPx(dialect, size);
  const unmatched = [...decoded];
  const missing: Region[] = [];
  for (const original of truth.regions.filter((r) => !r.ignore)) {
    const clipped = orderClockwise(clipPoints(original.points, size));
    const xs = clipped.map((p) => p[0]);
    const ys = clipped.map((p) => p[1]);
    const bounds = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const index = unmatched.findIndex((found) => {
      if ((found.text ?? '') !== label(original)) return false;
      if (dialect.keepsQuads) {
        const [dx, dy] = quadError(found.points, clipped);
        return dx <= ux + PIXEL_ROUNDING && dy <= uy + PIXEL_ROUNDING;
      }
      return found.box.every((v, i) => Math.abs(v - bounds[i]) <= (i % 2 === 0 ? ux : uy) + PIXEL_ROUNDING);
    });
    if (index < 0) missing.push(original);
    else unmatched.splice(index, 1);
  }
  return missing;
}
