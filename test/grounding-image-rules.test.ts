/**
 * How each model family sees an image (src/grounding/image-rules.ts), checked against the upstream code it
 * follows, and the promise detection rests on: for every family, the size an image is sent at makes the
 * server see what training saw for the same image. Worked examples are computed by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { ImageSize } from '../src/core/types.js';
import { readDataset } from '../src/datasets/index.js';
import { FAMILIES } from '../src/grounding/families.js';
import {
  DEEPSEEK_VL2_TILES,
  FLORENCE2_FIXED,
  INTERNVL_TILES,
  PALIGEMMA_448,
  QWEN2_VL_RESIZE,
  QWEN3_VL_RESIZE,
  QWEN_VL_FIXED,
  modelView,
  sameView,
  sendSize,
} from '../src/grounding/image-rules.js';
import { smartResize } from '../src/grounding/smart-resize.js';
import { SEED_TEST } from './helpers/seed-test.js';

const size = (width: number, height: number): ImageSize => ({ width, height });

describe('InternVL: dynamic tiles (ms-swift v3.12.6 swift/llm/template/vision_utils.py lines 36–83, template/internvl.py lines 27–29, 137–139)', () => {
  it('a 4:3 photo at the default 12 tiles: 4 × 3 tiles of 448 px and a thumbnail, (12 + 1) × 256 = 3,328 tokens', () => {
    expect(modelView(size(4000, 3000), INTERNVL_TILES)).toEqual({ canvas: size(1792, 1344), grid: [4, 3], overview: true, imageTokens: 3328 });
  });

  it('one tile and no thumbnail for a small square: 256 tokens', () => {
    expect(modelView(size(448, 448), INTERNVL_TILES)).toEqual({ canvas: size(448, 448), grid: [1, 1], overview: false, imageTokens: 256 });
  });

  it('on an exact aspect tie the larger grid wins when the image covers more than half of it', () => {
    // 900×900: 1×1, 2×2, 3×3 all have aspect 1; 810,000 px > ½·448²·4 = 401,408 (2×2 taken) but not > ½·448²·9 = 903,168.
    expect(modelView(size(900, 900), INTERNVL_TILES)).toMatchObject({ grid: [2, 2], imageTokens: (4 + 1) * 256 });
    // 600×600 covers less than half of 2×2: 360,000 < 401,408, one tile.
    expect(modelView(size(600, 600), INTERNVL_TILES)).toMatchObject({ grid: [1, 1], imageTokens: 256 });
  });

  it('MAX_NUM 6 (InternVL2.5\'s own fine-tuning) caps the grid: the 4:3 photo gets 3 × 2 tiles', () => {
    // Grids of at most 6 tiles nearest 1.333: 3×2 (1.5, off by 0.167) beats 1×1 and 2×2 (1.0, off by 0.333).
    expect(modelView(size(4000, 3000), { ...INTERNVL_TILES, maxTiles: 6 })).toMatchObject({ grid: [3, 2], imageTokens: (6 + 1) * 256 });
  });
});

describe('Qwen2-VL / Qwen2.5-VL / Qwen3-VL: smart_resize (QwenLM/Qwen2.5-VL@f0af299 and Qwen3-VL@9658872 qwen-vl-utils vision_process.py)', () => {
  it('at ms-swift\'s grounding budget (MAX_PIXELS 1003520): a 4000×3000 photo becomes 1148×840, 41 × 30 = 1,230 tokens', () => {
    // β = √(12e6 / 1003520) = 3.4580; ⌊3000 / β / 28⌋ = 30 → 840, ⌊4000 / β / 28⌋ = 41 → 1148.
    expect(modelView(size(4000, 3000), QWEN2_VL_RESIZE)).toEqual({ canvas: size(1148, 840), overview: false, imageTokens: 1230 });
  });

  it('the rule of the original, not of a shrunk copy: fitting 4000×3000 to the budget first gives other pixels (1156×867 → 1148×868)', () => {
    // This is why an image is sent at its own smart_resize and not at a size fitted to the budget.
    expect(smartResize(size(1156, 867), QWEN2_VL_RESIZE)).toEqual(size(1148, 868));
    expect(sendSize(size(4000, 3000), QWEN2_VL_RESIZE)).toEqual(size(1148, 840));
  });

  it('Qwen3-VL in blocks of 32 px: 1024 × 1024 px at the 1024-block budget is 32 × 32 = 1,024 tokens', () => {
    expect(modelView(size(1024, 1024), QWEN3_VL_RESIZE)).toEqual({ canvas: size(1024, 1024), overview: false, imageTokens: 1024 });
  });

  it('19 of the 50 seed-test photos are over 1,003,520 px: those are the ones whose boxes the pixel budget changes', async () => {
    let over = 0;
    for await (const sample of readDataset(SEED_TEST, { format: 'voc-quad', probeImages: false })) {
      const canvas = modelView(sample, QWEN2_VL_RESIZE).canvas;
      if (canvas.width < sample.width - 14 || canvas.height < sample.height - 14) over++;
    }
    expect(over).toBe(19);
  });
});

describe('fixed sizes and DeepSeek-VL2\'s canvases', () => {
  it('Qwen-VL 448², 256 tokens; Florence-2 768², 577 tokens; PaliGemma 2 at 448², 1,024 tokens — whatever the image', () => {
    for (const [rule, tokens] of [[QWEN_VL_FIXED, 256], [FLORENCE2_FIXED, 577], [PALIGEMMA_448, 1024]] as const) {
      expect(modelView(size(4000, 3000), rule).imageTokens).toBe(tokens);
      expect(modelView(size(100, 900), rule).canvas).toEqual(size(rule.width, rule.height));
    }
  });

  it('DeepSeek-VL2 picks the canvas that keeps all of an 800×400 image with least padding: 3 × 2 tiles, 1,415 tokens', () => {
    // deepseek-ai/DeepSeek-VL2@ef9f91e processing_deepseek_vl_v2.py select_best_resolution (lines 34–52): every
    // canvas ≥ 800×400 keeps all 320,000 px; the smallest, 1152×768 (3 × 2 tiles of 384), wastes least.
    // Tokens (lines 566–577): global 14 × (14 + 1) = 210, separator 1, local (2·14) × (3·14 + 1) = 1,204.
    expect(modelView(size(800, 400), DEEPSEEK_VL2_TILES)).toEqual({ canvas: size(1152, 768), grid: [3, 2], overview: true, imageTokens: 1415 });
  });
});

describe('the size sent at detect time makes the server see what training saw', () => {
  const synthetic = [size(4000, 3000), size(3000, 4000), size(1, 1), size(28, 28), size(5000, 300), size(300, 5000), size(12000, 9000), size(449, 449), size(1791, 1343), size(2047, 1536)];
  let seed: ImageSize[] = [];

  it('for every family, on every seed-test photo and on awkward sizes', async () => {
    for await (const sample of readDataset(SEED_TEST, { format: 'voc-quad', probeImages: false })) seed.push(size(sample.width, sample.height));
    seed = [...seed, ...synthetic];
    for (const family of FAMILIES.all()) {
      for (const original of seed) {
        const sent = sendSize(original, family.image);
        const trained = modelView(original, family.image);
        expect(sameView(modelView(sent, family.image), trained), `${family.name} ${original.width}×${original.height} sent at ${sent.width}×${sent.height}`).toBe(true);
        // Never more pixels than the image has, but for smart_resize's rounding to whole blocks.
        expect(sent.width * sent.height).toBeLessThanOrEqual(Math.max(original.width * original.height, trained.canvas.width * trained.canvas.height));
      }
    }
  });

  it('a large photo is not sent whole: InternVL gets its 1792×1344 tile canvas, Qwen2.5-VL its 1148×840 input', () => {
    expect(sendSize(size(4000, 3000), INTERNVL_TILES)).toEqual(size(1792, 1344));
    expect(sendSize(size(4000, 3000), QWEN2_VL_RESIZE)).toEqual(size(1148, 840));
    // An image the model does not shrink goes as it is: the server resizes exactly the pixels training resized.
    expect(sendSize(size(800, 600), QWEN2_VL_RESIZE)).toEqual(size(800, 600));
  });
});
