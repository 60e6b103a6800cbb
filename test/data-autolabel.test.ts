/**
 * `ocrdet data autolabel` (src/batch/autolabel.ts, src/datasets/review.ts): three seed-test photos labelled by
 * the real embedded detector, converted, laid out for LabelMe and PPOCRLabel, drawn — then reviewed as a person
 * would in those tools (their files edited as the tools save them: LabelMe 5's JSON, PPOCRLabel's Label.txt
 * holding the images a person checked) and converted again.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../src/core/types.js';
import { autolabel, reviewNames, type AutolabelResult } from '../src/batch/autolabel.js';
import { convertDataset } from '../src/datasets/convert.js';
import { readDataset } from '../src/datasets/index.js';
import { getDialect } from '../src/grounding/index.js';
import { runInProcess } from './helpers/cli.js';
import { readJsonl } from './helpers/convert.js';
import { SEED_TEST, tempDataset } from './helpers/datasets.js';

const PHOTOS = { 'shop/box.jpg': 'MTWI2018_TB15GFULXXXXXaBXXXXunYpLFXX.jpg', 'signs/security.jpg': 'MSRA_TD500_IMG_0504.jpg', 'signs/street.jpg': 'MSRA_TD500_IMG_1730.jpg' };

interface LabelMeShape { label: string; points: number[][]; shape_type: string; flags: { difficult: boolean }; description: string }
interface LabelMeFile { version: string; shapes: LabelMeShape[]; imagePath: string; imageData: null; imageHeight: number; imageWidth: number }

type Row = { messages: { role: string; content: string }[]; images: string[] };
const answerTexts = (row: Row, size: { width: number; height: number }) =>
  getDialect('internvl2').parse(row.messages.find((m) => m.role === 'assistant')!.content, size).regions.map((r) => r.text);

let root: string;
let out: string;
let result: AutolabelResult;
let detections: Detection[];

beforeAll(async () => {
  root = tempDataset(Object.fromEntries(Object.entries(PHOTOS).map(([to, from]) => [join('photos', to), readFileSync(join(SEED_TEST, 'Images', from))])));
  out = join(root, 'labels');
  result = await autolabel({ inputs: [join(root, 'photos')], out, convert: { split: 1 } });
  detections = readJsonl<Detection>(join(out, 'detections.jsonl'));
}, 60_000);

describe('data autolabel: detect → convert → review files → preview', () => {
  it('labels every image, converts its sure regions and says which were unsure', () => {
    expect(result.detect).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect(detections).toHaveLength(3);
    const regions = detections.flatMap((d) => d.regions);
    const unsure = regions.filter((r) => r.score! < 0.7 || r.textScore! < 0.5);
    expect(unsure.length).toBeGreaterThan(0);
    // A region the recogniser could not read is kept (to be don't care), not dropped as no text.
    expect(regions.some((r) => r.score! >= 0.7 && r.textScore! < 0.5)).toBe(true);
    expect(result.convert).toMatchObject({ format: 'results', images: { read: 3, written: 3 }, regions: { inAnswers: regions.length - unsure.length } });
    expect(result.convert!.regions.dropped['dont-care']).toBe(unsure.length);
    expect(readJsonl(join(out, 'train.jsonl'))).toHaveLength(3);
    expect(existsSync(join(out, 'ocrdet-data.json'))).toBe(true);
    expect(result.preview!.pictures).toHaveLength(3);
    expect(readdirSync(join(out, 'preview')).filter((f) => f.endsWith('.png'))).toHaveLength(3);
  });

  it('writes a LabelMe 5 file beside each image: every region a polygon with its text, unsure ones flagged difficult', () => {
    const detection = detections.find((d) => d.image.endsWith('box.jpg'))!;
    const file = JSON.parse(readFileSync(join(out, 'review', 'labelme', 'shop', 'box.json'), 'utf8')) as LabelMeFile;
    expect(file).toMatchObject({ version: '5.5.0', imagePath: 'box.jpg', imageData: null, imageWidth: detection.width, imageHeight: detection.height });
    expect(file.shapes.map((s) => s.label)).toEqual(detection.regions.map((r) => r.text));
    expect(file.shapes.map((s) => s.flags.difficult)).toEqual(detection.regions.map((r) => r.score! < 0.7 || r.textScore! < 0.5));
    expect(file.shapes.every((s) => s.shape_type === 'polygon' && /^ocrdet: score \d\.\d\d, text score \d\.\d\d/.test(s.description))).toBe(true);
    // The image beside it is the original's bytes (a hard link, or a copy).
    expect(readFileSync(join(out, 'review', 'labelme', 'shop', 'box.jpg')).equals(readFileSync(join(root, 'photos', 'shop', 'box.jpg')))).toBe(true);
  });

  it("writes PPOCRLabel's Label.txt and Cache.cach per folder, keyed <folder>/<image>, unsure regions ###", () => {
    const folder = join(out, 'review', 'ppocr', 'signs');
    const label = readFileSync(join(folder, 'Label.txt'), 'utf8');
    expect(readFileSync(join(folder, 'Cache.cach'), 'utf8')).toBe(label);
    const lines = label.trim().split('\n').map((line) => line.split('\t'));
    expect(lines.map(([key]) => key)).toEqual(['signs/security.jpg', 'signs/street.jpg']);
    const detection = detections.find((d) => d.image.endsWith('security.jpg'))!;
    const items = JSON.parse(lines[0][1]) as { transcription: string; points: number[][]; difficult: boolean }[];
    expect(items.map((i) => i.transcription)).toEqual(detection.regions.map((r) => (r.score! < 0.7 || r.textScore! < 0.5 ? '###' : r.text)));
    expect(items.every((i) => i.points.flat().every(Number.isInteger))).toBe(true);
    expect(existsSync(join(folder, 'security.jpg'))).toBe(true);
  });

  it('converts a corrected LabelMe review: a text fixed, a point moved, a false region deleted, a difficult one accepted', async () => {
    const path = join(out, 'review', 'labelme', 'shop', 'box.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as LabelMeFile;
    // As LabelMe saves after the edits (it keeps shape flags, writes its own version).
    file.version = '7.1.0';
    file.shapes[0].label = 'CORRECTED';
    file.shapes[0].points[1][0] += 5;
    const deleted = file.shapes.splice(1, 1)[0];
    const accepted = file.shapes.findIndex((s) => s.flags.difficult);
    file.shapes[accepted].flags.difficult = false;
    file.shapes[accepted].label = 'NOW SURE';
    writeFileSync(path, JSON.stringify(file, null, 2));
    const reviewed = join(root, 'reviewed-labelme');
    const report = await convertDataset(join(out, 'review', 'labelme'), { out: reviewed, split: 1 });
    expect(report).toMatchObject({ format: 'labelme', images: { written: 3 }, problems: { skipped: 0 } });
    const rows = readJsonl<Row>(join(reviewed, 'train.jsonl'));
    const box = rows.find((r) => r.images[0].endsWith('box.jpg'))!;
    const texts = answerTexts(box, { width: file.imageWidth, height: file.imageHeight });
    expect(texts).toContain('CORRECTED');
    expect(texts).toContain('NOW SURE');
    expect(texts).not.toContain(deleted.label);
    expect(texts).toHaveLength(file.shapes.filter((s) => !s.flags.difficult).length);
    // The moved point: the read region has it.
    const [sample] = await (async () => {
      const found = [];
      for await (const s of readDataset(join(out, 'review', 'labelme', 'shop'))) found.push(s);
      return found;
    })();
    expect(sample.regions.find((r) => r.text === 'CORRECTED')!.points.map((p) => p.join())).toContain(file.shapes[0].points[1].join());
  });

  it('converts a PPOCRLabel review: only the images a person checked, with their corrections', async () => {
    const folder = join(out, 'review', 'ppocr', 'signs');
    const [first] = readFileSync(join(folder, 'Label.txt'), 'utf8').trim().split('\n');
    const [key, json] = first.split('\t');
    const items = JSON.parse(json) as { transcription: string; points: number[][]; difficult: boolean }[];
    items[0].transcription = 'MICROSOFT (checked)';
    // PPOCRLabel's save: Label.txt holds the checked images only (savePPlabel), json.dumps with ensure_ascii=False.
    writeFileSync(join(folder, 'Label.txt'), `${key}\t${JSON.stringify(items)}\n`);
    writeFileSync(join(folder, 'fileState.txt'), `${join(folder, 'security.jpg')}\t1\n`);
    const reviewed = join(root, 'reviewed-ppocr');
    const report = await convertDataset(join(out, 'review', 'ppocr'), { out: reviewed, split: 1 });
    expect(report).toMatchObject({ format: 'ppocr', problems: { skipped: 0 } });
    const rows = readJsonl<Row>(join(reviewed, 'train.jsonl'));
    // box.jpg (shop/, never opened) and security.jpg (checked); street.jpg was not checked: left out.
    expect(rows.map((r) => r.images[0].split('/').pop()).sort()).toEqual(['box.jpg', 'security.jpg']);
    const security = rows.find((r) => r.images[0].endsWith('security.jpg'))!;
    const detection = detections.find((d) => d.image.endsWith('security.jpg'))!;
    expect(answerTexts(security, detection)).toContain('MICROSOFT (checked)');
    expect(answerTexts(security, detection)).toHaveLength(items.filter((i) => i.transcription !== '###').length);
  });

  it('a second run resumes detection and never writes over a reviewed label file; new images get theirs', async () => {
    const reviewedJson = readFileSync(join(out, 'review', 'labelme', 'shop', 'box.json'), 'utf8');
    mkdirSync(join(root, 'photos', 'more'));
    copyFileSync(join(SEED_TEST, 'Images', 'MSRA_TD500_IMG_0687.jpg'), join(root, 'photos', 'more', 'new.jpg'));
    const again = await autolabel({ inputs: [join(root, 'photos')], out, convert: { split: 1 }, previewLimit: 0 });
    expect(again.detect).toMatchObject({ total: 4, skipped: 3, done: 1 });
    expect(again.review).toMatchObject({ written: 1, kept: 3 });
    expect(readFileSync(join(out, 'review', 'labelme', 'shop', 'box.json'), 'utf8')).toBe(reviewedJson);
    expect(existsSync(join(out, 'review', 'labelme', 'more', 'new.json'))).toBe(true);
    expect(readFileSync(join(out, 'review', 'ppocr', 'more', 'Label.txt'), 'utf8')).toMatch(/^more\/new\.jpg\t\[/);
    expect(again.preview).toBeUndefined();
  }, 60_000);
});

describe('review names', () => {
  it('mirror the input folders and keep each image its own name, stems made unique for LabelMe', () => {
    expect(reviewNames(['a/x.jpg', 'a/x.png', 'a/X.jpg', 'b/x.jpg', '../up.jpg', 'a/x.jpg'])).toEqual(['a/x.jpg', 'a/x-2.png', 'a/X-3.jpg', 'b/x.jpg', '__/up.jpg', 'a/x-4.jpg']);
  });
});

describe('ocrdet data autolabel (the command)', () => {
  it('checks what it can before detecting anything: a bad dialect or review tool is exit 2, nothing written', async () => {
    const dir = tempDataset({});
    const photos = join(root, 'photos');
    const dialect = await runInProcess(['data', 'autolabel', photos, '--out', join(dir, 'a'), '--dialect', 'nope']);
    expect(dialect.code).toBe(2);
    expect(dialect.stderr).toMatch(/OCRDET_USAGE: unknown grounding dialect "nope"/);
    const tool = await runInProcess(['data', 'autolabel', photos, '--out', join(dir, 'b'), '--review', 'cvat']);
    expect(tool.code).toBe(2);
    expect(tool.stderr).toMatch(/OCRDET_USAGE: --review: unknown tool "cvat"; known: labelme, ppocr/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('prints what it did and what to do next', async () => {
    const dir = tempDataset({});
    copyFileSync(join(SEED_TEST, 'Images', PHOTOS['signs/street.jpg']), join(dir, 'street.jpg'));
    const run = await runInProcess(['data', 'autolabel', join(dir, 'street.jpg'), '--out', join(dir, 'out'), '--review', 'ppocr', '--task', 'boxes', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^detect {3}1 image labelled, 0 failed, 0 already in /m);
    expect(run.stdout).toMatch(/^review {3}1 image given label files in .*review\/ppocr$/m);
    expect(run.stdout).toMatch(/ocrdet data convert .*review\/ppocr --out .*\/reviewed/);
    // --task boxes: no recognition, so the labels have no text.
    expect(readJsonl<Detection>(join(dir, 'out', 'detections.jsonl'))[0].regions.every((r) => r.text === undefined)).toBe(true);
  }, 60_000);
});
