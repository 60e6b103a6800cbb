/**
 * Every dialect parses answers recorded from its models (test/fixtures/grounding/real-answers.json, each
 * with its source; see test/fixtures/README.md, "grounding"). Expected pixels are computed by hand in the
 * comments: value / scale × side, to 1/100 px.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Box, ImageSize, Region } from '../src/core/types.js';
import { getDialect } from '../src/grounding/index.js';

interface RealAnswer {
  id: string;
  answer: string;
  imageSize: ImageSize | null;
  expected?: { quad_boxes?: number[][]; bboxes?: number[][]; labels: string[] };
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<
  string,
  RealAnswer[]
>;
function real(dialect: string, id: string): RealAnswer {
  const found = fixtures[dialect]?.find((a) => a.id === id);
  if (!found) throw new Error(`fixture ${dialect}/${id} missing`);
  return found;
}

const texts = (regions: Region[]) => regions.map((r) => r.text);
function expectBox(actual: Box, expected: Box): void {
  actual.forEach((v, i) => expect(v, `coordinate ${i} of [${actual.join(', ')}]`).toBeCloseTo(expected[i], 2));
}

describe('internvl2 on real answers', () => {
  const dialect = getDialect('internvl2');

  it('reads the V3Det answer of the docs: 13 refs, 15 boxes, fenced, two refs with two boxes each', () => {
    const a = real('internvl2', 'doc-v3det');
    const { regions, warnings } = dialect.parse(a.answer, a.imageSize!);
    expect(warnings).toEqual([]);
    expect(regions).toHaveLength(15);
    expect(texts(regions).filter((t) => t === 'Wireless Walkie-Talkie')).toHaveLength(2);
    // 800×800: [[295, 2, 370, 226], [374, 0, 447, 226]] × 0.8 = [236, 1.6, 296, 180.8], [299.2, 0, 357.6, 180.8]
    const walkie = regions.filter((r) => r.text === 'Wireless Walkie-Talkie');
    expectBox(walkie[0].box, [236, 1.6, 296, 180.8]);
    expectBox(walkie[1].box, [299.2, 0, 357.6, 180.8]);
    expect(regions[0]).toMatchObject({ text: 'Bulletproof Helmet' });
    expectBox(regions[0].box, [0.8, 1.6, 215.2, 188]);
  });

  it('maps the RefCOCO answer to pixels of the 427×640 original', () => {
    const a = real('internvl2', 'doc-refcoco-1');
    const { regions } = dialect.parse(a.answer, a.imageSize!);
    // 243 × 0.427 = 103.761, 469 × 0.64 = 300.16, 558 × 0.427 = 238.266, 746 × 0.64 = 477.44
    expect(regions).toHaveLength(1);
    expect(regions[0].text).toBe('the lady with the blue shirt');
    expectBox(regions[0].box, [103.76, 300.16, 238.27, 477.44]);
    expect(regions[0].points).toEqual([
      [103.76, 300.16],
      [238.27, 300.16],
      [238.27, 477.44],
      [103.76, 477.44],
    ]);
  });

  it('reads InternVL2.5-8B answers whose <ref>/<box> tokens the decoder stripped (issue #953)', () => {
    const a = real('internvl2', 'issue-953-all');
    const { regions, warnings } = dialect.parse(a.answer, { width: 1000, height: 1000 });
    expect(texts(regions)).toEqual(['car', 'car', 'truck', 'van', 'bus', 'pedestrian']);
    expectBox(regions[1].box, [286, 558, 444, 711]);
    // pedestrian [[0, 1000, 999, 998]]: y1 > y2, swapped.
    expectBox(regions[5].box, [0, 998, 999, 1000]);
    expect(warnings).toEqual(['box 6: corners in reverse order ("[0, 1000, 999, 998]"), swapped']);
    const single = dialect.parse(real('internvl2', 'issue-953-car').answer, { width: 1000, height: 1000 });
    expect(single.regions.map((r) => r.box)).toEqual([[561, 660, 695, 1000]]);
  });

  it("reads ms-swift 2.x's `<box> [[…]] </box>` with spaces, and its 0–999 scale on request", () => {
    const a = real('internvl2', 'swift2-doc');
    expect(dialect.parse(a.answer, { width: 1000, height: 1000 }).regions.map((r) => r.box)).toEqual([[200, 200, 600, 600]]);
    // Written as int(x / W * 999): 200 / 999 × 1000 = 200.2, 600 / 999 × 1000 = 600.6
    const swift2 = dialect.parse(a.answer, { width: 1000, height: 1000 }, { coordinateScale: 999 });
    expectBox(swift2.regions[0].box, [200.2, 200.2, 600.6, 600.6]);
  });
});

describe('qwen-vl on real answers', () => {
  const dialect = getDialect('qwen-vl');
  const square = { width: 1000, height: 1000 };

  it("reads the README's high-five and grounded caption (prompt echoed, <|endoftext|> left over)", () => {
    const five = dialect.parse(real('qwen-vl', 'readme-high-five').answer, square);
    expect(five.regions).toEqual([{ points: [[536, 509], [588, 509], [588, 602], [536, 602]], box: [536, 509, 588, 602], text: '击掌' }]);
    const caption = dialect.parse(real('qwen-vl', 'readme-grounded-caption').answer, square);
    expect(texts(caption.regions)).toEqual(['Woman', 'her dog']);
    expectBox(caption.regions[1].box, [219, 424, 576, 896]);
    expect(caption.warnings).toEqual([]);
  });

  it('gives every box after one ref that ref: two apples and a bowl', () => {
    const a = real('qwen-vl', 'tutorial-apples');
    const { regions } = dialect.parse(a.answer, a.imageSize!);
    expect(texts(regions)).toEqual(['Two apples', 'Two apples', 'a bowl']);
    // 1000×500: y × 0.5 → (302,257),(582,671) = [302, 128.5, 582, 335.5]
    expectBox(regions[0].box, [302, 128.5, 582, 335.5]);
    expectBox(regions[2].box, [2, 134.5, 304, 337]);
  });

  it('reads Chinese refs joined by prose, and three boxes of one ref served by ms-swift', () => {
    expect(texts(dialect.parse(real('qwen-vl', 'tutorial-shanghai').answer, square).regions)).toEqual(['上海环球金融中心', '东方明珠']);
    const roses = dialect.parse(real('qwen-vl', 'swift2-roses').answer, square);
    expect(roses.regions.map((r) => r.box)).toEqual([
      [34, 449, 368, 981],
      [342, 456, 670, 917],
      [585, 508, 859, 977],
    ]);
    expect(dialect.parse(real('qwen-vl', 'swift2-high-five').answer, square).regions[0].text).toBe('the high-five');
  });
});

describe('qwen2-vl on real answers', () => {
  const dialect = getDialect('qwen2-vl');
  const square = { width: 1000, height: 1000 };

  it('reads refs and boxes inside a grounded caption, and boxes without a ref', () => {
    const caption = dialect.parse(real('qwen2-vl', 'swift-doc-caption').answer, square);
    expect(texts(caption.regions)).toEqual(['a dog', 'a woman']);
    expectBox(caption.regions[1].box, [451, 381, 733, 793]);
    const sheep = dialect.parse(real('qwen2-vl', 'swift-doc-sheep').answer, { width: 2000, height: 500 });
    // 2000×500: (101,201),(150,266) → [202, 100.5, 300, 133]
    expect(sheep.regions.map((r) => r.box)).toEqual([
      [202, 100.5, 300, 133],
      [802, 300.5, 1100, 333],
    ]);
    expect(sheep.regions[0].text).toBeUndefined();
  });

  it('reads `(x, y), (x, y)` with spaces, in absolute pixels through qwen2.5-vl', () => {
    const size = { width: 1960, height: 1092 }; // already multiples of 28: the input is the original
    const { regions, warnings } = getDialect('qwen2.5-vl').parse(real('qwen2-vl', 'issue-762-spaces').answer, size);
    expect(warnings).toEqual([]);
    expect(regions.map((r) => r.box)).toEqual([
      [1769, 1013, 1778, 1027],
      [483, 954, 519, 987],
      [419, 507, 429, 519],
    ]);
  });

  it('drops a garbled answer with a warning that says what is wrong (ScreenSpot-Pro issue #7)', () => {
    const { regions, warnings } = dialect.parse(real('qwen2-vl', 'screenspot-pro-7').answer, square);
    expect(regions).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^box 1: 3 numbers, expected 4 \("\(501,10\), \(995987\)/);
  });
});

describe('qwen2.5-vl on real answers', () => {
  const dialect = getDialect('qwen2.5-vl');

  it('maps JSON bbox_2d from the smart-resized input (640×480 → 644×476) back to the original', () => {
    expect(dialect.inputSize!({ width: 640, height: 480 })).toEqual({ width: 644, height: 476 });
    const { regions, warnings } = dialect.parse(real('qwen2.5-vl', 'vlm-r1-288').answer, { width: 640, height: 480 });
    expect(texts(regions)).toEqual(['person', 'person', 'person', 'person']);
    // [105, 301, 232, 480]: 105/644×640 = 104.35, 301/476×480 = 303.53, 232/644×640 = 230.56; 480 > 476 is clamped → 480 px
    expectBox(regions[0].box, [104.35, 303.53, 230.56, 480]);
    expectBox(regions[3].box, [82.48, 276.3, 163.98, 455.8]);
    expect(warnings).toEqual(['box 1: 480 is outside 0–476, clamped to 476']);
  });

  it('reads OCR spotting answers (text_content) and keeps the box of an object cut mid-key', () => {
    const a = real('qwen2.5-vl', 'issue-1030-mlx');
    expect(dialect.inputSize!(a.imageSize!)).toEqual({ width: 812, height: 1176 });
    const { regions } = dialect.parse(a.answer, a.imageSize!);
    expect(texts(regions)).toEqual(["AuntieAnne's", 'CINNAMON SUGAR', '1', 'x', '17.00 SUGAR', undefined]);
    // [50, 117, 346, 168] on 812×1176 → 50/812×800 = 49.26, 117/1176×1180 = 117.40, 340.89, 168.57
    expectBox(regions[0].box, [49.26, 117.4, 340.89, 168.57]);
  });

  it('reads the malformed legacy-token answers of a LoRA fine-tune (ms-swift issue #5280) as warnings, not crashes', () => {
    const size = { width: 1920, height: 1080 };
    const options = { maxPixels: 1003520 }; // MAX_PIXELS of the training run
    expect(dialect.inputSize!(size, options)).toEqual({ width: 1316, height: 728 });
    const a = dialect.parse(real('qwen2.5-vl', 'swift-5280-a').answer, size, options);
    expect(a.regions).toEqual([]);
    expect(a.warnings).toEqual(['box 1: 1659 is outside 0–1316, box dropped']);
    const b = dialect.parse(real('qwen2.5-vl', 'swift-5280-b').answer, size, options);
    expect(b.warnings).toEqual(['box 1: 0 numbers, expected 4 ("")', 'box 2: 0 numbers, expected 4 ("", the answer ends there)']);
    expect(dialect.parse(real('qwen2.5-vl', 'swift-5280-c').answer, size, options).warnings).toHaveLength(1);
    const d = dialect.parse(real('qwen2.5-vl', 'swift-5280-d').answer, size, options);
    expect(d.warnings).toEqual(['box 1: 6 numbers, expected 4 ("(987,369),(10825,370),(1141,760)")']);
  });
});

describe('qwen3-vl on real answers', () => {
  const dialect = getDialect('qwen3-vl');

  it('reads relative 0–1000 boxes of a very wide image', () => {
    const a = real('qwen3-vl', 'issue-2020-watches');
    const { regions, warnings } = dialect.parse(a.answer, a.imageSize!);
    expect(warnings).toEqual([]);
    expect(texts(regions)).toEqual(['watch', 'watch', 'watch', 'watch']);
    // [323, 118, 444, 825] of 1380×245: 445.74, 28.91, 612.72, 202.13 (202.125 rounded to 1/100)
    expectBox(regions[0].box, [445.74, 28.91, 612.72, 202.13]);
    expectBox(regions[3].box, [946.68, 28.91, 1113.66, 202.13]);
  });

  it('ignores a point answer with a warning', () => {
    const a = real('qwen3-vl', 'cookbook-point');
    const { regions, warnings } = dialect.parse(a.answer, a.imageSize!);
    expect(regions).toEqual([]);
    // The object opens at character 11, after "```json\n[\n\t".
    expect(warnings).toEqual(['object at character 11: a point (point_2d), not a box, ignored']);
  });
});

describe('florence-2 on real answers (checked against the Transformers processor\'s own results)', () => {
  const dialect = getDialect('florence-2');
  // The recorded test expects int((bin + 0.5) × side / 1000); we keep the fraction, so truncating must agree.
  const trunc = (values: number[]) => values.map(Math.trunc);

  it('reads OCR_WITH_REGION quads of Florence-2-large: 9 lines, same pixels as post_process_generation', () => {
    const a = real('florence-2', 'hf-test-ocr-with-region');
    const { regions, warnings } = dialect.parse(a.answer, a.imageSize!, { task: 'text' });
    expect(warnings).toEqual([]);
    expect(texts(regions)).toEqual(a.expected!.labels);
    regions.forEach((r, i) => expect(trunc(r.points.flat())).toEqual(a.expected!.quad_boxes![i]));
  });

  it('reads OD boxes, several after one label (wheel ×2)', () => {
    const a = real('florence-2', 'hf-test-od');
    const { regions } = dialect.parse(a.answer, a.imageSize!, { task: 'objects' });
    expect(texts(regions)).toEqual(a.expected!.labels);
    regions.forEach((r, i) => expect(trunc(r.box)).toEqual(a.expected!.bboxes![i]));
  });

  it('reads region proposals without labels', () => {
    const a = real('florence-2', 'hf-test-region-proposal');
    const { regions } = dialect.parse(a.answer, a.imageSize!, { task: 'objects' });
    expect(regions).toHaveLength(10);
    expect(regions.every((r) => r.text === undefined)).toBe(true);
    regions.forEach((r, i) => expect(trunc(r.box)).toEqual(a.expected!.bboxes![i]));
  });
});

describe('paligemma on real answers', () => {
  const dialect = getDialect('paligemma');

  it('reads y-first location tokens: detect cat', () => {
    const { regions } = dialect.parse(real('paligemma', 'swift-test-cat').answer, { width: 1023, height: 682 });
    // <loc0000><loc0000><loc1022><loc1022>: y1 = 0, x1 = 0, y2 = 1022/1023 × 682 = 681.33, x2 = 1022/1023 × 1023 = 1022
    expect(regions).toHaveLength(1);
    expect(regions[0].text).toBe('cat');
    expectBox(regions[0].box, [0, 0, 1022, 681.33]);
  });

  it('skips segmentation tokens, and keeps the box of an object whose label never came', () => {
    const { regions, warnings } = dialect.parse(real('paligemma', 'big-vision-demo-segment').answer, { width: 1024, height: 768 });
    expect(texts(regions)).toEqual(['wall', undefined]);
    // wall: y2 = 930/1023 × 768 = 698.18, x2 = 1012/1023 × 1024 = 1012.99
    expectBox(regions[0].box, [0, 0, 1012.99, 698.18]);
    // <loc0722><loc0047><loc0895><loc0378>: x1 = 47.05, y1 = 542.03, x2 = 378.37, y2 = 671.91
    expectBox(regions[1].box, [47.05, 542.03, 378.37, 671.91]);
    expect(warnings).toEqual(['box 2: no label, the answer ends there; kept without text']);
  });
});

describe('deepseek-vl2 on real answers', () => {
  const dialect = getDialect('deepseek-vl2');
  const square = { width: 999, height: 999 };

  it("reads the README's giraffe on its 724×1086 image (value / 999 × side)", () => {
    const a = real('deepseek-vl2', 'readme-giraffe');
    const { regions, warnings } = dialect.parse(a.answer, a.imageSize!);
    expect(warnings).toEqual([]);
    expect(regions[0].text).toBe('The giraffe at the back.');
    // 580/999 × 724 = 420.34, 270/999 × 1086 = 293.51, 999 → 724, 900/999 × 1086 = 978.38
    expectBox(regions[0].box, [420.34, 293.51, 724, 978.38]);
  });

  it('recovers the second ref when the first det tag is cut off by it (issue #100)', () => {
    const { regions, warnings } = dialect.parse(real('deepseek-vl2', 'issue-100-cars').answer, square);
    expect(regions).toEqual([{ points: [[220, 416], [417, 416], [417, 720], [220, 720]], box: [220, 416, 417, 720], text: 'compact car' }]);
    expect(warnings).toEqual(['box 1: 1 number, expected 4 ("[220,")']);
  });

  it('drops 9999 and a run of hundreds of 9s with warnings (issue #96)', () => {
    const { regions, warnings } = dialect.parse(real('deepseek-vl2', 'issue-96-nines').answer, square);
    expect(regions).toEqual([]);
    expect(warnings[0]).toBe('box 1: 9999 is outside 0–999, box dropped');
    expect(warnings[1]).toMatch(/^box 2: 5 numbers, expected 4 \("\[0, 5, 533, 17, 9999.*the answer ends there\)$/);
  });

  it('reads the box inside a nested list and reports the stray number (issue #96)', () => {
    const { regions, warnings } = dialect.parse(real('deepseek-vl2', 'issue-96-nested').answer, square);
    expect(regions.map((r) => r.box)).toEqual([[234, 244, 542, 543]]);
    expect(warnings).toEqual([
      'box 1: number(s) 245 outside any [..], ignored',
      'box 1: corners in reverse order ("[234,543,542,244]"), swapped',
    ]);
  });
});
