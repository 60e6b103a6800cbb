/**
 * Annotations in the encoding their tools saved them in: VOC XML that declares GBK (common in Chinese data
 * sets), GB2312, GB18030, Big5, Shift_JIS, EUC-KR or Latin-1; UTF-16 with and without a byte-order mark; and
 * bytes that are not valid in the file's encoding, which give a warning naming the file and line instead of a
 * silent U+FFFD. The Chinese files are seed-test's real MTWI 2018 annotations (examples/seed-test), re-encoded;
 * their texts read from the UTF-8 originals are the expected ones. The legacy bytes come from the inverse of
 * the platform's decoders (test/helpers/encode.ts), anchored by byte sequences known from the standards.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../src/core/types.js';
import { decodeText } from '../src/datasets/text.js';
import { readAll, SEED_TEST, tempDataset } from './helpers/datasets.js';
import { encodeAs, utf16 } from './helpers/encode.js';

const ANNOTATIONS = join(SEED_TEST, 'Annotations');
const texts = (samples: Sample[]) => samples.map((s) => s.regions.map((r) => r.text));
const voc = (name: string, declaration: string) =>
  `<?xml version="1.0" encoding="${declaration}"?><annotation><filename>a.jpg</filename><size><width>100</width><height>50</height></size>` +
  `<object><name>${name}</name><difficult>0</difficult><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>60</xmax><ymax>20</ymax></bndbox></object></annotation>`;

describe('the encodings the encoder helper writes are the standards\' bytes', () => {
  it('中文 in GBK is D6 D0 CE C4, in Big5 A4 A4 A4 E5; 日本 in Shift_JIS 93 FA 96 7B; 한 in EUC-KR C7 D1', () => {
    expect(encodeAs('gbk', '中文').toString('hex')).toBe('d6d0cec4');
    expect(encodeAs('big5', '中文').toString('hex')).toBe('a4a4a4e5');
    expect(encodeAs('shift_jis', '日本').toString('hex')).toBe('93fa967b');
    expect(encodeAs('euc-kr', '한').toString('hex')).toBe('c7d1');
  });
});

describe('VOC XML in the encoding its declaration names', () => {
  it('seed-test MTWI annotations re-encoded to GBK, GB2312 and GB18030 read as their UTF-8 originals', async () => {
    const chinese = readdirSync(ANNOTATIONS).filter((name) => name.startsWith('MTWI'));
    const files: Record<string, Buffer> = {};
    const originals: Record<string, string> = {};
    for (const name of chinese) {
      const original = readFileSync(join(ANNOTATIONS, name), 'utf8');
      let encoded: Buffer;
      try {
        encoded = encodeAs('gbk', original.replace('encoding="utf-8"', 'encoding="GBK"'));
      } catch {
        continue; // a character GBK has no code for
      }
      originals[name] = original;
      files[`Annotations/${name}`] = encoded;
      if (Object.keys(files).length === 6) break;
    }
    expect(Object.keys(files)).toHaveLength(6);
    const expected = await readAll(tempDataset(Object.fromEntries(Object.entries(originals).map(([n, t]) => [`Annotations/${n}`, t]))), { probeImages: false });
    expect(texts(expected.samples).flat().join('')).toMatch(/[\u4e00-\u9fff]/);
    for (const label of ['GBK', 'GB2312', 'GB18030', 'gbk']) {
      const relabelled = Object.fromEntries(Object.entries(files).map(([n, bytes]) => [n, Buffer.from(bytes.toString('latin1').replace('encoding="GBK"', `encoding="${label}"`), 'latin1')]));
      const { samples, problems } = await readAll(tempDataset(relabelled), { probeImages: false });
      expect(texts(samples), label).toEqual(texts(expected.samples));
      expect(problems.filter((p) => p.kind === 'encoding' || p.kind === 'bad-file'), label).toEqual([]);
    }
  });

  it.each([
    ['Big5', 'big5', '繁體中文標註'],
    ['Shift_JIS', 'shift_jis', '日本語のテキスト'],
    ['EUC-KR', 'euc-kr', '한국어 텍스트'],
  ])('%s', async (declaration, label, name) => {
    const { samples, problems } = await readAll(tempDataset({ 'Annotations/a.xml': encodeAs(label, voc(name, declaration)) }), { probeImages: false });
    expect(texts(samples)).toEqual([[name]]);
    expect(problems.filter((p) => p.kind === 'encoding')).toEqual([]);
  });

  it('ISO-8859-1 and windows-1252: é, and the bytes 0x80–0x9F as windows-1252 has them (€ – ’), not C1 controls', async () => {
    // "Café – €5 ’x’" in windows-1252: E9 é, 96 –, 80 €, 92 ’ (WHATWG index-windows-1252).
    const name = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x80, 0x35, 0x20, 0x92, 0x78, 0x92]);
    for (const declaration of ['ISO-8859-1', 'latin1', 'windows-1252']) {
      const [head, tail] = voc('@', declaration).split('@');
      const { samples, problems } = await readAll(tempDataset({ 'Annotations/a.xml': Buffer.concat([Buffer.from(head), name, Buffer.from(tail)]) }), { probeImages: false });
      expect(texts(samples), declaration).toEqual([['Café – €5 ’x’']]);
      expect(problems.filter((p) => p.kind === 'encoding')).toEqual([]);
    }
  });

  it('UTF-16 with a BOM (LE and BE) and without one (LE, by its NUL bytes), whatever the declaration says', async () => {
    for (const [bytes, what] of [[utf16(voc('中文标注', 'UTF-16'), 'le'), 'LE+BOM'], [utf16(voc('中文标注', 'UTF-16'), 'be'), 'BE+BOM'], [utf16(voc('中文标注', 'UTF-16'), 'le', false), 'LE']] as const) {
      const { samples, problems } = await readAll(tempDataset({ 'Annotations/a.xml': bytes }), { probeImages: false });
      expect(texts(samples), what).toEqual([['中文标注']]);
      expect(problems.filter((p) => p.kind === 'encoding' || p.kind === 'bad-file'), what).toEqual([]);
    }
  });

  it('a declaration of UTF-16 in a file that is UTF-8 (readable as ASCII) is read as UTF-8', async () => {
    const { samples } = await readAll(tempDataset({ 'Annotations/a.xml': voc('中文', 'UTF-16') }), { probeImages: false });
    expect(texts(samples)).toEqual([['中文']]);
  });

  it('numeric character references (&#x4E2D;&#25991;) are the characters', async () => {
    const { samples } = await readAll(tempDataset({ 'Annotations/a.xml': voc('&#x4E2D;&#25991; &amp; &lt;x&gt;', 'utf-8') }), { probeImages: false });
    expect(texts(samples)).toEqual([['中文 & <x>']]);
  });

  it('an encoding Node cannot decode is a bad file naming it; the other files are read', async () => {
    const { samples, problems } = await readAll(tempDataset({ 'Annotations/a.xml': voc('x', 'x-klingon'), 'Annotations/b.xml': voc('b', 'utf-8') }), { probeImages: false });
    expect(texts(samples)).toEqual([['b']]);
    expect(problems.filter((p) => p.kind === 'bad-file')).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/a\.xml$/), message: expect.stringMatching(/^the XML declaration names the encoding "x-klingon", which this Node\.js cannot decode/), skipped: true }),
    ]);
  });
});

describe('bytes that are not valid in the file\'s encoding: a warning naming the file and line, never a silent U+FFFD', () => {
  const warningsOf = (problems: { kind: string; file: string; line?: number; message: string }[]) => problems.filter((p) => p.kind === 'encoding').map((p) => ({ file: p.file.split('/').pop(), line: p.line, message: p.message }));

  it('a Latin-1 byte in a file without declaration (read as UTF-8)', async () => {
    const xml = Buffer.from(voc('Caf@', 'utf-8').replace('<object>', '\n<object>'), 'utf8');
    const bytes = Buffer.concat([xml.subarray(0, xml.indexOf('@')), Buffer.from([0xe9]), xml.subarray(xml.indexOf('@') + 1)]);
    const { samples, problems } = await readAll(tempDataset({ 'Annotations/a.xml': bytes }), { probeImages: false });
    expect(texts(samples)).toEqual([['Caf\uFFFD']]);
    expect(warningsOf(problems)).toEqual([{ file: 'a.xml', line: 2, message: 'bytes not valid in UTF-8 (1 character replaced by U+FFFD); is the file\'s encoding declared right?' }]);
  });

  it('GBK: a lead byte without its trail, and FF (which Node decodes to a private-use character without an error)', async () => {
    const [head, tail] = voc('@', 'GBK').split('@');
    const cut = Buffer.concat([Buffer.from(head), Buffer.from([0xd6, 0xd0, 0xd6]), Buffer.from(tail)]);
    const ff = Buffer.concat([Buffer.from(head), Buffer.from([0xd6, 0xd0, 0xff]), Buffer.from(tail)]);
    const { problems } = await readAll(tempDataset({ 'Annotations/cut.xml': cut, 'Annotations/ff.xml': ff }), { probeImages: false });
    expect(warningsOf(problems).sort((a, b) => a.file!.localeCompare(b.file!))).toEqual([
      { file: 'cut.xml', line: 1, message: "bytes not valid in GBK (1 character replaced by U+FFFD); is the file's encoding declared right?" },
      { file: 'ff.xml', line: 1, message: "bytes that are no character in GBK (read as U+F8F5, a control or private-use code); is the file's encoding declared right?" },
    ]);
  });

  it('ICDAR text and a LabelMe file in UTF-8 with a bad byte; the same files in UTF-16 read clean', async () => {
    const gt = '10,10,90,10,90,40,10,40,中文\n5,5,50,5,50,20,5,20,标注\n';
    const bad = Buffer.concat([Buffer.from('1,1,9,1,9,4,1,4,ok\n2,2,9,2,9,4,2,4,x'), Buffer.from([0xff]), Buffer.from('\n')]);
    const icdar = await readAll(tempDataset({ 'gt/gt_img_1.txt': utf16(gt, 'le'), 'gt/gt_img_2.txt': utf16(gt, 'be'), 'gt/gt_img_3.txt': bad }), { format: 'icdar2015', probeImages: false });
    expect(texts(icdar.samples)).toEqual([['中文', '标注'], ['中文', '标注'], ['ok', 'x\uFFFD']]);
    expect(warningsOf(icdar.problems)).toEqual([{ file: 'gt_img_3.txt', line: 2, message: "bytes not valid in UTF-8 (1 character replaced by U+FFFD); is the file's encoding right?" }]);

    const labelme = { version: '5.0.1', shapes: [{ label: '中文', points: [[1, 2], [50, 20]], shape_type: 'rectangle' }], imagePath: 'a.jpg', imageWidth: 99, imageHeight: 99 };
    const read = await readAll(tempDataset({ 'a.json': utf16(JSON.stringify(labelme), 'le') }), { format: 'labelme', probeImages: false });
    expect(texts(read.samples)).toEqual([['中文']]);
  });

  it('ppocr Label.txt: UTF-16 streamed line by line; invalid UTF-8 said once per file, at its first line, with the count', async () => {
    const label = 'imgs/a.jpg\t[{"transcription": "中文", "points": [[1,1],[9,1],[9,9],[1,9]]}]\nimgs/b.jpg\t[{"transcription": "标注", "points": [[1,1],[9,1],[9,9],[1,9]]}]\n';
    const clean = await readAll(tempDataset({ 'Label.txt': utf16(label, 'le') }), { probeImages: false });
    expect(texts(clean.samples)).toEqual([['中文'], ['标注']]);
    const broken = Buffer.from(label.replace('中文', '@@').replace('标注', '@@'), 'utf8');
    const bytes = Buffer.from(broken.toString('latin1').replaceAll('@@', '\xd6\xd0'), 'latin1'); // GBK bytes in a UTF-8 file
    const { samples, problems } = await readAll(tempDataset({ 'Label.txt': bytes }), { probeImages: false });
    expect(texts(samples)).toEqual([['\uFFFD\uFFFD'], ['\uFFFD\uFFFD']]);
    expect(warningsOf(problems)).toEqual([{ file: 'Label.txt', line: 1, message: 'bytes not valid in UTF-8 (and on 1 more line), replaced by U+FFFD; PaddleOCR writes Label.txt in UTF-8: is it in another encoding?' }]);
  });
});

describe('decodeText', () => {
  it('a UTF-8 BOM wins over a declaration of GBK', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(voc('中文', 'GBK'))]);
    expect(decodeText(bytes, { xml: true })).toMatchObject({ encoding: 'utf-8', text: voc('中文', 'GBK') });
  });
});
