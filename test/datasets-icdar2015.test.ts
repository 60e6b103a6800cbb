/**
 * icdar2015 reader against real ground truth: ICDAR 2015 training files gt_img_1/2 (from MMOCR's toy
 * dataset, with their images) and gt_img_299 (transcription "1,888"), the test file gt_img_92 as
 * redistributed without a BOM (transcription "Beanstro,"), and ICDAR 2013 lines quoted by MMOCR
 * (axis-aligned boxes, quoted text). Sources: test/fixtures/README.md, "datasets".
 */
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/datasets/index.js';
import { parseIcdarLine } from '../src/datasets/readers/icdar2015.js';
import { fixture, readAll, sampleNamed, tempDataset } from './helpers/datasets.js';

const TRAIN_GT = fixture('icdar2015', 'ch4_training_localization_transcription_gt');
const TRAIN_IMAGES = fixture('icdar2015', 'ch4_training_images');

describe('icdar2015 fixtures', () => {
  it('pairs gt_img_N.txt with img_N.jpg in the sibling image folder, BOM and all', async () => {
    const { samples } = await readAll(fixture('icdar2015'));
    const img1 = sampleNamed(samples, 'img_1.jpg');
    expect(img1.image).toBe(`${TRAIN_IMAGES}/img_1.jpg`);
    expect([img1.width, img1.height]).toEqual([1280, 720]);
    expect(img1.source).toBe('ch4_training_localization_transcription_gt');
    // The first line starts after a UTF-8 BOM: "﻿377,117,463,117,465,130,378,130,Genaxis Theatre".
    expect(img1.regions[0]).toEqual({ points: [[377, 117], [463, 117], [465, 130], [378, 130]], box: [377, 117, 465, 130], text: 'Genaxis Theatre' });
    expect(img1.regions.map((r) => r.text)).toEqual(['Genaxis Theatre', '[06]', '###', '62-03', 'Carpark', '###', '###']);
    expect(img1.regions.filter((r) => r.ignore)).toHaveLength(3);
    expect(sampleNamed(samples, 'img_2.jpg').regions.map((r) => r.text)).toEqual(['EXIT', 'I2R']);
  });

  it('keeps commas inside transcriptions, with and without a BOM', async () => {
    const { samples } = await readAll(fixture('icdar2015'));
    expect(sampleNamed(samples, 'img_299.jpg').regions.map((r) => r.text)).toEqual(['SAMSUNG', 'SAMSUNG', '###', '###', '1,888', 'Home']);
    const img92 = sampleNamed(samples, 'img_92.jpg');
    expect(img92.regions.map((r) => r.text)).toEqual(['BURGER', 'KING', 'Beanstro,', '###', '###']);
    expect(img92.regions[0].points).toEqual([[369, 178], [446, 210], [440, 264], [363, 233]]);
  });

  it('reports ground truth whose image is missing when the dataset has images, and still yields it without size', async () => {
    const { samples, problems } = await readAll(fixture('icdar2015'));
    expect(samples).toHaveLength(4);
    const missing = problems.filter((p) => p.kind === 'missing-image');
    expect(missing.map((p) => p.file.split('/').pop()).sort()).toEqual(['gt_img_299.txt', 'gt_img_92.txt']);
    expect(missing.every((p) => p.skipped)).toBe(true);
    expect([sampleNamed(samples, 'img_92.jpg').width, sampleNamed(samples, 'img_92.jpg').height]).toEqual([0, 0]);
  });

  it('reads a ground-truth folder without images as annotations only, with a single note', async () => {
    const { samples, problems } = await readAll(fixture('icdar2015', 'Challenge4_Test_Task1_GT'));
    expect(samples).toHaveLength(1);
    expect(samples[0].width).toBe(0);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'note' });
    expect(problems[0].skipped).toBeFalsy();
  });

  it('finds images given with --images', async () => {
    const { samples, problems } = await readAll(TRAIN_GT, { images: TRAIN_IMAGES });
    expect(sampleNamed(samples, 'img_2.jpg')).toMatchObject({ width: 1280, height: 720 });
    expect(problems.filter((p) => p.kind === 'missing-image').map((p) => p.file.split('/').pop())).toEqual(['gt_img_299.txt']);
  });

  it('reads the ICDAR 2013 box variants: "x1, y1, x2, y2, \\"text\\"" and "x1 y1 x2 y2 \\"text\\""', async () => {
    const { samples } = await readAll(fixture('icdar2013'));
    const test = samples.find((s) => s.image.endsWith('/test_excerpt.jpg'))!;
    expect(test.regions).toEqual([
      { points: [[38, 43], [920, 43], [920, 215], [38, 215]], box: [38, 43, 920, 215], text: 'Tiredness' },
      { points: [[275, 264], [665, 264], [665, 450], [275, 450]], box: [275, 264, 665, 450], text: 'kills' },
      { points: [[0, 699], [77, 699], [77, 830], [0, 830]], box: [0, 699, 77, 830], text: 'A' },
    ]);
    const train = samples.find((s) => s.image.endsWith('/train_excerpt.jpg'))!;
    expect(train.regions.map((r) => [r.text, r.box])).toEqual([
      ['Footpath', [158, 128, 411, 181]],
      ['To', [443, 128, 501, 169]],
      ['Colchester', [64, 200, 363, 243]],
    ]);
  });

  it('is detected from the dataset root, the ground-truth folder and a single file', async () => {
    expect(await detectFormat(fixture('icdar2015'))).toBe('icdar2015');
    expect(await detectFormat(TRAIN_GT)).toBe('icdar2015');
    expect(await detectFormat(`${TRAIN_GT}/gt_img_1.txt`)).toBe('icdar2015');
  });
});

describe('icdar2015 lines', () => {
  it('a quad without transcription has no text; numbers may be negative or decimal', () => {
    expect(parseIcdarLine('1,2,3,4,5,6,7,8')).toEqual({ points: [[1, 2], [3, 4], [5, 6], [7, 8]] });
    expect(parseIcdarLine('-1.5,2,30,4,30,20,-1.5,20,x')).toEqual({ points: [[-1.5, 2], [30, 4], [30, 20], [-1.5, 20]], text: 'x' });
  });

  it('a quad whose transcription is a number is not mistaken for a box', () => {
    expect(parseIcdarLine('402,85,460,86,457,106,399,105,100,000')).toMatchObject({ text: '100,000' });
    expect(parseIcdarLine('10,10,50,30,1,888')).toMatchObject({ points: [[10, 10], [50, 10], [50, 30], [10, 30]], text: '1,888' });
  });

  it('says which field is not a number', () => {
    expect(parseIcdarLine('377,117,abc,117,465,130,378,130,Genaxis')).toBe('field 3 "abc" is not a number; expected x1,y1,…,x4,y4,text or x1,y1,x2,y2,text');
  });
});

describe('icdar2015 bad input', () => {
  it('a bad line is one problem with its line number; blank lines are fine; an empty file is read as no text', async () => {
    const dataset = tempDataset({
      'gt_img_1.txt': '10,10,50,10,50,30,10,30,good\n\nNaN,10,50,10,50,30,10,30,bad\n10,10,50\n60,60,90,60,90,80,60,80,###\n',
      'gt_img_2.txt': '',
    });
    const { samples, problems } = await readAll(dataset);
    expect(samples).toHaveLength(2);
    expect(samples.find((s) => s.image.endsWith('img_1.jpg'))!.regions.map((r) => r.text)).toEqual(['good', '###']);
    expect(samples.find((s) => s.image.endsWith('img_2.jpg'))!.regions).toEqual([]);
    const records = problems.filter((p) => p.kind === 'bad-record');
    expect(records.map((p) => [p.line, p.skipped])).toEqual([[3, true], [4, true]]);
    expect(records[0].message).toContain('field 1 "NaN" is not a number');
    expect(problems.find((p) => p.kind === 'bad-file')).toMatchObject({ file: `${dataset}/gt_img_2.txt`, message: 'empty file: read as an image without text' });
  });
});
