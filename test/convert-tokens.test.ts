/**
 * The answer-token estimate (src/datasets/tokens.ts) against real token counts: 45 answers and strings
 * counted with the Qwen2/Qwen2.5/Qwen3 tokenizer (test/fixtures/convert/qwen-token-counts.json, how they were
 * counted is in test/fixtures/README.md, "convert"): seed-test answers in four dialects and a few plain
 * strings. No tokenizer of InternLM2 (InternVL2-8B's LLM) was available to count with.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../src/datasets/tokens.js';

interface Entry {
  dialect: string;
  image?: string;
  text: string;
  qwenTokens: number;
}

const { entries } = JSON.parse(readFileSync(new URL('./fixtures/convert/qwen-token-counts.json', import.meta.url), 'utf8')) as { entries: Entry[] };

describe('estimateTokens', () => {
  it('counts each grounding tag as one token, digits one by one', () => {
    expect(estimateTokens('<ref>')).toBe(1);
    // 2 tags; pieces ( 1 2 , 3 4 5 ),( 6 7 8 , 9 0 0 ) → 1+2+1+3+2+3+1+3+1 ("),(" is one 3-character piece: 2 tokens).
    expect(estimateTokens('<|box_start|>(12,345),(678,900)<|box_end|>')).toBe(2 + 17);
    expect(estimateTokens('<loc_12><loc_999>')).toBe(2);
    expect(estimateTokens('<loc0012><loc1023> text')).toBe(3);
    expect(estimateTokens('')).toBe(0);
  });

  it('counts a CJK character as one token, ~4 Latin letters as one', () => {
    expect(estimateTokens('禹翔家具厂')).toBe(5);
    expect(estimateTokens('Microsoft')).toBe(3);
  });

  for (const dialect of ['internvl2', 'qwen2-vl', 'qwen2.5-vl', 'deepseek-vl2']) {
    it(`${dialect}: seed-test answers within 12 % of the real Qwen count each, within 8 % in total`, () => {
      const mine = entries.filter((e) => e.dialect === dialect);
      expect(mine).toHaveLength(10);
      let estimated = 0;
      let real = 0;
      for (const entry of mine) {
        const estimate = estimateTokens(entry.text);
        expect(Math.abs(estimate / entry.qwenTokens - 1), `${entry.image}: ${estimate} vs ${entry.qwenTokens}`).toBeLessThanOrEqual(0.12);
        estimated += estimate;
        real += entry.qwenTokens;
      }
      expect(Math.abs(estimated / real - 1)).toBeLessThanOrEqual(0.08);
    });
  }

  it('plain strings: within 35 % of the real count (short labels, mixed scripts)', () => {
    for (const entry of entries.filter((e) => e.dialect === 'plain')) {
      expect(Math.abs(estimateTokens(entry.text) / entry.qwenTokens - 1), entry.text).toBeLessThanOrEqual(0.35);
    }
  });
});
