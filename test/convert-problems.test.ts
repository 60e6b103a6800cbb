/**
 * Bad input never stops a conversion: a dataset written by the test with a broken XML, an annotation
 * without its image, an image whose header is unreadable, and regions that are degenerate, outside the
 * image, repeated or don't care. Each problem is one report through onProblem; the good image is converted;
 * the report counts every region left out, by reason. --strict writes the report but not train/val.
 * The CLI: one line per problem on stderr, exit 1 when something was left out, 0 when not, 2 for usage.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runInProcess } from './helpers/cli.js';
import { convertDataset } from '../src/datasets/convert.js';
import type { ConvertProblem } from '../src/datasets/convert-options.js';
import { readJsonl, SEED_TEST, tempOut } from './helpers/convert.js';
import { tempDataset } from './helpers/datasets.js';
import { solidJpeg } from './helpers/images.js';

const object = (name: string, corners: number[], difficult = 0): string =>
  `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox>${corners.map((v, i) => `<${i % 2 ? 'y' : 'x'}${i >> 1}>${v}</${i % 2 ? 'y' : 'x'}${i >> 1}>`).join('')}</bndbox></object>`;
const xml = (file: string, objects: string[]): string =>
  `<?xml version="1.0"?><annotation><filename>${file}</filename><size><width>400</width><height>300</height></size>${objects.join('')}</annotation>`;

let dataset = '';
beforeAll(async () => {
  dataset = tempDataset({
    'Images/good.jpg': await solidJpeg(400, 300),
    'Images/broken.jpg': Buffer.from('not a jpeg at all'),
    'Annotations/good.xml': xml('good.jpg', [
      object('HELLO', [10, 10, 110, 10, 110, 40, 10, 40]),
      object('WORLD', [10, 60, 110, 60, 110, 90, 10, 90]),
      object('WORLD', [10, 60, 110, 60, 110, 90, 10, 90]), // repeated
      object('LINE', [10, 100, 50, 100, 90, 100, 120, 100]), // degenerate: no height
      object('AWAY', [500, 10, 600, 10, 600, 40, 500, 40]), // outside the 400×300 image
      object('###', [10, 200, 60, 200, 60, 230, 10, 230]), // don't care
      object('EDGE', [380, 250, 420, 250, 420, 280, 380, 280]), // partly outside: clipped
    ]),
    'Annotations/missing.xml': xml('missing.jpg', [object('GONE', [1, 1, 50, 1, 50, 20, 1, 20])]),
    'Annotations/broken.xml': xml('broken.jpg', [object('X', [1, 1, 50, 1, 50, 20, 1, 20])]),
    'Annotations/notxml.xml': '<annotation><object>',
  });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('bad records', () => {
  it('are each reported once and counted by reason, and the good image is still converted', async () => {
    const problems: ConvertProblem[] = [];
    const out = tempOut('problems');
    const report = await convertDataset(dataset, { out, split: 1, onProblem: (p) => problems.push(p) });
    const rows = readJsonl<{ messages: { role: string; content: string }[] }>(join(out, 'train.jsonl'));
    expect(rows).toHaveLength(1);
    expect(rows[0].messages[1].content).toBe(
      '<ref>HELLO</ref><box>[[25, 33, 275, 133]]</box>\n<ref>WORLD</ref><box>[[25, 200, 275, 300]]</box>\n<ref>EDGE</ref><box>[[950, 833, 1000, 933]]</box>',
    );
    expect(report.regions.dropped).toMatchObject({ 'dont-care': 1, duplicate: 1, degenerate: 1, 'out-of-image': 1, 'unreadable-image': 2 });
    expect(report.regions.clipped).toBe(1);
    expect(report.images).toMatchObject({ read: 3, written: 1, train: 1 });
    const skipped = problems.filter((p) => p.skipped).map((p) => p.kind).sort();
    // The reader reports the missing and the unreadable image; the converter does not say it again.
    expect(skipped).toEqual(['bad-file', 'bad-file', 'degenerate', 'duplicate', 'out-of-image', 'unpaired']);
    expect(report.problems.skipped).toBe(6);
  });

  it('--strict writes the report but neither train.jsonl nor val.jsonl when anything was left out', async () => {
    const out = tempOut('strict');
    const report = await convertDataset(dataset, { out, strict: true });
    expect(report.written).toBe(false);
    expect(existsSync(join(out, 'train.jsonl'))).toBe(false);
    expect(existsSync(join(out, 'val.jsonl'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).written).toBe(false);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('--strict');
  });
});

describe('a dataset without any of its images', () => {
  it('is summed up in one line, not one per image, and nothing is written', async () => {
    const root = tempDataset({
      'Annotations/a.xml': xml('a.jpg', [object('A', [1, 1, 50, 1, 50, 20, 1, 20])]),
      'Annotations/b.xml': xml('b.jpg', [object('B', [1, 1, 50, 1, 50, 20, 1, 20])]),
    });
    const problems: ConvertProblem[] = [];
    const report = await convertDataset(root, { out: tempOut('no-images'), onProblem: (p) => problems.push(p) });
    expect(report.samples.total).toBe(0);
    expect(report.regions.dropped['unreadable-image']).toBe(2);
    const lines = problems.filter((p) => p.skipped);
    expect(lines).toHaveLength(1);
    expect(lines[0].message).toMatch(/no image found for any of the 2 samples .* give option "images" if the images are elsewhere/);
  });
});

describe('ocrdet data convert (CLI)', () => {
  async function run(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const { code, stdout, stderr } = await runInProcess(['data', 'convert', ...args]);
    return { stdout, stderr, exitCode: code };
  }

  it('prints one line per thing left out and exits 1; --strict also exits 1', async () => {
    const result = await run([dataset, '--out', tempOut('cli')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(6);
    expect(result.stderr).toMatch(/^duplicate: .*good\.jpg: region 3: same text and polygon/m);
    expect(result.stdout).toMatch(/1 train \/ 0 val samples from 1 of 3 images/);
  });

  it('a dataset without any of its images: the one line gives --images, the flag that fixes it', async () => {
    const root = tempDataset({ 'Annotations/a.xml': xml('a.jpg', [object('A', [1, 1, 50, 1, 50, 20, 1, 20])]) });
    const result = await run([root, '--out', tempOut('cli-no-images')]);
    expect(result.stderr).toMatch(/no image found for its one sample .* give --images if the images are elsewhere/);
  });

  it('exits 0 on seed-test (its 12 corners outside the image are clipped, not left out)', async () => {
    const out = tempOut('cli-seed');
    const result = await run([SEED_TEST, '--out', out, '--dialect', 'qwen2-vl', '--seed', '7']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/45 train \/ 5 val samples from 50 of 50 images \(swift, qwen2-vl\)/);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({ dialect: 'qwen2-vl', split: { seed: 7 }, problems: { total: 12, skipped: 0 } });
  });

  it('--out naming a file is a usage error, and ICDAR output says don\'t-care regions were written, not dropped', async () => {
    const file = join(tempOut('out-file'), 'report.md');
    writeFileSync(file, 'x');
    expect(await run([dataset, '--out', file])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining(`--out ${file}: exists and is not a folder`) });
    // Node 20's recursive mkdir never returns under /proc: ocrdet makes folders one at a time and fails at once.
    expect(await run([dataset, '--out', '/proc/ocrdet-out/x'])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--out /proc/ocrdet-out/x: cannot create the folder (ENOENT)') });
    // A run that stops before writing anything leaves no --out folder of its own making.
    const fresh = join(tempOut('no-leftover'), 'out');
    expect(await run([SEED_TEST, '--out', fresh, '--format', 'icdar2015'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/no icdar2015 annotations found/) });
    expect(existsSync(fresh)).toBe(false);
    const out = tempOut('icdar-summary');
    const { stdout } = await run([SEED_TEST, '--out', out, '--to', 'icdar']);
    expect(stdout).toMatch(/^ {2}regions {2}510 care and 150 don't care written; dropped: none$/m);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| written, don't care \| 150 \|/);
  });

  it('rejects unknown values with a usage error naming the option', async () => {
    expect(await run([dataset, '--out', tempOut('usage'), '--task', 'poems'])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('ocrdet data convert: --task must be one of "text", "objects", "boxes"') });
  });
});
