/**
 * Output formats (src/formats): text, hOCR 1.2 and ALTO v4, on a real Detection (the two-column fixture PDF
 * through the PP-OCRv4 detector) and on a hand-made one with awkward text. XML is parsed and validated with
 * libxml2 (npm libxml2-wasm, MIT).
 *
 * ALTO is validated against test/fixtures/formats/alto-v4-ocrdet.xsd: a schema written by us from the ALTO
 * v4 documentation for exactly what ocrdet emits, NOT the official alto-4-4.xsd (no npm package ships it;
 * see that file's header). hOCR has no schema: the test checks well-formed XHTML and the spec's rules
 * (https://kba.github.io/hocr-spec/1.2/): ocr-system and ocr-capabilities metadata, ocr_page > ocr_carea >
 * ocr_par > ocr_line, `bbox x0 y0 x1 y1` in integers with x0 ≤ x1 and y0 ≤ y1, `x_wconf` an integer 0–100.
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, XmlValidateError, XsdValidator, type XmlElement } from 'libxml2-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../src/core/types.js';
import { createPpocrDetector } from '../src/detectors/ppocr/index.js';
import { OUTPUT_FORMATS, blocksOf, formatDetections, wordBoxes } from '../src/formats/index.js';
import { PdfDocument } from '../src/image/pdf.js';
import { rawImageInput } from '../src/image/sharp.js';

const SOFTWARE = { software: { name: 'ocrdet', version: '9.8.7' } };
const ALTO_NS = { a: 'http://www.loc.gov/standards/alto/ns-v4#' };
const XHTML_NS = { h: 'http://www.w3.org/1999/xhtml' };

let page: Detection;
let validator: XsdValidator;
let schema: XmlDocument;

/** A Detection with text XML must escape, a line without text, CJK, and no `blocks` of its own. */
const awkward: Detection = {
  image: 'scans/a "quoted" & <odd> name.png',
  width: 400,
  height: 300,
  regions: [
    { points: [[10, 10], [200, 10], [200, 30], [10, 30]], box: [10, 10, 200, 30], score: 0.9, text: 'Fish & <Chips> "daily"\u0007', textScore: 0.91 },
    { points: [[10, 34], [120, 34], [120, 54], [10, 54]], box: [10, 34, 120, 54], score: 0.8, text: '', textScore: 0.6 },
    { points: [[300, 20], [330, 20], [330, 200], [300, 200]], box: [300, 20, 330, 200], score: 0.95, text: '床前明月光', textScore: 0.99 },
  ],
  backend: 'vlm',
  model: 'm',
  timings: {},
};

beforeAll(async () => {
  const detector = await createPpocrDetector({ orientation: 'off' });
  const pdf = await PdfDocument.open(new URL('./fixtures/pdf/two-columns.pdf', import.meta.url).pathname);
  page = { ...(await detector.detect(rawImageInput(pdf.renderPage(1, { dpi: 150, maxPixels: 1e8 })), { name: 'two-columns.pdf' })), page: 1, dpi: 150 };
  pdf.close();
  await detector.close();
  schema = XmlDocument.fromBuffer(readFileSync(new URL('./fixtures/formats/alto-v4-ocrdet.xsd', import.meta.url)));
  validator = XsdValidator.fromDoc(schema);
}, 60_000);

afterAll(() => {
  validator?.dispose();
  schema?.dispose();
});

function withXml<T>(xml: string, use: (doc: XmlDocument) => T): T {
  const doc = XmlDocument.fromString(xml);
  try {
    return use(doc);
  } finally {
    doc.dispose();
  }
}

const title = (element: XmlElement) => element.attr('title')?.value ?? '';

describe('text', () => {
  it('writes each block as its lines, blocks separated by one blank line, in reading order', () => {
    const text = formatDetections('text', [page], SOFTWARE);
    const blocks = blocksOf(page);
    const chunks = text.trimEnd().split('\n\n');
    expect(chunks.map((c) => c.split('\n').length)).toEqual(blocks.map((b) => b.lines.length));
    expect(chunks[0]).toBe(page.regions[page.blocks![0].lines[0]].text?.trim());
    expect(text.endsWith('\n')).toBe(true);
  });

  it('separates pages with a form feed', () => {
    const text = formatDetections('text', [page, { ...page, page: 2 }], SOFTWARE);
    expect(text.split('\f')).toHaveLength(2);
    expect(text.split('\f')[1]).toBe(text.split('\f')[0]);
  });
});

describe('hOCR 1.2', () => {
  it('is well-formed XHTML with the system and the capabilities it uses', () => {
    const hocr = formatDetections('hocr', [page, awkward], SOFTWARE);
    withXml(hocr, (doc) => {
      expect(doc.root.name).toBe('html');
      expect((doc.get('//h:meta[@name="ocr-system"]', XHTML_NS) as XmlElement).attr('content')?.value).toBe('ocrdet 9.8.7');
      const capabilities = (doc.get('//h:meta[@name="ocr-capabilities"]', XHTML_NS) as XmlElement).attr('content')!.value.split(' ');
      for (const cls of ['ocr_page', 'ocr_carea', 'ocr_par', 'ocr_line']) {
        expect(capabilities).toContain(cls);
        expect(doc.find(`//*[@class="${cls}"]`).length).toBeGreaterThan(0);
      }
    });
  });

  it('nests page > carea > par > line, with integer bboxes, x_wconf 0–100 and the text of each line in reading order', () => {
    withXml(formatDetections('hocr', [page, awkward], SOFTWARE), (doc) => {
      const lines = doc.find('//*[@class="ocr_line"]') as XmlElement[];
      expect(lines).toHaveLength(page.regions.length + awkward.regions.length);
      for (const line of lines) {
        const par = line.parent!;
        expect(par.attr('class')?.value).toBe('ocr_par');
        expect(par.parent!.attr('class')?.value).toBe('ocr_carea');
        expect(par.parent!.parent!.attr('class')?.value).toBe('ocr_page');
      }
      for (const element of doc.find('//*[@title]') as XmlElement[]) {
        const bbox = /(?:^|; )bbox (\d+) (\d+) (\d+) (\d+)(?:;|$)/.exec(title(element));
        expect(bbox, title(element)).not.toBeNull();
        const [x0, y0, x1, y1] = bbox!.slice(1).map(Number);
        expect(x0 <= x1 && y0 <= y1).toBe(true);
      }
      const ids = (doc.find('//*[@id]') as XmlElement[]).map((e) => e.attr('id')!.value);
      expect(new Set(ids).size).toBe(ids.length);
      const order = page.blocks!.flatMap((b) => b.lines).map((i) => page.regions[i]);
      lines.slice(0, order.length).forEach((line, k) => {
        expect(line.content).toBe(order[k].text);
        expect(title(line)).toMatch(new RegExp(`; x_wconf ${Math.round(order[k].textScore! * 100)}$`));
      });
      // Text XML must escape survives the round trip; the control character is dropped.
      const awkwardLines = lines.slice(order.length).map((l) => l.content);
      expect(awkwardLines).toContain('Fish & <Chips> "daily"');
      const pageTitle = title(doc.find('//*[@class="ocr_page"]')[1] as XmlElement);
      expect(pageTitle).toContain('image "scans/a \\"quoted\\" & <odd> name.png"; bbox 0 0 400 300; ppageno 1');
    });
  });

  it('gives no x_wconf to lines without recognised text', () => {
    const detOnly: Detection = { ...awkward, regions: awkward.regions.map(({ text: _t, textScore: _s, ...r }) => r) };
    withXml(formatDetections('hocr', [detOnly], SOFTWARE), (doc) => {
      for (const line of doc.find('//*[@class="ocr_line"]') as XmlElement[]) expect(title(line)).not.toContain('x_wconf');
    });
  });
});

describe('ALTO v4', () => {
  it('validates against the ALTO v4 schema of what ocrdet emits, for a real page and awkward text', () => {
    for (const detections of [[page], [page, awkward], [awkward]]) {
      withXml(formatDetections('alto', detections, SOFTWARE), (doc) => expect(() => validator.validate(doc)).not.toThrow());
    }
  });

  it('fails validation when an attribute is out of range or unknown (the check bites)', () => {
    const alto = formatDetections('alto', [page], SOFTWARE);
    const broken = [alto.replace(/WC="[0-9.]+"/, 'WC="1.7"'), alto.replace('<TextLine ', '<TextLine FOO="1" '), alto.replace(/<String /, '<Word ')];
    for (const xml of broken) {
      withXml(xml, (doc) => expect(() => validator.validate(doc)).toThrow(XmlValidateError));
    }
  });

  it('has one TextBlock per block and one TextLine per region in reading order, whose words spell the line', () => {
    withXml(formatDetections('alto', [page], { ...SOFTWARE, files: ['two-columns.pdf'] }), (doc) => {
      expect(doc.find('//a:TextBlock', ALTO_NS)).toHaveLength(page.blocks!.length);
      const lines = doc.find('//a:TextLine', ALTO_NS) as XmlElement[];
      const order = page.blocks!.flatMap((b) => b.lines).map((i) => page.regions[i]);
      lines.forEach((line, k) => {
        const words = (line.find('a:String', ALTO_NS) as XmlElement[]).map((s) => s.attr('CONTENT')!.value);
        expect(words.join(' ')).toBe((order[k].text ?? '').trim().replace(/\s+/g, ' '));
        expect(Number(line.attr('HPOS')!.value)).toBe(Math.floor(order[k].box[0]));
      });
      expect((doc.get('//a:sourceImageInformation/a:fileName', ALTO_NS) as XmlElement).content).toBe('two-columns.pdf');
      expect((doc.get('//a:Page', ALTO_NS) as XmlElement).attr('PHYSICAL_IMG_NR')!.value).toBe('1');
    });
    // ALTO names one source image: none when the pages come from several files.
    withXml(formatDetections('alto', [page, awkward], { ...SOFTWARE, files: ['two-columns.pdf', awkward.image] }), (doc) => {
      expect(doc.find('//a:sourceImageInformation', ALTO_NS)).toHaveLength(0);
    });
  });

  it('splits a line into words along it: left to right for a line, top to bottom for a column', () => {
    const [line] = wordBoxes({ ...awkward.regions[0], text: 'ab cd' }).map((w) => w.box);
    expect(line).toEqual([10, 10, 86, 30]); // 2 of 5 characters of 190 px
    const column = wordBoxes({ ...awkward.regions[2], text: '床前 明月光' });
    expect(column.map((w) => w.word)).toEqual(['床前', '明月光']);
    expect(column[1].box).toEqual([300, 20 + (3 / 6) * 180, 330, 200]);
  });
});

it('every format is in the registry, found by name or alias', () => {
  expect(OUTPUT_FORMATS.names()).toEqual(['text', 'hocr', 'alto']);
  expect(OUTPUT_FORMATS.get('TXT').name).toBe('text');
  expect(() => OUTPUT_FORMATS.get('pdf')).toThrow(/unknown output format "pdf"; known: text, hocr, alto/);
});
