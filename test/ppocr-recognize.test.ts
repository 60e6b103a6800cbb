/**
 * Recognition input: how crops are batched by width, and how a batch tensor is filled (BGR planes scaled to
 * −1..1, crops resized to the model height keeping their aspect ratio, zero padding on the right).
 */
import { describe, expect, it } from 'vitest';
import { planCrop, type RgbPixels } from '../src/detectors/ppocr/crop.js';
import { fillCropBatch, splitBatches } from '../src/detectors/ppocr/recognize.js';

describe('splitBatches', () => {
  it('cuts every maxBatch crops when widths are alike', () => {
    expect(splitBatches([100, 100, 100, 100, 100, 100, 100], 3, 0.2)).toEqual([3, 3, 1]);
  });

  it('starts a new batch before a crop that would make padding waste more than maxWaste', () => {
    // 100, 110: padded 2 × 110 = 220 vs 210 own (4.8 % waste) → together. Adding 400: 3 × 400 = 1200 vs
    // 610 (97 % waste) → new batch. Adding 420 to [400]: 840 vs 820 (2.4 %) → together.
    expect(splitBatches([100, 110, 400, 420], 6, 0.2)).toEqual([2, 2]);
  });

  it('handles no crops and one crop', () => {
    expect(splitBatches([], 6, 0.2)).toEqual([]);
    expect(splitBatches([50], 6, 0.2)).toEqual([1]);
  });
});

describe('fillCropBatch', () => {
  // A 4×2 image: left half pure red (255, 0, 0), right half pure blue (0, 0, 255).
  const image: RgbPixels = {
    data: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]),
    width: 4,
    height: 2,
  };

  it('writes B, G, R planes as v / 127.5 − 1 and pads the rest of the row with 0', () => {
    // The whole image (4 × 2) at height 2 keeps width 4; the batch is 6 wide, so columns 4–5 are padding.
    const plan = planCrop([[0, 0], [4, 0], [4, 2], [0, 2]]);
    const tensor = fillCropBatch(image, [plan], 2, 6);
    const plane = 2 * 6;
    const row0 = (p: number) => Array.from(tensor.subarray(p * plane, p * plane + 6));
    expect(row0(0)).toEqual([-1, -1, 1, 1, 0, 0]); // blue plane first: 0 → −1 on the red half, 255 → 1
    expect(row0(1)).toEqual([-1, -1, -1, -1, 0, 0]); // green
    expect(row0(2)).toEqual([1, 1, -1, -1, 0, 0]); // red
  });

  it('places each crop of a batch in its own slice, resized to the model height', () => {
    // 6×2 image, red pixels x 0–2, blue x 3–5. Quads run between pixel centres (OpenCV's convention), so
    // x 0..2 is all red and x 3..5 all blue; each 2 × 2 crop resized to height 4 is 4 wide.
    const wide: RgbPixels = { data: new Uint8Array(6 * 2 * 3), width: 6, height: 2 };
    for (let i = 0; i < 12; i++) wide.data[i * 3 + ((i % 6) < 3 ? 0 : 2)] = 255;
    const left = planCrop([[0, 0], [2, 0], [2, 2], [0, 2]]);
    const right = planCrop([[3, 0], [5, 0], [5, 2], [3, 2]]);
    const tensor = fillCropBatch(wide, [left, right], 4, 4);
    const perCrop = 3 * 4 * 4;
    expect(tensor.length).toBe(2 * perCrop);
    expect(Array.from(tensor.subarray(2 * 16, 3 * 16))).toEqual(new Array(16).fill(1)); // crop 0, red plane
    expect(Array.from(tensor.subarray(perCrop, perCrop + 16))).toEqual(new Array(16).fill(1)); // crop 1, blue plane
    expect(Array.from(tensor.subarray(perCrop + 32, perCrop + 48))).toEqual(new Array(16).fill(-1)); // crop 1, red plane
  });
});
