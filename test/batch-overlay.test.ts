/**
 * Overlays (src/image/overlay.ts) on images rendered by the test, where the expected pixels are known:
 * a 200 × 120 image, one quad from (40, 30) to (160, 90). At this size the defaults give a 2 px outline
 * (y 29..31 on the top edge: pixel rows 29 and 30), a 1.5 px dark halo each side of it (y 27.5..29 and
 * 31..32.5: rows 28 and 31 fully), and the index
 * label "0" in a 16 px box just left of the first point (x ≈ 27.5..38.5, y 28.5..44.5).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BadImageError } from '../src/core/errors.js';
import type { Point } from '../src/core/types.js';
import { drawOverlay, overlaySvg, OVERLAY_PALETTE } from '../src/image/overlay.js';

const QUAD: Point[] = [[40, 30], [160, 30], [160, 90], [40, 90]];
const CYAN = [0x00, 0xe5, 0xff]; // OVERLAY_PALETTE[0], the colour of region 0

function background(grey: number, width = 200, height = 120): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toBuffer();
}

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  return { info, at };
}

const near = (actual: number[], expected: number[], tolerance = 12) => actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);

describe('drawOverlay', () => {
  it('returns a PNG of the image size with the outline drawn on the edges and nothing elsewhere', async () => {
    const png = await drawOverlay(await background(128), [{ points: QUAD }]);
    const { info, at } = await pixels(png);
    expect([info.width, info.height]).toEqual([200, 120]);
    expect(OVERLAY_PALETTE[0]).toBe('#00e5ff');
    for (const [x, y] of [[100, 30], [159, 60], [100, 89], [40, 60]] as Point[]) expect(at(x, y), `outline at ${x},${y}`).toEqual(CYAN);
    // The halo beside the outline is dark: black at 0.7 opacity over grey 128 → 128 × 0.3 ≈ 38.
    expect(near(at(100, 28), [38, 38, 38])).toBe(true);
    expect(near(at(100, 31), [38, 38, 38])).toBe(true);
    // Inside and far outside: the image untouched.
    expect(at(100, 60)).toEqual([128, 128, 128]);
    expect(at(190, 110)).toEqual([128, 128, 128]);
    expect(at(5, 5)).toEqual([128, 128, 128]);
  });

  it('puts the index on a filled label left of the first point: region colour with black digit strokes', async () => {
    const png = await drawOverlay(await background(128), [{ points: QUAD }]);
    const { at } = await pixels(png);
    let cyan = 0;
    let black = 0;
    for (let y = 29; y <= 44; y++) {
      for (let x = 28; x <= 38; x++) {
        if (near(at(x, y), CYAN, 30)) cyan++;
        if (near(at(x, y), [0, 0, 0], 40)) black++;
      }
    }
    expect(cyan).toBeGreaterThan(30); // the label's fill (the inside of the "0" among it)
    expect(black).toBeGreaterThan(20); // the "0" strokes and the label's edge
    const svg = overlaySvg([{ points: QUAD }, { points: QUAD }], { width: 200, height: 120 });
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(overlaySvg([{ points: QUAD }], { width: 200, height: 120 }, { labels: false })).not.toContain('<rect');
  });

  it('stays visible on white and on black backgrounds', async () => {
    for (const grey of [0, 255]) {
      const { at } = await pixels(await drawOverlay(await background(grey), [{ points: QUAD }]));
      expect(at(100, 30), `outline on ${grey}`).toEqual(CYAN);
      // On white the halo gives the contrast (255 × 0.3 ≈ 77); on black the outline itself does.
      if (grey === 255) expect(near(at(100, 28), [77, 77, 77])).toBe(true);
    }
  });

  it('draws "don\'t care" regions dashed in grey', async () => {
    const { at } = await pixels(await drawOverlay(await background(0), [{ points: QUAD, ignore: true }], { labels: false }));
    const row = Array.from({ length: 100 }, (_, i) => at(50 + i, 30));
    const grey = row.filter((p) => near(p, [0xbd, 0xbd, 0xbd], 20)).length;
    const gaps = row.filter((p) => p[0] < 40).length;
    expect(grey).toBeGreaterThan(40);
    expect(gaps).toBeGreaterThan(20);
  });

  it('uses the EXIF-oriented size, like every coordinate in ocrdet', async () => {
    // Stored 40 × 20 with orientation 6 (rotate 90° clockwise): shown and drawn as 20 × 40.
    const stored = await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { info, at } = await pixels(await drawOverlay(stored, [{ points: [[2, 20], [18, 20], [18, 38], [2, 38]] }], { labels: false }));
    expect([info.width, info.height]).toEqual([20, 40]);
    expect(at(10, 20)).toEqual(CYAN);
  });

  it('shrinks to maxSidePx with the regions scaled alike', async () => {
    const { info, at } = await pixels(await drawOverlay(await background(128), [{ points: QUAD }], { maxSidePx: 100, labels: false }));
    expect([info.width, info.height]).toEqual([100, 60]);
    expect(at(50, 15)).toEqual(CYAN); // (100, 30) scaled by 1/2
    expect(at(50, 30)).toEqual([128, 128, 128]);
  });

  it('throws BadImageError for an image it cannot read', async () => {
    await expect(drawOverlay(Buffer.from('not an image'), [{ points: QUAD }])).rejects.toThrow(BadImageError);
  });
});
