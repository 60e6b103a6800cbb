/**
 * The detector backends' own flags, shared by every command that creates a detector (`detect`, `serve`):
 * each backend's record (src/detectors/ppocr/backend.ts, vlm/backend.ts) declares its flags as plain data;
 * they appear under a help heading per backend, with the default the backend itself uses, and reach only
 * that backend.
 */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { UsageError, toOcrdetError } from '../core/errors.js';
import { requireDataRecord } from '../datasets/record-file.js';
import { BACKENDS, createBackendDetector, type BackendFlag, type Detector, type DetectorBackend } from '../detectors/index.js';
import type { FlagSpec } from './command-spec.js';
import { flagName, restateOptionError } from './output.js';

function parseFlagValue(flag: BackendFlag): ((value: string) => unknown) | undefined {
  const name = flag.flags.split(/[ ,]/)[0];
  switch (flag.type) {
    case 'integer':
      return (value) => {
        const n = Number(value);
        if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} expects an integer, got "${value}"`);
        return n;
      };
    case 'number':
      return (value) => {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a number, got "${value}"`);
        return n;
      };
    case 'json':
      return (value) => {
        try {
          return JSON.parse(value) as unknown;
        } catch {
          throw new InvalidArgumentError(`${name} expects JSON, got "${value}"`);
        }
      };
    default:
      return undefined;
  }
}

/** The flag for an option key: a backend's own (`intraOpThreads` → `--threads`), else `--kebab-case` of the key. */
export function cliOptionName(key: string): string {
  for (const backend of BACKENDS.all()) {
    const flag = backend.flags.find((f) => f.key === key);
    if (flag) return flag.flags.split(/[ ,]/)[0];
  }
  return flagName(key);
}

/**
 * A flag's help: its description and the default, read from the backend's own defaults (or said in words
 * where it is computed or decided elsewhere). Switches (`--no-text`, `--save-raw`) say their effect instead.
 */
export function flagHelp(backend: DetectorBackend<never>, flag: BackendFlag): string {
  if (flag.type === 'boolean') return flag.description;
  const value = flag.defaultText ?? backend.defaults[flag.key];
  return value === undefined ? flag.description : `${flag.description} (default: ${String(value)})`;
}

/** A backend flag's value as its parser gives it: the backend's own schema checks it when the detector is made. */
function schemaOf(flag: BackendFlag): z.ZodType {
  const value = flag.type === 'integer' ? z.number().int() : flag.type === 'number' ? z.number() : flag.type === 'boolean' ? z.boolean() : flag.type === 'json' ? z.unknown() : z.string();
  return (flag.repeatable ? z.array(value) : value).optional();
}

/**
 * Every backend's flags as one table, keyed by the backend's option key, under a help heading per backend. A
 * flag several backends declare alike (`--max-pixels`) is listed once, under the first one's heading, with
 * the backends it applies to named in its description.
 */
export function backendFlagTable(): Record<string, FlagSpec> {
  const owners = new Map<string, string[]>();
  for (const entry of BACKENDS.all()) {
    for (const flag of entry.flags) owners.set(flag.flags, [...(owners.get(flag.flags) ?? []), entry.name]);
  }
  const table: Record<string, FlagSpec> = {};
  for (const entry of BACKENDS.all()) {
    for (const flag of entry.flags) {
      const previous = table[flag.key];
      if (previous !== undefined) {
        if (previous.flags !== flag.flags) throw new Error(`backend flags: ${flag.flags} of ${entry.name} conflicts with ${previous.flags}`);
        continue;
      }
      const shared = owners.get(flag.flags) ?? [];
      const help = flagHelp(entry, flag);
      const parse = parseFlagValue(flag);
      table[flag.key] = {
        flags: flag.flags,
        description: shared.length > 1 ? `${help} [${shared.join(', ')}]` : help,
        schema: schemaOf(flag),
        group: `${entry.name} backend options (--backend ${entry.name}):`,
        // Given several times, the values are collected in order (`--base-url A --base-url B` → [A, B]).
        ...(flag.repeatable ? { repeatable: true, parse: (value: string, previous: unknown[] | undefined) => [...(previous ?? []), parse ? parse(value) : value] } : parse ? { parse } : {}),
      };
    }
  }
  return table;
}

/** The options of the chosen backend that the user gave (`given`: keys typed); a flag of another backend is a usage error. */
export function backendOptions(flags: Readonly<Record<string, unknown>>, given: ReadonlySet<string>, backendName: string): Record<string, unknown> {
  const chosen = BACKENDS.get(backendName);
  const options: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(backendFlagTable())) {
    if (!given.has(key)) continue;
    const own = chosen.flags.find((f) => f.flags === flag.flags);
    if (!own) {
      const owners = BACKENDS.all().filter((e) => e.flags.some((f) => f.flags === flag.flags)).map((e) => e.name);
      throw new UsageError(`${flag.flags.split(' ')[0]} is an option of the ${owners.join('/')} backend, not ${chosen.name}; add --backend ${owners[0]}`);
    }
    options[own.key] = flags[key];
  }
  return options;
}

/**
 * The chosen backend's detector from the options its flags gave. The backend validates them under its
 * option names (`option "intraOpThreads" must be > 0`); here they are said again under the flags the user
 * typed (`--threads must be > 0`).
 */
export async function detectorFromFlags(backendName: string, options: Record<string, unknown>): Promise<Detector> {
  const backend = BACKENDS.get(backendName);
  const resolved = { ...options };
  for (const flag of backend.flags) {
    const value = resolved[flag.key];
    if (flag.type !== 'data-record' || typeof value !== 'string') continue;
    try {
      resolved[flag.key] = requireDataRecord(value).record;
    } catch (error) {
      const e = toOcrdetError(error);
      throw new UsageError(`${flag.flags.split(' ')[0]} ${e.message}`, { cause: error });
    }
  }
  try {
    return await createBackendDetector(backendName, resolved);
  } catch (error) {
    const flags = new Map(BACKENDS.get(backendName).flags.map((f) => [f.key, f.flags.split(/[ ,]/)[0]]));
    throw restateOptionError(error, `--backend ${backendName}`, (path) => flags.get(path) ?? (path.includes('.') ? `option "${path}"` : cliOptionName(path)));
  }
}
