/**
 * ppocr reader against real label files: PPOCRLabel's own example (data/Label.txt with data/paddle.png,
 * from PFCCLab/PPOCRLabel) and the first three lines of PaddleOCR's train_icdar2015_label.txt
 * (annotation only). Sources: test/fixtures/README.md, "datasets". Also: streaming through a named pipe.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, readDataset, type DatasetProblem } from '../src/datasets/index.js';
import { fixture, readAll, tempDataset } from './helpers/datasets.js';

describe('ppocr fixtures', () => {
  it("reads PPOCRLabel's example: the image path is relative to the Label.txt folder's parent", async () => {
    for (const path of [fixture('ppocr'), fixture('ppocr', 'data', 'Label.txt')]) {
      const { samples, problems } = await readAll(path);
      expect(samples).toEqual([
        {
          image: fixture('ppocr', 'data', 'paddle.png'),
          width: 183,
          height: 80,
          regions: [{ points: [[27, 17], [158, 20], [160, 61], [27, 61]], box: [27, 17, 160, 61], text: '1/j飞浆' }],
          source: 'data',
        },
      ]);
      expect(problems).toEqual([]);
    }
  });

  it("reads PaddleOCR's ICDAR 2015 label lines as annotations only: ### is don't care", async () => {
    const { samples, problems } = await readAll(fixture('ppocr-icdar2015'));
    expect(samples.map((s) => s.image.split('/').pop())).toEqual(['img_379.jpg', 'img_824.jpg', 'img_950.jpg']);
    expect(samples.every((s) => s.width === 0 && s.height === 0 && s.source === 'ch4_training_images')).toBe(true);
    const img379 = samples[0];
    expect(img379.regions.map((r) => [r.text, r.ignore ?? false])).toEqual([['ASTER', false], ['skin', false], ['###', true], ['SPR', false]]);
    expect(img379.regions[0].points).toEqual([[518, 84], [603, 53], [594, 113], [510, 137]]);
    expect(samples[2].regions).toHaveLength(7);
    expect(problems.map((p) => p.kind)).toEqual(['note']);
  });

  it('is detected from the folder and from the file', async () => {
    expect(await detectFormat(fixture('ppocr'))).toBe('ppocr');
    expect(await detectFormat(fixture('ppocr-icdar2015', 'train_icdar2015_label.txt'))).toBe('ppocr');
  });
});

describe('ppocr bad input', () => {
  it('each bad line or item is one problem with its line number; good lines are read', async () => {
    const lines = [
      'a.jpg\t[{"transcription": "ok", "points": [[1, 1], [20, 1], [20, 9], [1, 9]], "difficult": false}]',
      'no tab here',
      'b.jpg\t[{"transcription": "x", "points": [[1, 1]',
      'c.jpg\t{"transcription": "x"}',
      'd.jpg\t[{"transcription": "no points"}, {"transcription": "abc", "points": [[1, "abc"], [2, 2], [3, 3]]}, {"transcription": "hard", "points": [[1, 1], [20, 1], [20, 9], [1, 9]], "difficult": true}]',
    ];
    const { samples, problems } = await readAll(tempDataset({ 'Label.txt': `${lines.join('\n')}\n` }));
    expect(samples.map((s) => s.image.split('/').pop())).toEqual(['a.jpg', 'd.jpg']);
    expect(samples[1].regions).toEqual([expect.objectContaining({ text: 'hard', ignore: true })]);
    const bad = problems.filter((p) => p.kind === 'bad-record');
    expect(bad.map((p) => [p.line, p.element ?? null])).toEqual([
      [2, null],
      [3, 'b.jpg'],
      [4, 'c.jpg'],
      [5, 'd.jpg item 1'],
      [5, 'd.jpg item 2'],
    ]);
    expect(bad[1].message).toMatch(/^not JSON \(/);
    expect(bad[4].message).toContain('not a number: [1,"abc"]');
    expect(bad.every((p) => p.skipped)).toBe(true);
  });

  it('an empty Label.txt is one bad-file problem', async () => {
    const dir = tempDataset({ 'Label.txt': '' });
    const { samples, problems } = await readAll(join(dir, 'Label.txt'), { format: 'ppocr' });
    expect(samples).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'bad-file', message: 'empty file', skipped: true })]);
  });
});

describe('streaming', () => {
  it('yields the first sample before the rest of the file exists (a named pipe, written line by line)', async () => {
    const dir = tempDataset({});
    const fifo = join(dir, 'Label.txt');
    execFileSync('mkfifo', [fifo]);
    const writer = createWriteStream(fifo);
    const problems: DatasetProblem[] = [];
    const samples = readDataset(fifo, { format: 'ppocr', onProblem: (p) => problems.push(p) })[Symbol.asyncIterator]();
    writer.write('one.jpg\t[{"transcription": "1", "points": [[0, 0], [9, 0], [9, 9], [0, 9]]}]\n');
    // A reader that loaded the whole file first would wait here for the end of the pipe, forever.
    const first = await samples.next();
    expect(first.value?.regions[0].text).toBe('1');
    writer.end('two.jpg\t[{"transcription": "2", "points": [[0, 0], [9, 0], [9, 9], [0, 9]]}]\n');
    const second = await samples.next();
    expect(second.value?.regions[0].text).toBe('2');
    expect((await samples.next()).done).toBe(true);
    expect(problems.map((p) => p.kind)).toEqual(['note']); // no images beside the pipe
  }, 10_000);
});
