import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as errors from '../src/core/errors.js';
import {
  BadImageError,
  ERROR_CLASSES,
  ERROR_CODES,
  OcrdetError,
  UsageError,
  describeError,
  fromErrorPayload,
  parseErrorLine,
  toErrorPayload,
} from '../src/core/errors.js';
import { parseOptions } from '../src/core/options.js';
import { createRegistry } from '../src/core/registry.js';

describe('error table', () => {
  it('the README documents every code with its exit code and description, and nothing else', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `(OCRDET_[A-Z_]+)` \| (\d+) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
    const table = Object.entries(ERROR_CODES).map(([code, v]) => [code, v.exitCode, v.description]);
    expect(rows).toEqual(table);
  });

  it('round-trips through a process boundary as the same class with details', () => {
    const original = new BadImageError('a.jpg: truncated or corrupt file', { details: { path: 'a.jpg' } });
    const back = fromErrorPayload(JSON.parse(JSON.stringify(toErrorPayload(original))));
    expect(back).toBeInstanceOf(BadImageError);
    expect(back).toMatchObject({ code: 'OCRDET_BAD_IMAGE', message: original.message, details: { path: 'a.jpg' } });
  });

  it('wraps foreign errors as OCRDET_INTERNAL keeping the cause and only the first line', () => {
    const cause = new TypeError('x is undefined\n    at f (a.js:1:1)');
    expect(describeError(cause)).toBe('OCRDET_INTERNAL: x is undefined');
    expect(fromErrorPayload({ code: 'NOPE', message: 'm' }).code).toBe('OCRDET_INTERNAL');
  });

  it('each code of the table has its class, exported under the name the table gives it', () => {
    for (const [code, { name, exitCode }] of Object.entries(ERROR_CODES)) {
      const ErrorClass = (errors as unknown as Record<string, errors.OcrdetErrorClass>)[name];
      expect(ErrorClass, name).toBe(ERROR_CLASSES[code as errors.ErrorCode]);
      const error = new ErrorClass('what, where, why', { details: { at: 1 } });
      expect(error).toBeInstanceOf(OcrdetError);
      expect(error).toMatchObject({ name, code, exitCode, message: 'what, where, why', details: { at: 1 } });
      expect(fromErrorPayload({ code, message: 'm' })).toBeInstanceOf(ErrorClass);
    }
  });

  it('reads a `CODE: message` line back as { code, message }; no known code is OCRDET_INTERNAL', () => {
    expect(parseErrorLine('OCRDET_BAD_IMAGE: a.jpg: truncated\nsecond line')).toEqual({ code: 'OCRDET_BAD_IMAGE', message: 'a.jpg: truncated\nsecond line' });
    expect(parseErrorLine('OCRDET_NOPE: x')).toEqual({ code: 'OCRDET_INTERNAL', message: 'OCRDET_NOPE: x' });
    expect(parseErrorLine('timed out')).toEqual({ code: 'OCRDET_INTERNAL', message: 'timed out' });
  });

  it('usage errors exit with 2, bad inputs with 1', () => {
    expect(new UsageError('x').exitCode).toBe(2);
    expect(new BadImageError('x').exitCode).toBe(1);
    expect(new UsageError('x')).toBeInstanceOf(OcrdetError);
  });
});

describe('registry', () => {
  const registry = createRegistry('dialect', [
    { name: 'internvl2', aliases: ['InternVL2.5', 'internvl3'] },
    { name: 'qwen2-vl' },
  ]);
  it('finds entries by name or alias, case-insensitively', () => {
    expect(registry.get('internvl3').name).toBe('internvl2');
    expect(registry.get('QWEN2-VL').name).toBe('qwen2-vl');
  });
  it('an unknown name is a usage error that lists the known ones', () => {
    expect(() => registry.get('llava')).toThrow('unknown dialect "llava"; known: internvl2, qwen2-vl');
  });
});

describe('parseOptions', () => {
  const schema = z.object({ concurrency: z.number().int().positive().default(2), name: z.string().optional() }).strict();
  it('fills defaults and freezes the result', () => {
    const options = parseOptions(schema, {}, 'createDetector');
    expect(options).toEqual({ concurrency: 2 });
    expect(Object.isFrozen(options)).toBe(true);
  });
  it('names the option, what was expected and what was received', () => {
    expect(() => parseOptions(schema, { concurrency: 'two' }, 'createDetector')).toThrow('createDetector: option "concurrency" must be a number, not text');
    expect(() => parseOptions(schema, { concurrency: 0 }, 'createDetector')).toThrow('createDetector: option "concurrency" must be > 0');
  });
  it('says "is required" for an option not given, with the schema\'s own words when it has them', () => {
    const url = z.object({ baseUrl: z.url({ error: 'expected an http(s) URL' }), model: z.string() });
    expect(() => parseOptions(url, { model: 'm' }, 'vlm')).toThrow('vlm: option "baseUrl" is required (expected an http(s) URL)');
    expect(() => parseOptions(url, { baseUrl: 'ftp:x' }, 'vlm')).toThrow('vlm: option "model" is required');
  });
  it('suggests the known option an unknown one was meant to be (case, _ and - aside)', () => {
    expect(() => parseOptions(schema, { concurency: 2 }, 'createDetector')).toThrow(/^createDetector: unknown option "concurency"$/);
    expect(() => parseOptions(schema.strict(), { Concurrency: 2 }, 'x')).toThrow('x: unknown option "Concurrency" (did you mean option "concurrency"?)');
  });
});
