/**
 * `format` writes the exact training answer: numbers rounded as each model's pipeline rounds them (Python's
 * round-half-to-even, Florence-2's floor bins), clamped to the grid, boxes as the model writes boxes, in
 * reading order. Expected strings are worked out by hand in the comments.
 *
 * The reference system's data script (its rows: test/fixtures/train/seed-scripts/ocr_det_test_dataset.head3.jsonl) kept only the first box of
 * each image, wrote raw pixels where InternVL2 expects 0–1000, and took corners (x0,y0)/(x2,y2) of a quad,
 * giving boxes such as [[90,398,311,398]]; the last block holds one test per defect.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boxToPoints } from '../src/core/geometry.js';
import { UsageError } from '../src/core/errors.js';
import type { Point, Region } from '../src/core/types.js';
import { dialects, getDialect } from '../src/grounding/index.js';

const quadRegion = (points: Point[], text?: string, ignore?: boolean): Region => {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { points, box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], text, ignore };
};
const rect = (x1: number, y1: number, x2: number, y2: number, text?: string): Region => ({ points: boxToPoints([x1, y1, x2, y2]), box: [x1, y1, x2, y2], text });

// A 2000×1000 image: "Total" is a rectangle near the top; "Hello" a slightly rotated quad listed from its
// bottom-right corner counter-clockwise (BR, TR, TL, BL), its true bounds [695, 500, 900, 560];
// a don't-care region; given bottom-up so that reading order has to be restored.
const size = { width: 2000, height: 1000 };
const hello = quadRegion([[895, 560], [900, 520], [700, 500], [695, 540]], 'Hello');
const total = rect(100, 100, 300, 150, 'Total');
const dontCare = { ...rect(10, 900, 50, 950, '###'), ignore: true };
const sample = [hello, dontCare, total];

describe('format writes each model\'s exact answer', () => {
  it('internvl2: 0–1000 of the original, Python rounding (347.5 → 348), reading order, no don\'t-care', () => {
    // Total: 100/2000×1000 = 50, 100, 150, 150. Hello: 695/2 = 347.5 → 348 (even), 500, 450, 560.
    expect(getDialect('internvl2').format(sample, size)).toBe(
      '<ref>Total</ref><box>[[50, 100, 150, 150]]</box>\n<ref>Hello</ref><box>[[348, 500, 450, 560]]</box>',
    );
  });

  it('qwen-vl and qwen2-vl: (x1,y1),(x2,y2) without spaces in their own tags', () => {
    expect(getDialect('qwen-vl').format(sample, size)).toBe(
      '<ref>Total</ref><box>(50,100),(150,150)</box>\n<ref>Hello</ref><box>(348,500),(450,560)</box>',
    );
    expect(getDialect('qwen2-vl').format(sample, size)).toBe(
      '<|object_ref_start|>Total<|object_ref_end|><|box_start|>(50,100),(150,150)<|box_end|>\n' +
        '<|object_ref_start|>Hello<|object_ref_end|><|box_start|>(348,500),(450,560)<|box_end|>',
    );
  });

  it('qwen2.5-vl: JSON in pixels of the smart-resized input (2000×1000 → 1988×1008), or the given input size', () => {
    const dialect = getDialect('qwen2.5-vl');
    expect(dialect.inputSize!(size)).toEqual({ width: 1988, height: 1008 });
    // Total: 100/2000×1988 = 99.4 → 99, 100/1000×1008 = 100.8 → 101, 298.2 → 298, 151.2 → 151.
    // Hello: 690.83 → 691, 504, 894.6 → 895, 564.48 → 564.
    expect(dialect.format(sample, size)).toBe(
      '```json\n[\n\t{"bbox_2d": [99, 101, 298, 151], "text_content": "Total"},\n\t{"bbox_2d": [691, 504, 895, 564], "text_content": "Hello"}\n]\n```',
    );
    const given = dialect.format([total], size, { inputSize: { width: 1000, height: 500 }, task: 'objects' });
    expect(given).toBe('```json\n[\n\t{"bbox_2d": [50, 50, 150, 75], "label": "Total"}\n]\n```');
    expect(dialect.format([total], size, { style: 'legacy' })).toBe(
      '<|object_ref_start|>Total<|object_ref_end|><|box_start|>(99,101),(298,151)<|box_end|>',
    );
  });

  it('qwen3-vl: JSON, 0–1000 of the original', () => {
    expect(getDialect('qwen3-vl').format(sample, size)).toBe(
      '```json\n[\n\t{"bbox_2d": [50, 100, 150, 150], "text_content": "Total"},\n\t{"bbox_2d": [348, 500, 450, 560], "text_content": "Hello"}\n]\n```',
    );
  });

  it('florence-2: keeps the quad, clockwise from the top-left, floor bins (347.5 → 347); OD writes boxes', () => {
    const dialect = getDialect('florence-2');
    expect(dialect.keepsQuads).toBe(true);
    // Hello clockwise from TL: (700,500) (900,520) (895,560) (695,540) → bins 350,500 450,520 447,560 347,540.
    expect(dialect.format(sample, size)).toBe(
      'Total<loc_50><loc_100><loc_150><loc_100><loc_150><loc_150><loc_50><loc_150>' +
        'Hello<loc_350><loc_500><loc_450><loc_520><loc_447><loc_560><loc_347><loc_540>',
    );
    expect(dialect.format(sample, size, { task: 'objects' })).toBe(
      'Total<loc_50><loc_100><loc_150><loc_150>Hello<loc_347><loc_500><loc_450><loc_560>',
    );
  });

  it('paligemma: y first, 4-digit tokens on 1024 bins (×1023, 511.5 → 512), objects joined by " ; "', () => {
    // Total: y1 = 0.1×1023 = 102.3 → 102, x1 = 0.05×1023 = 51.15 → 51, y2 = x2 = 153.45 → 153.
    // Hello: y1 = 511.5 → 512 (even), x1 = 0.3475×1023 = 355.49 → 355, y2 = 572.88 → 573, x2 = 460.35 → 460.
    expect(getDialect('paligemma').format(sample, size)).toBe('<loc0102><loc0051><loc0153><loc0153> Total ; <loc0512><loc0355><loc0573><loc0460> Hello');
  });

  it('deepseek-vl2: 0–999 (499.5 → 500)', () => {
    // Total: 49.95 → 50, 99.9 → 100, 149.85 → 150, 149.85 → 150. Hello: 347.15 → 347, 499.5 → 500, 449.55 → 450, 559.44 → 559.
    expect(getDialect('deepseek-vl2').format(sample, size)).toBe(
      '<|ref|>Total<|/ref|><|det|>[[50, 100, 150, 150]]<|/det|>\n<|ref|>Hello<|/ref|><|det|>[[347, 500, 450, 559]]<|/det|>',
    );
  });
});

describe('format details', () => {
  it('puts every box of one label in one tag where the model does (InternVL, DeepSeek-VL2), at the first one\'s place', () => {
    const regions = [rect(100, 100, 200, 150, 'A'), rect(100, 300, 200, 350, 'B'), rect(100, 500, 200, 550, 'A')];
    expect(getDialect('internvl2').format(regions, { width: 1000, height: 1000 })).toBe(
      '<ref>A</ref><box>[[100, 100, 200, 150], [100, 500, 200, 550]]</box>\n<ref>B</ref><box>[[100, 300, 200, 350]]</box>',
    );
    expect(getDialect('qwen-vl').format(regions, { width: 1000, height: 1000 })).toBe(
      '<ref>A</ref><box>(100,100),(200,150)</box><box>(100,500),(200,550)</box>\n<ref>B</ref><box>(100,300),(200,350)</box>',
    );
  });

  it("task 'boxes' labels every region 'text' (or boxLabel)", () => {
    expect(getDialect('internvl2').format(sample, size, { task: 'boxes' })).toBe('<ref>text</ref><box>[[50, 100, 150, 150], [348, 500, 450, 560]]</box>');
    expect(getDialect('deepseek-vl2').format([total], size, { task: 'boxes', boxLabel: 'word' })).toBe('<|ref|>word<|/ref|><|det|>[[50, 100, 150, 150]]<|/det|>');
  });

  it('rounds halves to even like Python: 0.5 → 0, 2.5 → 2 (x = 1 px and 5 px of 2000)', () => {
    expect(getDialect('internvl2').format([rect(1, 10, 5, 20, 'a')], size)).toBe('<ref>a</ref><box>[[0, 10, 2, 20]]</box>');
  });

  it('clamps to the grid: the far edge is 1000 for InternVL, 999 for Qwen-VL, DeepSeek-VL2 and Florence-2 (no <loc_1000>), 1023 for PaliGemma', () => {
    const whole = [rect(0, 0, 2000, 1000, 'all')];
    expect(getDialect('internvl2').format(whole, size)).toBe('<ref>all</ref><box>[[0, 0, 1000, 1000]]</box>');
    expect(getDialect('qwen-vl').format(whole, size)).toBe('<ref>all</ref><box>(0,0),(999,999)</box>');
    expect(getDialect('deepseek-vl2').format(whole, size)).toBe('<|ref|>all<|/ref|><|det|>[[0, 0, 999, 999]]<|/det|>');
    expect(getDialect('florence-2').format(whole, size)).toBe('all<loc_0><loc_0><loc_999><loc_0><loc_999><loc_999><loc_0><loc_999>');
    expect(getDialect('paligemma').format(whole, size)).toBe('<loc0000><loc0000><loc1023><loc1023> all');
    // A region reaching outside the image is clipped to it first.
    expect(getDialect('internvl2').format([rect(-50, -20, 2100, 1200, 'out')], size)).toBe('<ref>out</ref><box>[[0, 0, 1000, 1000]]</box>');
  });

  it('keeps labels from breaking the syntax: newlines become spaces, the dialect\'s own tags are removed', () => {
    const region = rect(100, 100, 300, 150, 'line one\nline two </ref><box>');
    expect(getDialect('internvl2').format([region], size)).toBe('<ref>line one line two</ref><box>[[50, 100, 150, 150]]</box>');
    expect(getDialect('qwen3-vl').format([rect(0, 0, 20, 10, 'say "hi"')], size)).toContain('"text_content": "say \\"hi\\""');
  });

  it('writes nothing for no regions or regions outside the image (an empty JSON list for the JSON dialects), and refuses an unusable size', () => {
    expect(getDialect('internvl2').format([], size)).toBe('');
    // Entirely right of the 2000 px image: clipped to a line of no width, so left out.
    expect(getDialect('internvl2').format([rect(2100, 10, 2200, 50, 'outside')], size)).toBe('');
    expect(getDialect('qwen2.5-vl').format([dontCare], size)).toBe('```json\n[]\n```');
    expect(() => getDialect('internvl2').format([total], { width: 0, height: 0 })).toThrow(UsageError);
  });
});

describe("the reference system's defects, each caught at the dialect level", () => {
  const referenceLines = (JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<string, { answer: string }[]>).reference;

  it('all regions appear: 30 regions give 30 boxes that parse back to 30 regions, in every dialect', () => {
    const square = { width: 1000, height: 1000 };
    const regions = Array.from({ length: 30 }, (_, i) => rect(20 + (i % 5) * 190, 20 + Math.floor(i / 5) * 160, 150 + (i % 5) * 190, 80 + Math.floor(i / 5) * 160, `line ${i + 1}`));
    for (const dialect of dialects.all()) {
      const answer = dialect.format(regions, square);
      const parsed = dialect.parse(answer, square);
      expect(parsed.regions, dialect.name).toHaveLength(30);
      expect(parsed.warnings, dialect.name).toEqual([]);
    }
  });

  it('coordinates are 0–1000 of the original size, not raw pixels: a 4000×3000 image\'s lower-right quarter is [[500, 500, 1000, 1000]]', () => {
    const answer = getDialect('internvl2').format([rect(2000, 1500, 4000, 3000, 'q')], { width: 4000, height: 3000 });
    expect(answer).toBe('<ref>q</ref><box>[[500, 500, 1000, 1000]]</box>');
    expect(Math.max(...answer.match(/\d+/g)!.map(Number))).toBeLessThanOrEqual(1000);
  });

  it('a quad whose corners are in unusual order gives its true bounds, not the box of corners 0 and 2', () => {
    // seed-test MTWI2018_TB17tVPkgLD8KJjSszeXXaGRpXa (800×800), "热卖": x0..x3 = -8, 93, 125, 23; y0..y3 = 58, -9, 38, 106.
    // The reference took (x0,y0)/(x2,y2) = [[-8, 58, 125, 38]]; the true bounds clipped to the image are
    // [0, 0, 125, 106] → ×1000/800 = [0, 0, 156.25 → 156, 132.5 → 132].
    const region = quadRegion([[-8, 58], [93, -9], [125, 38], [23, 106]], '热卖');
    expect(getDialect('internvl2').format([region], { width: 800, height: 800 })).toBe('<ref>热卖</ref><box>[[0, 0, 156, 132]]</box>');
  });

  it('never writes a degenerate box for a region with area, even 1 px tall on a 3000 px image', () => {
    // y 1500–1501 of 3000 px: 500 and 500.33 both round to 500; the high end moves to 501 (within one unit).
    expect(getDialect('internvl2').format([rect(10, 1500, 1000, 1501, 'thin')], { width: 1000, height: 3000 })).toBe(
      '<ref>thin</ref><box>[[10, 500, 1000, 501]]</box>',
    );
  });

  it("parse flags the reference's own degenerate answers instead of passing them on silently", () => {
    for (const line of referenceLines) {
      const { regions, warnings } = getDialect('internvl2').parse(line.answer, { width: 1000, height: 1000 });
      expect(regions).toHaveLength(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^box 1: zero height/);
    }
  });
});
