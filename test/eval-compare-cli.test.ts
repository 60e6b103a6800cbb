/**
 * `ocrdet eval` with several runs, on the real seed-test set (examples/seed-test: 50 images, 510 care quads,
 * 150 don't care). Runs the program in this process (runHere). The runs are made from the ground truth itself,
 * so what each must score follows from the data: `self` (every region as annotated), `drop-first` (the first
 * image predicted empty), `odd` (only every other care region of each image), `shifted` (every region moved
 * along its first edge by a quarter of it: IoU 0.6 for a rectangle, so matched at 0.5 and not at 0.7).
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Point, Sample } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { runHere } from './helpers/cli.js';
import { SEED_TEST } from './helpers/seed-test.js';

let dir: string;
let samples: Sample[];
const file = (name: string): string => path.join(dir, name);
const ocrdet = (...args: string[]) => runHere(args, dir);

function shift(points: Point[]): Point[] {
  const [dx, dy] = [(points[1][0] - points[0][0]) / 4, (points[1][1] - points[0][1]) / 4];
  return points.map(([x, y]) => [x + dx, y + dy]);
}

async function writeRun(name: string, regionsOf: (sample: Sample, index: number) => Array<{ points: Point[] }>): Promise<void> {
  const lines = samples.map((s, i) => JSON.stringify({ image: path.relative(SEED_TEST, s.image), regions: regionsOf(s, i) }));
  await writeFile(file(`${name}.jsonl`), `${lines.join('\n')}\n`);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ocrdet-compare-cli-'));
  samples = [];
  for await (const sample of readDataset(SEED_TEST, { probeImages: false })) samples.push(sample);
  const all = (s: Sample) => s.regions.map((r) => ({ points: r.points }));
  await writeRun('self', all);
  await writeRun('drop-first', (s, i) => (i === 0 ? [] : all(s)));
  await writeRun('odd', (s) => s.regions.filter((r) => !r.ignore).filter((_, k) => k % 2 === 0).map((r) => ({ points: r.points })));
  await writeRun('shifted', (s) => s.regions.map((r) => ({ points: shift(r.points) })));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

describe('ocrdet eval with several --pred', () => {
  it('scores each run as it scores alone, names it by its file, and gives each pair its difference', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('drop-first.jsonl'), '--pred', file('odd.jsonl'), '--json');
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.runs.map((run: { name: string }) => run.name)).toEqual(['self', 'drop-first', 'odd']);
    for (const run of out.runs) {
      const alone = json(await ocrdet('eval', '--gt', SEED_TEST, '--pred', run.pred, '--json'));
      expect(run).toMatchObject({ precision: alone.precision, recall: alone.recall, hmean: alone.hmean, matched: alone.matched, gtCare: alone.gtCare, detCare: alone.detCare });
    }
    expect(out.pairs.map((p: { a: string; b: string }) => `${p.a}/${p.b}`)).toEqual(['self/drop-first', 'self/odd', 'drop-first/odd']);
    for (const pair of out.pairs) {
      const hmean = (name: string) => out.runs.find((run: { name: string }) => run.name === name).hmean;
      expect(pair.hmeanDiff).toBeCloseTo(hmean(pair.a) - hmean(pair.b), 12);
      expect(pair.ci95[0]).toBeLessThanOrEqual(pair.hmeanDiff);
      expect(pair.ci95[1]).toBeGreaterThanOrEqual(pair.hmeanDiff);
    }
    expect(out.bootstrap).toEqual({ resamples: 1000, seed: 42, confidence: 0.95, method: 'percentile', order: 'image name' });
  });

  it('calls one image of 50 noise, and half the regions of every image a difference', async () => {
    const out = json(await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('drop-first.jsonl'), '--pred', file('odd.jsonl'), '--json'));
    const [dropFirst, odd] = out.pairs;
    // self and drop-first differ on one image only: a resample leaves it out with probability (49/50)^50 ≈ 36 %,
    // where the difference is exactly 0, so the interval starts at 0.
    expect(dropFirst.hmeanDiff).toBeGreaterThan(0);
    expect(dropFirst.ci95[0]).toBe(0);
    // odd finds about half the care regions of every image: self is better in every resample.
    expect(odd.ci95[0]).toBeGreaterThan(0);
    expect(odd.aBetterShare).toBe(1);
  });

  it('is deterministic, and --seed and --resamples change the draw', async () => {
    const args = ['eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('odd.jsonl'), '--json'];
    const [a, b, c] = await Promise.all([ocrdet(...args), ocrdet(...args), ocrdet(...args, '--seed', '7', '--resamples', '200')]);
    expect(json(a).pairs).toEqual(json(b).pairs);
    expect(json(c).pairs[0].ci95).not.toEqual(json(a).pairs[0].ci95);
    expect(json(c).bootstrap).toMatchObject({ resamples: 200, seed: 7 });
  });

  it('reports every threshold of --iou 0.5,0.7, each as a run alone scores it', async () => {
    const out = json(await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('shifted.jsonl'), '--iou', '0.5,0.7', '--json'));
    expect(out.iou).toEqual([0.5, 0.7]);
    expect(out.runs.map((run: { name: string; iou: number }) => `${run.name}@${run.iou}`)).toEqual(['self@0.5', 'shifted@0.5', 'self@0.7', 'shifted@0.7']);
    expect(out.pairs.map((p: { iou: number }) => p.iou)).toEqual([0.5, 0.7]);
    const shifted = out.runs.filter((run: { name: string }) => run.name === 'shifted');
    expect(shifted[0].matched).toBeGreaterThan(shifted[1].matched); // IoU ≈ 0.6: above 0.5, below 0.7
    for (const run of shifted) {
      const alone = json(await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('shifted.jsonl'), '--iou', String(run.iou), '--json'));
      expect(run).toMatchObject({ hmean: alone.hmean, matched: alone.matched, detCare: alone.detCare });
    }
  });

  it('prints one table of runs and the pairs with their intervals and a verdict', async () => {
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('odd.jsonl'), '--name', 'base', '--name', 'tuned', '--by', 'source');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^base\s+1\.0000\s+1\.0000\s+1\.0000\s+510\s+510\s+510\s+50$/m);
    expect(r.stdout).toMatch(/^\s+MSRA-TD500\s+1\.0000/m);
    expect(r.stdout).toMatch(/^tuned\s+1\.0000\s+0\.\d{4}\s+0\.\d{4}\s+\d+\s+510\s+\d+\s+50$/m);
    expect(r.stdout).toMatch(/95 % paired bootstrap interval over the 50 images \(1000 resamples, seed 42\)/);
    expect(r.stdout).toMatch(/^base\s+tuned\s+0\.5\s+1\.0000\s+0\.\d{4}\s+\+0\.\d{4}\s+\[\+0\.\d{4}, \+0\.\d{4}\]\s+base better$/m);
  });

  it('refuses names that do not fit: a count unlike --pred, or one name twice', async () => {
    const mismatch = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('odd.jsonl'), '--name', 'one');
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/1 --name for 2 --pred/);
    const twice = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('self.jsonl'));
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/two runs are named "self"/);
  });

  it('names --report once, as typed, when its folder cannot be made (a file stands in the way)', async () => {
    const blocker = file('not-a-folder');
    await writeFile(blocker, 'x');
    const result = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--report', path.join(blocker, 'report'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/ --report \S*not-a-folder\/report: /);
    expect(result.stderr).not.toMatch(/---report/);
  });

  it('tells apart two files of the same base name by their folders', async () => {
    await mkdir(file('other'), { recursive: true });
    await copyFile(file('odd.jsonl'), file('other/self.jsonl'));
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('other/self.jsonl'), '--json');
    expect(r.code).toBe(0);
    expect(json(r).runs.map((run: { name: string }) => run.name)).toEqual([`${path.basename(dir)}/self`, 'other/self']);
  });
});

describe('ocrdet eval --report', () => {
  it('writes errors.jsonl with exactly gtCare − matched misses and detCare − matched false alarms per run', async () => {
    const out = file('report-odd');
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('odd.jsonl'), '--pred', file('shifted.jsonl'), '--iou', '0.5,0.7', '--report', out, '--report-max-side', '0', '--json');
    expect(r.code).toBe(0);
    const result = json(r);
    const lines = (await readFile(path.join(out, 'errors.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    for (const run of result.runs) {
      const mine = lines.filter((l) => l.run === run.name && l.iou === run.iou);
      expect(mine.filter((l) => l.kind === 'miss')).toHaveLength(run.gtCare - run.matched);
      expect(mine.filter((l) => l.kind === 'false')).toHaveLength(run.detCare - run.matched);
    }
    // A miss names the ground truth's text and the best IoU any detection reached.
    const miss = lines.find((l) => l.kind === 'miss' && l.run === 'shifted' && l.iou === 0.7);
    expect(Object.keys(miss)).toEqual(['run', 'image', 'iou', 'kind', 'points', 'text', 'bestIou']);
    expect(miss.bestIou).toBeGreaterThan(0.5);
    expect(miss.bestIou).toBeLessThanOrEqual(0.7);
    expect(result.report).toMatchObject({ errorLines: lines.length, pictures: 0 });
    expect(r.stderr).toMatch(/report: .*index\.html/);
  });

  it('writes one small picture per image beside a page that fetches nothing from the network', async () => {
    const out = file('report-pictures');
    const r = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--report', out, '--report-max-side', '320', '--json');
    expect(r.code).toBe(0);
    // One run, one threshold: today's JSON, with the report's files added at the end.
    const result = json(r);
    expect(Object.keys(result).slice(0, 10)).toEqual(['precision', 'recall', 'hmean', 'matched', 'gtCare', 'detCare', 'images', 'protocol', 'iou', 'areaPrecision']);
    expect(Object.keys(result).at(-1)).toBe('report');
    expect((await readdir(path.join(out, 'images'))).filter((n) => n.endsWith('.jpg'))).toHaveLength(50);
    expect(result.report.bytes.pictures / 50).toBeLessThan(40_000);
    const html = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/\bfetch\(|XMLHttpRequest|import\(/);
  });

  it('leaves an earlier report whole when a later run stops (a --pred that does not exist)', async () => {
    const out = file('report-kept');
    expect((await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('odd.jsonl'), '--report', out, '--report-max-side', '64')).code).toBe(0);
    const before = await Promise.all(['index.html', 'errors.jsonl', 'images/00000.jpg'].map((name) => readFile(path.join(out, name))));
    const stopped = await ocrdet('eval', '--gt', SEED_TEST, '--pred', file('self.jsonl'), '--pred', file('nope.jsonl'), '--report', out);
    expect(stopped.code).toBe(2);
    const after = await Promise.all(['index.html', 'errors.jsonl', 'images/00000.jpg'].map((name) => readFile(path.join(out, name))));
    expect(after).toEqual(before);
    expect((await readdir(out)).sort()).toEqual(['errors.jsonl', 'images', 'index.html']);
  });
});
