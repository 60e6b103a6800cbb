/**
 * Input expansion (src/batch/inputs.ts) and overlay names (src/batch/overlays.ts): files, directories
 * (recursive) and globs, in a deterministic order, on a tree of empty files laid out by the test.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { expandInputs, type ImageInput } from '../src/batch/inputs.js';
import { overlayNames } from '../src/batch/overlays.js';

let root: string;
const cwd = process.cwd();
/** Paths relative to `root`, for readable expectations. */
const rel = (images: ImageInput[]) => images.map((i) => relative(root, resolve(cwd, i.path)).split('\\').join('/'));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ocrdet-inputs-'));
  const files = [
    'scans/b.png', 'scans/a.JPG', 'scans/sub/c.webp', 'scans/sub/deeper/d.tiff', 'scans/notes.txt', 'scans/.hidden/e.png',
    'scans/Z.heic', 'scans/y.bmp', 'scans/._b.png', 'scans/sub/report.PDF', 'other/a.png', 'other/x.avif', 'single.gif', 'label.json',
  ];
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  mkdirSync(join(root, 'empty'));
});

describe('expandInputs', () => {
  it('lists a directory recursively, image and PDF extensions only (any case), no hidden ones, sorted by code point', async () => {
    const images = await expandInputs([join(root, 'scans')]);
    // BMP and HEIC are listed on purpose: sharp cannot read them, and each gets a clear error, not silence.
    expect(rel(images)).toEqual([
      'scans/Z.heic', 'scans/a.JPG', 'scans/b.png', 'scans/sub/c.webp', 'scans/sub/deeper/d.tiff', 'scans/sub/report.PDF', 'scans/y.bmp',
    ]);
    expect(images.map((i) => i.relativePath)).toEqual(['Z.heic', 'a.JPG', 'b.png', 'sub/c.webp', 'sub/deeper/d.tiff', 'sub/report.PDF', 'y.bmp']);
  });

  it('keeps inputs in the order given, and a file reached twice at its first place', async () => {
    const images = await expandInputs([join(root, 'single.gif'), join(root, 'other'), join(root, 'other/a.png'), join(root, 'label.json')]);
    // A file named explicitly is taken whatever its extension (label.json will fail as an image, clearly).
    expect(rel(images)).toEqual(['single.gif', 'other/a.png', 'other/x.avif', 'label.json']);
    expect(images[0].relativePath).toBe('single.gif');
  });

  it('expands globs relative to the working directory, names relative to the fixed part of the pattern', async () => {
    const pattern = `${relative(cwd, root).split('\\').join('/')}/scans/**/*.{png,webp,tiff}`;
    const images = await expandInputs([pattern]);
    expect(rel(images)).toEqual(['scans/b.png', 'scans/sub/c.webp', 'scans/sub/deeper/d.tiff']); // no dot folders
    expect(images.map((i) => i.relativePath)).toEqual(['b.png', 'sub/c.webp', 'sub/deeper/d.tiff']);
    const absolute = await expandInputs([`${root.split('\\').join('/')}/*/a.*`]);
    expect(absolute.map((i) => i.path)).toEqual([join(root, 'other/a.png'), join(root, 'scans/a.JPG')]);
  });

  it('treats an input that matches nothing as a usage error naming it', async () => {
    await expect(expandInputs([])).rejects.toThrow(UsageError);
    await expect(expandInputs([join(root, 'missing.jpg')])).rejects.toThrow(/missing\.jpg: no such file or directory/);
    await expect(expandInputs([join(root, 'empty')])).rejects.toThrow(/directory has no image or PDF files/);
    await expect(expandInputs([`${root}/**/*.jp2`])).rejects.toThrow(/matched no image or PDF files/);
  });
});

describe('overlayNames', () => {
  const input = (relativePath: string): ImageInput => ({ path: relativePath, relativePath });

  it('mirrors relative paths with a .png extension', () => {
    expect(overlayNames([input('a.jpg'), input('sub/b.webp'), input('c.jpg.jpg')])).toEqual(['a.png', 'sub/b.png', 'c.jpg.png']);
  });

  it('keeps the original extension where two images would share a name (also case-insensitively)', () => {
    expect(overlayNames([input('photo.jpg'), input('photo.png'), input('A.jpg'), input('a.tif'), input('other.jpg')])).toEqual([
      'photo.jpg.png', 'photo.png.png', 'A.jpg.png', 'a.tif.png', 'other.png',
    ]);
  });

  it('numbers the same relative path coming from two inputs, in input order, around existing names', () => {
    expect(overlayNames([input('x.jpg'), input('x.jpg'), input('x-2.jpg'), input('x.jpg')])).toEqual(['x.png', 'x-3.png', 'x-2.png', 'x-4.png']);
  });

  it('never leaves the overlay directory', () => {
    expect(overlayNames([input('../../etc/passwd.png'), input('/abs/y.jpg')])).toEqual(['__/__/etc/passwd.png', 'abs/y.png']);
  });
});
