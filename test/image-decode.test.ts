import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/decode.js';
import { probeImage } from '../src/image/probe.js';
import { bombPng, solidJpeg, truncatedJpeg } from './helpers/images.js';

const dir = mkdtempSync(join(tmpdir(), 'ocrdet-decode-'));
function file(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The RGB value at (x, y) of a decoded image. */
function pixel(img: { data: Buffer; width: number }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

describe('decodeImage', () => {
  it('applies EXIF orientation: a 40×20 image stored with orientation 6 decodes as 20×40', async () => {
    // Left half red, right half blue as stored; orientation 6 means "rotate 90° clockwise to display".
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const path = file('rotated.jpg', await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const img = await decodeImage(path);
    expect([img.width, img.height]).toEqual([20, 40]);
    // After a clockwise quarter turn the stored left (red) half is on top.
    expect(pixel(img, 10, 5)[0]).toBeGreaterThan(200);
    expect(pixel(img, 10, 35)[2]).toBeGreaterThan(200);
    const probe = await probeImage(path);
    expect(probe).toMatchObject({ width: 20, height: 40, storedWidth: 40, storedHeight: 20, orientation: 6, format: 'jpeg' });
  });

  it('normalises CMYK, 16-bit, grey and alpha inputs to 8-bit RGB', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 128, b: 255, alpha: 1 } } });
    const inputs = {
      cmyk: await base.clone().removeAlpha().toColourspace('cmyk').jpeg().toBuffer(),
      rgb16: await base.clone().removeAlpha().toColourspace('rgb16').png().toBuffer(),
      grey: await base.clone().greyscale().png().toBuffer(),
      alpha: await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer(),
    };
    for (const [name, buffer] of Object.entries(inputs)) {
      const img = await decodeImage(buffer);
      expect(img.data.length, name).toBe(8 * 8 * 3);
    }
    // Transparent pixels are flattened on white, so text drawn on transparency stays visible.
    expect(pixel(await decodeImage(inputs.alpha), 3, 3)).toEqual([255, 255, 255]);
    // 16-bit blue survives as 8-bit blue (tolerance for colour management: 3 levels).
    const rgb16 = pixel(await decodeImage(inputs.rgb16), 0, 0);
    expect(Math.abs(rgb16[2] - 255)).toBeLessThanOrEqual(3);
    expect(Math.abs(rgb16[0] - 0)).toBeLessThanOrEqual(3);
  });

  it('takes the first frame of an animated GIF (white), not the second (black)', async () => {
    const frames = Buffer.concat([Buffer.alloc(4 * 4 * 4, 255), Buffer.alloc(4 * 4 * 4, 0)]);
    const gif = await sharp(frames, { raw: { width: 4, height: 8, channels: 4, pageHeight: 4 } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await decodeImage(gif);
    expect([img.width, img.height]).toEqual([4, 4]);
    expect(pixel(img, 1, 1)).toEqual([255, 255, 255]);
  });

  it('rejects bad files with one clear OCRDET_BAD_IMAGE line: empty, truncated, not an image, bomb', async () => {
    const cases: Array<[string, Buffer | string, RegExp]> = [
      ['empty.jpg', Buffer.alloc(0), /empty file \(0 bytes\)/],
      ['truncated.jpg', await truncatedJpeg(), /truncated or corrupt/],
      ['notes.jpg', 'this is a text file, not a JPEG\n', /not an image sharp can read/],
      ['bomb.png', bombPng(), /larger than the pixel limit/],
    ];
    for (const [name, content, reason] of cases) {
      const path = file(name, content);
      const error = await decodeImage(path).then(() => null, (e: unknown) => e as { code: string; message: string });
      expect(error, name).not.toBeNull();
      expect(error!.code, name).toBe('OCRDET_BAD_IMAGE');
      expect(error!.message, name).toMatch(reason);
      expect(error!.message, name).toContain(path);
      expect(error!.message, name).not.toContain('\n');
    }
  });

  it('says a truncated file is truncated when many fail at once (libvips loses its message to another thread)', async () => {
    const jpeg = file('cut.jpg', await truncatedJpeg());
    const fullPng = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } }).png().toBuffer();
    const png = file('cut.png', fullPng.subarray(0, Math.floor(fullPng.length * 0.7)));
    const reasons = new Map<string, number>();
    for (let round = 0; round < 30; round++) {
      const errors = await Promise.all(Array.from({ length: 8 }, (_, i) => decodeImage(i % 4 === 3 ? png : jpeg).then(() => 'decoded', (e: Error) => e.message)));
      for (const message of errors) {
        const reason = /truncated or corrupt/.test(message) ? 'truncated or corrupt' : message;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(reasons)).toEqual({ 'truncated or corrupt': 240 });
  });

  it('reports a missing file as OCRDET_NOT_FOUND', async () => {
    await expect(decodeImage(join(dir, 'nope.jpg'))).rejects.toMatchObject({ code: 'OCRDET_NOT_FOUND' });
  });

  it('accepts a large genuine image when the pixel limit is raised, rejects it under a low limit', async () => {
    const jpeg = await solidJpeg(300, 200);
    await expect(decodeImage(jpeg, { maxPixels: 50_000 })).rejects.toMatchObject({ code: 'OCRDET_BAD_IMAGE' });
    const img = await decodeImage(jpeg, { maxPixels: 60_000 });
    expect([img.width, img.height]).toEqual([300, 200]);
  });
});
