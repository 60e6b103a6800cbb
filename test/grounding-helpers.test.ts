/**
 * The shared pieces under the dialects: the registry, number scanning, Python rounding, smart_resize,
 * repeat removal.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import type { Region } from '../src/core/types.js';
import { dialects, getDialect, smartResize } from '../src/grounding/index.js';
import { asciiCoordinates, roundHalfEven, scanNumbers } from '../src/grounding/numbers.js';
import { dropRepeats } from '../src/grounding/candidates.js';

describe('the dialect registry', () => {
  it('holds the eight dialects, each with a description, prompts and a grid', () => {
    expect(dialects.names()).toEqual(['internvl2', 'qwen-vl', 'qwen2-vl', 'qwen2.5-vl', 'qwen3-vl', 'florence-2', 'paligemma', 'deepseek-vl2']);
    for (const d of dialects.all()) {
      expect(d.description.length, d.name).toBeGreaterThan(20);
      expect(d.description, d.name).not.toContain('\n');
      expect(d.prompts.text.length, d.name).toBeGreaterThan(0);
      expect(d.prompts.objects.length, d.name).toBeGreaterThan(0);
      expect(typeof d.grid.kind).toBe('string');
    }
  });

  it('finds dialects by alias, case-insensitively', () => {
    expect(getDialect('InternVL3').name).toBe('internvl2');
    expect(getDialect('internvl2.5').name).toBe('internvl2');
    expect(getDialect('qwen2_5_vl').name).toBe('qwen2.5-vl');
    expect(getDialect('Florence2').name).toBe('florence-2');
    expect(getDialect('paligemma2').name).toBe('paligemma');
  });

  it('refuses an unknown name with a UsageError that lists the known ones', () => {
    expect(() => getDialect('llava')).toThrow(UsageError);
    expect(() => getDialect('llava')).toThrow(/unknown grounding dialect "llava"; known: internvl2, qwen-vl, .*deepseek-vl2/);
  });

  it('only Florence-2 keeps quads; only Qwen2.5-VL needs an input size', () => {
    expect(dialects.all().filter((d) => d.keepsQuads).map((d) => d.name)).toEqual(['florence-2']);
    expect(dialects.all().filter((d) => d.inputSize).map((d) => d.name)).toEqual(['qwen2.5-vl']);
  });
});

describe('numbers', () => {
  it('rounds halves to even like Python 3: 0.5 → 0, 1.5 → 2, 2.5 → 2, 132.5 → 132, -0.5 → -0', () => {
    expect([0.5, 1.5, 2.5, 132.5, 499.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 132, 500, 2, 3]);
    expect(roundHalfEven(-0.5) === 0).toBe(true);
  });

  it('scans numbers written with full-width digits, commas and decimal points', () => {
    expect(scanNumbers('［１２，３４．５， -７, 8]')).toEqual([12, 34.5, -7, 8]);
    expect(scanNumbers('(101，201)、(150,266)')).toEqual([101, 201, 150, 266]);
    expect(scanNumbers('no numbers')).toEqual([]);
  });

  it('turns only coordinate characters to ASCII; other full-width text stays', () => {
    expect(asciiCoordinates('合计：（１２）ＡＢ')).toBe('合计:(12)ＡＢ');
  });
});

describe('smart_resize (Qwen2.5-VL)', () => {
  it("matches the cookbook's recorded input: an 870×1398 image is seen as 868×1400", () => {
    // QwenLM/Qwen2.5-VL cookbooks/ocr.ipynb cell 13 printed image_grid_thw × 14 = (1400, 868) for ocr_example3.jpg.
    expect(smartResize({ width: 870, height: 1398 })).toEqual({ width: 868, height: 1400 });
  });

  it('shrinks to max_pixels, rounding down to multiples of 28', () => {
    // 1920×1080, max 1,003,520: β = sqrt(2,073,600 / 1,003,520) = 1.4375; 1080/β/28 = 26.8 → 728; 1920/β/28 = 47.7 → 1316.
    expect(smartResize({ width: 1920, height: 1080 }, { maxPixels: 1003520 })).toEqual({ width: 1316, height: 728 });
  });

  it('grows to min_pixels, rounding up', () => {
    // 20×20: 28×28 = 784 < 3136; β = sqrt(3136 / 400) = 2.8; ceil(56/28) × 28 = 56.
    expect(smartResize({ width: 20, height: 20 })).toEqual({ width: 56, height: 56 });
  });

  it('uses Python rounding for the factor: 70/28 = 2.5 → 2 (56, not 84); 14/28 = 0.5 → 0, held at one patch', () => {
    expect(smartResize({ width: 70, height: 5600 })).toEqual({ width: 56, height: 5600 });
    expect(smartResize({ width: 14, height: 5600 })).toEqual({ width: 28, height: 5600 });
  });
});

describe('repeat removal', () => {
  const at = (x: number, text?: string): Region => ({ points: [], box: [x, 0, x + 100, 20], text });

  it('drops boxes of the same text overlapping ≥ 0.9, keeps different texts and distant boxes', () => {
    const warnings: string[] = [];
    const kept = dropRepeats(
      [
        { index: 1, region: at(0, 'a') },
        { index: 2, region: at(1, 'a') }, // IoU 99/101 = 0.98: a repeat
        { index: 3, region: at(0, 'b') }, // other text
        { index: 4, region: at(10, 'a') }, // IoU 90/110 = 0.82: another line
        { index: 5, region: at(0, 'a') },
      ],
      0.9,
      warnings,
    );
    expect(kept.map((r) => [r.text, r.box[0]])).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 10],
    ]);
    expect(warnings).toEqual(['box 1: repeated 2 times (box 2, 5), repeats dropped']);
  });
});
