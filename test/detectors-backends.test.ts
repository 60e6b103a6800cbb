/**
 * Each backend is one record (src/detectors/ppocr/backend.ts, vlm/backend.ts): the registry holds it, the
 * barrels export it, and the help of its flags shows the defaults its options schema really fills in.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { flagHelp } from '../src/cli/backend-flags.js';
import { knownKeys } from '../src/core/options.js';
import { BACKENDS, type DetectorBackend } from '../src/detectors/index.js';
import { ppocrBackend, ppocrOptionsSchema } from '../src/detectors/ppocr/index.js';
import { vlmBackend, vlmOptionsSchema } from '../src/detectors/vlm/index.js';

const CASES: { backend: DetectorBackend<never>; schema: z.ZodType; required: Record<string, unknown> }[] = [
  { backend: ppocrBackend as DetectorBackend<never>, schema: ppocrOptionsSchema, required: {} },
  { backend: vlmBackend as DetectorBackend<never>, schema: vlmOptionsSchema, required: { baseUrl: 'http://localhost:8000/v1' } },
];

describe.each(CASES)('the $backend.name backend record', ({ backend, schema, required }) => {
  it('is what the registry gives for its name and each alias', () => {
    for (const name of [backend.name, ...(backend.aliases ?? [])]) expect(BACKENDS.get(name)).toBe(backend);
  });

  it('names only options its schema knows, one flag per option', () => {
    const keys = backend.flags.map((flag) => flag.key);
    expect(keys.filter((key) => !knownKeys(schema)?.includes(key))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('shows in each flag\'s help the default the schema fills in when the flag is not given', () => {
    const filled = schema.parse(required) as Record<string, unknown>;
    for (const flag of backend.flags) {
      if (flag.type === 'boolean' || flag.defaultText !== undefined || flag.key in required || filled[flag.key] === undefined) continue;
      expect(backend.defaults[flag.key], flag.flags).toEqual(filled[flag.key]);
      expect(flagHelp(backend, flag), flag.flags).toBe(`${flag.description} (default: ${String(filled[flag.key])})`);
    }
  });
});

it('a flag two backends share is declared alike: same option, same default', () => {
  const vlmFlags = new Map(vlmBackend.flags.map((flag) => [flag.flags, flag]));
  const shared = ppocrBackend.flags.filter((flag) => vlmFlags.has(flag.flags));
  expect(shared.map((flag) => flag.flags)).toEqual(['--max-pixels <n>']);
  for (const flag of shared) {
    expect(vlmFlags.get(flag.flags)?.key).toBe(flag.key);
    expect(vlmBackend.defaults[flag.key]).toBe(ppocrBackend.defaults[flag.key]);
  }
});
