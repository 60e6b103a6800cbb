/**
 * Plots of the REAL reference log (test/fixtures/train/…/logging.jsonl), rendered headless with
 * Vega-Lite → Vega → SVG, and to PNG through src/image/render.ts. What a person checks when looking at
 * them — titles, axis titles, legend, tick labels, the curves' extent — is checked in the SVG text, and
 * each line's vertices against the log's points (x and y on linear scales); the PNG is the SVG at twice
 * its size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { svgToPng } from '../src/image/render.js';
import { parseLogText } from '../src/train/logging.js';
import { writeRunPlots } from '../src/train/plots.js';
import { REFERENCE_RUN, removeScratchDirs, scratchDir } from './standins/bin.js';

afterAll(removeScratchDirs);

const { events } = parseLogText(readFileSync(join(REFERENCE_RUN, 'logging.jsonl'), 'utf8'));

/** Width and height from a PNG's IHDR chunk (bytes 16–23). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const match = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
  return { width: Number(match?.[1]), height: Number(match?.[2]) };
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('plots of the reference run', () => {
  const dir = scratchDir('ocrdet-plots-');
  const written = writeRunPlots(events, dir, { subtitle: 'v0-20241005-082227' });

  it('writes loss, accuracy, learning rate and memory, as SVG and PNG', async () => {
    expect((await written).map((p) => p.slice(dir.length + 1))).toEqual([
      'loss.svg', 'loss.png', 'accuracy.svg', 'accuracy.png', 'learning-rate.svg', 'learning-rate.png', 'memory.svg', 'memory.png',
    ]);
  });

  it('each has its title, the run as subtitle, and axis titles with units', async () => {
    await written;
    const expected: Record<string, string[]> = {
      loss: ['Loss', 'loss'],
      accuracy: ['Token accuracy', 'accuracy'],
      'learning-rate': ['Learning rate', 'learning rate'],
      memory: ['GPU memory (peak reserved, rank 0)', 'GiB'],
    };
    for (const [name, [title, axis]] of Object.entries(expected)) {
      const labels = texts(readFileSync(join(dir, `${name}.svg`), 'utf8'));
      expect(labels).toEqual(expect.arrayContaining([title, 'v0-20241005-082227', 'step', axis]));
    }
  });

  it('train and eval are told apart where both exist; the ticks cover the run (steps 0–700, 55%–95%, up to 1.0e-4, 44–68 GiB)', async () => {
    await written;
    const loss = texts(readFileSync(join(dir, 'loss.svg'), 'utf8'));
    expect(loss).toEqual(expect.arrayContaining(['train', 'eval', '0', '700', '4.5']));
    expect(texts(readFileSync(join(dir, 'accuracy.svg'), 'utf8'))).toEqual(expect.arrayContaining(['55%', '95%', 'eval']));
    const lr = texts(readFileSync(join(dir, 'learning-rate.svg'), 'utf8'));
    expect(lr).toEqual(expect.arrayContaining(['1.0e-4', '0.0e+0']));
    expect(lr).not.toContain('eval'); // one series: no legend
    expect(texts(readFileSync(join(dir, 'memory.svg'), 'utf8'))).toEqual(expect.arrayContaining(['44', '68']));
  });

  it('the eval dot at the last step is drawn whole inside the plot frame (the step axis has room at its ends)', async () => {
    await written;
    for (const name of ['loss', 'accuracy']) {
      const svg = readFileSync(join(dir, `${name}.svg`), 'utf8');
      // The frame is the 640 px wide view (`M0.5,0.5h640v300…`); the dot a circle path `M<r>,0A…` translated to its centre.
      const frameWidth = Number(/class="background"[^>]*d="M0\.5,0\.5h([\d.]+)v/.exec(svg)?.[1]);
      const dot = /aria-label="step: 740; [^"]*series: eval"[^>]*transform="translate\(([\d.]+),[\d.]+\)" d="M([\d.]+),0A/.exec(svg);
      expect(frameWidth).toBe(640);
      const [centreX, radius] = [Number(dot?.[1]), Number(dot?.[2])];
      expect(radius).toBeCloseTo(Math.sqrt(90) / 2, 3); // mark size 90: vega's circle fills a √90 px square, r ≈ 4.743 px
      expect(centreX + radius).toBeLessThanOrEqual(frameWidth);
    }
  });

  it('the lines are the log: one vertex per logged step, x and y linear in the step and the value', async () => {
    await written;
    const trainPoints = events.filter((e) => e.kind === 'train');
    for (const [name, valueOf] of [['loss', (e: (typeof trainPoints)[number]) => e.loss], ['accuracy', (e: (typeof trainPoints)[number]) => e.accuracy]] as const) {
      const svg = readFileSync(join(dir, `${name}.svg`), 'utf8');
      const line = /aria-roledescription="line mark" d="M([^"]+)"/.exec(svg)?.[1] ?? '';
      const vertices = line.split('L').map((pair) => pair.split(',').map(Number) as [number, number]);
      const logged = trainPoints.filter((e) => valueOf(e) !== undefined);
      expect(vertices).toHaveLength(logged.length); // 149 lines of the log: step 1, then every 5 steps to 740
      // x: the step on [0, 740] over the 640 px frame less 8 px at each end.
      logged.forEach((e, i) => expect(vertices[i][0]).toBeCloseTo(8 + (e.step / 740) * 624, 2));
      // y: linear in the value; the scale is read from the first vertex and the one farthest from it in value, and
      // every other vertex must fall on it.
      const first = 0;
      const far = (i: number) => Math.abs(valueOf(logged[i])! - valueOf(logged[first])!);
      const other = logged.reduce((best, _e, i) => (far(i) > far(best) ? i : best), 0);
      const slope = (vertices[other][1] - vertices[first][1]) / (valueOf(logged[other])! - valueOf(logged[first])!);
      expect(slope).toBeLessThan(0); // larger values are drawn higher
      logged.forEach((e, i) => expect(vertices[i][1]).toBeCloseTo(vertices[first][1] + slope * (valueOf(e)! - valueOf(logged[first])!), 1));
    }
  });

  it('the PNG is the SVG at twice its size', async () => {
    await written;
    const svg = readFileSync(join(dir, 'loss.svg'), 'utf8');
    const { width, height } = svgSize(svg);
    expect(pngSize(readFileSync(join(dir, 'loss.png')))).toEqual({ width: width * 2, height: height * 2 });
  });
});

describe('svgToPng', () => {
  it('renders at 144 dpi by default, 72 on request; a broken SVG is a bad-image error', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20" fill="red"/></svg>';
    expect(pngSize(await svgToPng(svg))).toEqual({ width: 60, height: 40 });
    expect(pngSize(await svgToPng(svg, { densityDpi: 72 }))).toEqual({ width: 30, height: 20 });
    await expect(svgToPng('<svg')).rejects.toMatchObject({ code: 'OCRDET_BAD_IMAGE' });
  });
});

describe('plots of a partial log', () => {
  it('a run with no accuracy and no eval yet gets the plots it has data for', async () => {
    const dir = scratchDir('ocrdet-plots-');
    const noAccuracy = events.slice(0, 10).map((e) => (e.kind === 'train' ? { ...e, accuracy: undefined } : e));
    const files = await writeRunPlots(noAccuracy, dir, { formats: ['svg'] });
    expect(files.map((p) => p.slice(dir.length + 1))).toEqual(['loss.svg', 'learning-rate.svg', 'memory.svg']);
  });
});
