/**
 * `ocrdet detect --backend vlm --snap` and `ocrdet reparse --snap` as a user runs them (the program in this
 * process, runHere), against a PROTOCOL DOUBLE of an OpenAI-compatible server (test/helpers/truth-double.js)
 * that answers three seed-test photos' ground-truth boxes in InternVL2's dialect.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region, Sample } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { getDialect } from '../src/grounding/index.js';
import { runHere } from './helpers/cli.js';
import { SEED_TEST } from './helpers/seed-test.js';
import { answerText, exactBoxes } from './helpers/truth-answers.js';
import { startTruthDouble, type TruthDouble } from './helpers/truth-double.js';

/** Three MSRA-TD500 photos with slanted lines. */
const PHOTOS = ['MSRA_TD500_IMG_0476.jpg', 'MSRA_TD500_IMG_0687.jpg', 'MSRA_TD500_IMG_1730.jpg'];

let work: string;
let server: TruthDouble;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ocrdet-snap-cli-'));
  mkdirSync(join(work, 'photos'));
  const samples = new Map<string, Sample>();
  for await (const sample of readDataset(SEED_TEST)) if (PHOTOS.includes(basename(sample.image))) samples.set(sample.image, sample);
  for (const image of samples.keys()) copyFileSync(image, join(work, 'photos', basename(image)));
  server = await startTruthDouble({
    images: [...samples.keys()].map((image) => ({ key: image, image })),
    answer: (key, request) => answerText(getDialect('internvl2'), exactBoxes(samples.get(key)!), samples.get(key)!, { width: request.image!.width!, height: request.image!.height! }),
  });
});
afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The program in this process (runHere), from the work folder. */
const run = (args: readonly string[]) => runHere(args, work);

type Line = { image: string; regions: (Region & { snapped?: boolean; agreement?: number })[]; agreement?: number; timings: Record<string, number> };
const lines = (file: string): Line[] => readFileSync(join(work, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
const vlm = () => ['--backend', 'vlm', '--base-url', server.url, '--dialect', 'internvl2', '--save-raw', '--quiet'];

describe('ocrdet detect --backend vlm --snap / ocrdet reparse --snap', () => {
  it('detect --snap writes quads where the det model finds the text, with snapped, agreement and the det pass timed', async () => {
    const result = await run(['detect', 'photos', ...vlm(), '--snap', '--out', 'snap.jsonl']);
    expect(result.code).toBe(0);
    const detections = lines('snap.jsonl');
    expect(detections.map((d) => basename(d.image))).toEqual(PHOTOS);
    const regions = detections.flatMap((d) => d.regions);
    const snapped = regions.filter((r) => r.snapped);
    expect(snapped.length).toBeGreaterThan(0);
    // A snapped region is a slanted quad, not its box; a region left as it was is its box.
    expect(snapped.some((r) => new Set(r.points.map((p) => p[1])).size > 2)).toBe(true);
    for (const r of regions.filter((x) => x.snapped === false)) expect(new Set(r.points.map((p) => p[1])).size).toBeLessThanOrEqual(2);
    for (const d of detections) {
      expect(d.agreement).toBeGreaterThanOrEqual(0);
      expect(d.agreement).toBeLessThanOrEqual(1);
      expect(d.timings.textMap).toBeGreaterThan(0);
      for (const r of d.regions) expect(typeof r.agreement).toBe('number');
    }
  }, 60_000);

  it('reparse --snap of a run made without it gives what detect --snap gave', async () => {
    const plain = await run(['detect', 'photos', ...vlm(), '--out', 'plain.jsonl']);
    expect(plain.code).toBe(0);
    expect(lines('plain.jsonl').flatMap((d) => d.regions).some((r) => 'snapped' in r || 'agreement' in r)).toBe(false);
    const reparsed = await run(['reparse', 'plain.jsonl', '--snap', '--out', 'resnapped.jsonl']);
    expect(reparsed.code).toBe(0);
    expect(reparsed.stderr).toMatch(/^reparse: 3 of 3 lines re-parsed, \d+ regions snapped, 0 error lines kept, 0 problems$/m);
    const geometry = (file: string) => lines(file).map((d) => ({ agreement: d.agreement, regions: d.regions.map(({ points, snapped, agreement }) => ({ points, snapped, agreement })) }));
    expect(geometry('resnapped.jsonl')).toEqual(geometry('snap.jsonl'));
  }, 60_000);

  it('reparse --snap re-parses a line whose image is gone without the det model, and says so (exit 1)', async () => {
    rmSync(join(work, 'photos', PHOTOS[1]));
    const result = await run(['reparse', 'plain.jsonl', '--agreement', '--out', 'partial.jsonl']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`plain\\.jsonl:2: photos/${PHOTOS[1].replace('.', '\\.')}: .*; regions re-parsed without the det model \\(not scored\\)`));
    const [first, second] = lines('partial.jsonl');
    expect(first.agreement).toBeGreaterThanOrEqual(0);
    expect(second.agreement).toBeUndefined();
    expect(second.regions.length).toBeGreaterThan(0);
  }, 60_000);
});
