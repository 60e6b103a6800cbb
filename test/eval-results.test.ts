/**
 * readResults: Detection JSONL in, a stream of Detections out; every bad line or region is one problem with
 * file:line and the reason, and the rest of the file goes on.
 * Fixture: test/fixtures/eval/results-mixed.jsonl (hand-written, see test/fixtures/README.md): a BOM, CRLF
 * line ends, a blank line and one line of each kind of damage.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadResultsError, NotFoundError } from '../src/core/errors.js';
import type { Detection } from '../src/core/types.js';
import { formatProblem, type DatasetProblem } from '../src/datasets/problems.js';
import { readResults } from '../src/datasets/results.js';

const MIXED = fileURLToPath(new URL('./fixtures/eval/results-mixed.jsonl', import.meta.url));

async function readAll(file: string): Promise<{ detections: Detection[]; problems: DatasetProblem[] }> {
  const problems: DatasetProblem[] = [];
  const detections: Detection[] = [];
  for await (const d of readResults(file, { onProblem: (p) => problems.push(p) })) detections.push(d);
  return { detections, problems };
}

describe('readResults on a damaged file', () => {
  let detections: Detection[];
  let problems: DatasetProblem[];
  beforeAll(async () => {
    ({ detections, problems } = await readAll(MIXED));
  });

  it('yields every usable line, in order', () => {
    expect(detections.map((d) => d.image)).toEqual(['Images/a.jpg', 'Images/d.jpg', 'Images/e.jpg', 'Images/f.jpg', 'Images/g.jpg']);
  });

  it('reads a full Detection line (after the byte-order mark) with all its fields', () => {
    expect(detections[0]).toEqual({
      image: 'Images/a.jpg',
      width: 100,
      height: 50,
      backend: 'ppocr',
      model: 'PP-OCRv4',
      timings: { total: 12.5 },
      regions: [
        {
          points: [
            [10, 10],
            [40, 10],
            [40, 20],
            [10, 20],
          ],
          box: [10, 10, 40, 20],
          text: 'hello',
          score: 0.98,
        },
      ],
    });
  });

  it('reports each bad line once, with its 1-based line number and why', () => {
    const lines = problems.map((p) => formatProblem(p).slice(MIXED.length));
    expect(lines).toEqual([
      ':3: not JSON (Unexpected end of JSON input)',
      ':4: expected a JSON object (a Detection), got an array',
      ':5: "image": invalid input: expected string, received undefined',
      ':6: "regions" is missing (write "regions": [] for an image with nothing detected)',
      ':7: regions[0]: "points.1.0": invalid input: expected number, received string; region skipped',
      ':7: regions[2]: has neither "points" nor "box"; region skipped',
    ]);
    expect(problems.every((p) => p.file === MIXED && p.kind === 'bad-record' && p.skipped)).toBe(true);
  });

  it('keeps the good regions of a line with a bad one; a box becomes its four corners', () => {
    const d = detections[1];
    expect(d.regions).toEqual([
      {
        points: [
          [5, 5],
          [9, 5],
          [9, 8],
          [5, 8],
        ],
        box: [5, 5, 9, 8],
        text: 'boxed',
      },
      {
        points: [
          [0, 0],
          [2, 0],
          [2, 2],
          [0, 2],
        ],
        box: [0, 0, 2, 2],
      },
    ]);
  });

  it('accepts a failed image with an error and no regions; the `CODE: message` line of older files reads as { code, message }', () => {
    expect(detections[2]).toMatchObject({ regions: [], error: { code: 'OCRDET_BAD_IMAGE', message: 'Images/e.jpg is truncated' } });
    expect(detections[3]).toMatchObject({ regions: [], error: { code: 'OCRDET_SERVER', message: 'timed out' } });
  });

  it('leaves geometry to the evaluator: a 2-point polygon is read as written; a bad width is dropped', () => {
    expect(detections[4]).toMatchObject({
      width: 0,
      regions: [
        {
          points: [
            [0, 0],
            [1, 1],
          ],
        },
      ],
    });
  });
});

describe('readResults on files that cannot be read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ocrdet-results-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('throws NotFoundError for a missing file', async () => {
    await expect(readAll(path.join(dir, 'nope.jsonl'))).rejects.toThrow(NotFoundError);
  });

  it('throws BadResultsError for a folder', async () => {
    await expect(readAll(dir)).rejects.toThrow(BadResultsError);
  });

  it('reads a file that is one JSON document: a pretty-printed Detection (detect one.jpg > one.json) or an array', async () => {
    const detection = { image: 'Images/a.jpg', width: 100, height: 50, regions: [{ points: [[10, 10], [40, 10], [40, 20], [10, 20]], text: 'hi' }], backend: 'ppocr', model: 'm', timings: {} };
    const pretty = path.join(dir, 'one.json');
    await writeFile(pretty, `${JSON.stringify(detection, null, 2)}\n`);
    const one = await readAll(pretty);
    expect(one.problems).toEqual([]);
    expect(one.detections).toMatchObject([{ image: 'Images/a.jpg', regions: [{ box: [10, 10, 40, 20], text: 'hi' }] }]);
    const array = path.join(dir, 'many.json');
    await writeFile(array, JSON.stringify([detection, { ...detection, image: 'Images/b.jpg' }, { image: 5 }], null, 2));
    const many = await readAll(array);
    expect(many.detections.map((d) => d.image)).toEqual(['Images/a.jpg', 'Images/b.jpg']);
    expect(many.problems).toMatchObject([{ kind: 'bad-record', element: '[2]' }]);
  });

  it('refuses a file that is not results at all (a README, a JPEG given as --pred) at its first line', async () => {
    const readme = path.join(dir, 'README.md');
    await writeFile(readme, '# Title\n\nSome prose.\n');
    await expect(readAll(readme)).rejects.toThrow(`${readme}: not a results file (Detection JSONL): line 1 is "# Title", not a JSON object`);
    const jpeg = fileURLToPath(new URL('./fixtures/ppocr/MSRA_TD500_IMG_0769.jpg', import.meta.url));
    await expect(readAll(jpeg)).rejects.toThrow(/line 1 is binary data, not a JSON object$/);
  });

  it('reads an error as { code, message }; a code outside the table, or a line without one, is OCRDET_INTERNAL with the words kept', async () => {
    const file = path.join(dir, 'errors.jsonl');
    const lines = [
      { image: 'a.jpg', regions: [], error: { code: 'OCRDET_BAD_IMAGE', message: 'a.jpg: truncated' } },
      { image: 'b.jpg', regions: [], error: { code: 'E_TIMEOUT', message: 'no answer' } },
      { image: 'c.jpg', regions: [], error: 'timed out' },
    ];
    await writeFile(file, lines.map((line) => JSON.stringify(line)).join('\n'));
    const { detections: read, problems: none } = await readAll(file);
    expect(none).toEqual([]);
    expect(read.map((d) => d.error)).toEqual([
      { code: 'OCRDET_BAD_IMAGE', message: 'a.jpg: truncated' },
      { code: 'OCRDET_INTERNAL', message: 'E_TIMEOUT: no answer' },
      { code: 'OCRDET_INTERNAL', message: 'timed out' },
    ]);
  });

  it('reads an empty file as no predictions and no problems', async () => {
    const file = path.join(dir, 'empty.jsonl');
    await writeFile(file, '');
    expect(await readAll(file)).toEqual({ detections: [], problems: [] });
  });
});
