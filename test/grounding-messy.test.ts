/**
 * Messy variants derived from the recorded answers (test/fixtures/grounding/real-answers.json): code
 * fences and prose, a last box cut by max tokens, degenerate loops, swapped corners, full-width digits and
 * commas, JSON with trailing commas, out-of-range numbers. Every parse keeps what can be recovered and says
 * what it dropped and where; none throws.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ImageSize } from '../src/core/types.js';
import { dialects, getDialect } from '../src/grounding/index.js';

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/grounding/real-answers.json', import.meta.url), 'utf8')) as Record<
  string,
  { id: string; answer: string; imageSize: ImageSize | null }[]
>;
const answer = (dialect: string, id: string) => fixtures[dialect].find((a) => a.id === id)!.answer;
const square: ImageSize = { width: 1000, height: 1000 };

/** Full-width digits and commas in the coordinates only (a model writing Chinese slips into them). */
const fullWidthNumbers = (text: string) =>
  text.replace(/\d|,/g, (c) => (c === ',' ? '，' : String.fromCharCode(c.charCodeAt(0) - 48 + 0xff10)));

const refcoco = answer('internvl2', 'doc-refcoco-1'); // <ref>the lady with the blue shirt</ref><box>[[243, 469, 558, 746]]</box>
const giraffe = answer('deepseek-vl2', 'readme-giraffe');
const watches = answer('qwen3-vl', 'issue-2020-watches');

describe('code fences, prose, echoed prompts', () => {
  it('internvl2: prose before and after a fenced answer changes nothing', () => {
    const dialect = getDialect('internvl2');
    const messy = `Sure! Here are the boxes:\n\`\`\`text\n${refcoco}\n\`\`\`\nLet me know if you need anything else.`;
    expect(dialect.parse(messy, square)).toEqual(dialect.parse(refcoco, square));
  });

  it('qwen3-vl: a ```json fence with prose around it', () => {
    const dialect = getDialect('qwen3-vl');
    const body = watches.replace(/^json\n/, '');
    const messy = `I found 4 watches.\n\`\`\`json\n${body}\n\`\`\`\nThey are evenly spaced.`;
    expect(dialect.parse(messy, square).regions).toHaveLength(4);
    expect(dialect.parse(messy, square).warnings).toEqual([]);
  });
});

describe('a last box cut by max tokens', () => {
  it('internvl2: keeps the complete boxes, reports the cut one', () => {
    const v3det = answer('internvl2', 'doc-v3det');
    const cut = v3det.slice(0, v3det.indexOf('<ref>artifact</ref><box>[[915, 0, 98') + '<ref>artifact</ref><box>[[915, 0, 98'.length);
    const { regions, warnings } = getDialect('internvl2').parse(cut, { width: 800, height: 800 });
    expect(regions).toHaveLength(14);
    expect(warnings).toEqual(['box 15: 3 numbers, expected 4 ("[915, 0, 98", the answer ends there)']);
  });

  it('qwen2.5-vl: a JSON object cut inside its bbox_2d', () => {
    const vlm = answer('qwen2.5-vl', 'vlm-r1-288');
    const cut = vlm.slice(0, vlm.indexOf('[83, 274') + '[83, 27'.length);
    const { regions, warnings } = getDialect('qwen2.5-vl').parse(cut, { width: 644, height: 476 });
    expect(regions).toHaveLength(3);
    expect(warnings.at(-1)).toBe('box 4: 2 numbers, expected 4 ("[83, 27", the answer ends there)');
  });

  it('florence-2: a location token cut in half', () => {
    const ocr = answer('florence-2', 'hf-test-ocr-with-region').replace(/<\/s>$/, '');
    const cut = ocr.slice(0, ocr.lastIndexOf('88<loc_859>') + '88<loc_859><loc_435><loc_8'.length);
    const { regions, warnings } = getDialect('florence-2').parse(cut, { width: 1300, height: 876 });
    expect(regions).toHaveLength(8);
    expect(warnings).toEqual(['box 9: 2 numbers, expected 8 ("<loc_859><loc_435>", the answer ends there)']);
  });

  it('every dialect survives its answer cut at every character, never returning more than the whole', () => {
    const cases: [string, string, ImageSize][] = [
      ['internvl2', answer('internvl2', 'doc-v3det'), { width: 800, height: 800 }],
      ['qwen-vl', answer('qwen-vl', 'tutorial-apples'), square],
      ['qwen2-vl', answer('qwen2-vl', 'swift-doc-caption'), square],
      ['qwen2.5-vl', answer('qwen2.5-vl', 'issue-1030-mlx'), { width: 800, height: 1180 }],
      ['qwen3-vl', watches, { width: 1380, height: 245 }],
      ['florence-2', answer('florence-2', 'hf-test-ocr-with-region'), { width: 1300, height: 876 }],
      ['paligemma', answer('paligemma', 'big-vision-demo-segment'), { width: 1024, height: 768 }],
      ['deepseek-vl2', giraffe, { width: 724, height: 1086 }],
    ];
    for (const [name, full, size] of cases) {
      const dialect = getDialect(name);
      const whole = dialect.parse(full, size).regions.length;
      for (let end = 0; end <= full.length; end++) {
        const { regions, warnings } = dialect.parse(full.slice(0, end), size);
        expect(regions.length, `${name} cut at ${end}`).toBeLessThanOrEqual(whole);
        expect(Array.isArray(warnings)).toBe(true);
      }
    }
  });
});

describe('degenerate loops', () => {
  it('internvl2: the same line 40 times is one region and one warning', () => {
    const looped = Array.from({ length: 40 }, () => refcoco).join('\n');
    const { regions, warnings } = getDialect('internvl2').parse(looped, square);
    expect(regions).toHaveLength(1);
    expect(warnings).toEqual(['box 1: repeated 39 times (box 2–40), repeats dropped']);
  });

  it('paligemma: a repeated detection collapses; a different label at the same place stays', () => {
    const cat = answer('paligemma', 'swift-test-cat');
    const looped = [...Array.from({ length: 25 }, () => cat), '<loc0000><loc0000><loc1022><loc1022> dog'].join(' ; ');
    const { regions, warnings } = getDialect('paligemma').parse(looped, square);
    expect(regions.map((r) => r.text)).toEqual(['cat', 'dog']);
    expect(warnings).toEqual(['box 1: repeated 24 times (box 2–25), repeats dropped']);
  });

  it('qwen3-vl: near-identical repeats (one unit apart) are repeats too; a loop cut at the end as well', () => {
    const line = (x: number) => `{"bbox_2d": [${x}, 118, 444, 825], "label": "watch"}`;
    const looped = `[\n${[323, 324, 323, 324, 323].map(line).join(',\n')},\n{"bbox_2d": [323, 11`;
    const { regions, warnings } = getDialect('qwen3-vl').parse(looped, square);
    expect(regions).toHaveLength(1);
    expect(warnings).toEqual(['box 6: 2 numbers, expected 4 ("[323, 11", the answer ends there)', 'box 1: repeated 4 times (box 2–5), repeats dropped']);
  });
});

describe('swapped corners, out-of-range numbers', () => {
  it('deepseek-vl2: x1 > x2 is swapped with a warning', () => {
    const swapped = giraffe.replace('[[580, 270, 999, 900]]', '[[999, 270, 580, 900]]');
    const { regions, warnings } = getDialect('deepseek-vl2').parse(swapped, square);
    expect(regions[0].box[0]).toBeCloseTo((580 / 999) * 1000, 2);
    expect(warnings).toEqual(['box 1: corners in reverse order ("[999, 270, 580, 900]"), swapped']);
  });

  it('internvl2: 1005 is clamped to 1000, 5000 drops its box; both said', () => {
    const messy = '<ref>a</ref><box>[[10, 20, 1005, 400]]</box>\n<ref>b</ref><box>[[10, 20, 5000, 400]]</box>';
    const { regions, warnings } = getDialect('internvl2').parse(messy, square);
    expect(regions.map((r) => r.box)).toEqual([[10, 20, 1000, 400]]);
    expect(warnings).toEqual(['box 1: 1005 is outside 0–1000, clamped to 1000', 'box 2: 5000 is outside 0–1000, box dropped']);
  });

  it('qwen-vl: a negative number slightly below zero is clamped', () => {
    const { regions, warnings } = getDialect('qwen-vl').parse('<ref>x</ref><box>(-3,10),(20,30)</box>', square);
    expect(regions[0].box).toEqual([0, 10, 20, 30]);
    expect(warnings).toEqual(['box 1: -3 is outside 0–1000, clamped to 0']);
  });
});

describe('full-width digits and commas, JSON slips', () => {
  it('internvl2: full-width coordinates read as ASCII, the label keeps its own characters', () => {
    const messy = `<ref>合计：</ref><box>${fullWidthNumbers('[[243, 469, 558, 746]]')}</box>`;
    expect(messy).toContain('[[２４３， ４６９， ５５８， ７４６]]');
    const { regions } = getDialect('internvl2').parse(messy, square);
    expect(regions).toEqual([{ points: [[243, 469], [558, 469], [558, 746], [243, 746]], box: [243, 469, 558, 746], text: '合计：' }]);
  });

  it('qwen2-vl: full-width parentheses and commas inside the box tokens', () => {
    const messy = '<|object_ref_start|>羊<|object_ref_end|><|box_start|>（１０１，２０１），（１５０，２６６）<|box_end|>';
    expect(getDialect('qwen2-vl').parse(messy, square).regions[0].box).toEqual([101, 201, 150, 266]);
  });

  it('qwen2.5-vl: trailing commas, a missing comma between objects, full-width digits, keys in any order', () => {
    const messy = [
      '```json',
      '[',
      '  {"label": "person", "bbox_2d": [105, 301, 232, 470],},',
      '  {"bbox_2d": [２１０，２６３，２９０，４７６], "label": "person"}',
      '  {"bbox_2d": [153, 265, 204, 338,], "label": "a \\"quoted\\" {brace}"},',
      ']',
      '```',
    ].join('\n');
    const { regions, warnings } = getDialect('qwen2.5-vl').parse(messy, { width: 644, height: 476 });
    expect(warnings).toEqual([]);
    expect(regions.map((r) => r.text)).toEqual(['person', 'person', 'a "quoted" {brace}']);
    expect(regions.map((r) => r.box)).toEqual([
      [105, 301, 232, 470],
      [210, 263, 290, 476],
      [153, 265, 204, 338],
    ]);
  });

  it('qwen3-vl: objects wrapped in another object are read, the wrapper is not', () => {
    const wrapped = '{"objects": [{"bbox_2d": [1, 2, 3, 4], "label": "a"}, {"bbox_2d": [5, 6, 7, 8], "label": "b"}]}';
    expect(getDialect('qwen3-vl').parse(wrapped, square).regions.map((r) => r.text)).toEqual(['a', 'b']);
  });
});

describe('what parse never does', () => {
  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = ['', '   ', 'no boxes here', '<ref></ref><box></box>', '[[[[', '{{{"bbox_2d": [', '<loc_', '<|det|>', null, undefined, 42];
    for (const dialect of dialects.all()) {
      for (const input of inputs) {
        const result = dialect.parse(input as string, square);
        expect(result.regions, `${dialect.name} on ${String(input)}`).toEqual([]);
      }
    }
  });

  it('says so when the image size is unusable, instead of mapping to NaN', () => {
    for (const dialect of dialects.all()) {
      const { regions, warnings } = dialect.parse(refcoco, { width: 0, height: 0 });
      expect(regions).toEqual([]);
      expect(warnings).toEqual(['image size 0×0 is unusable: no coordinates can be mapped']);
    }
  });
});
