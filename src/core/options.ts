/**
 * Parse at the edge: options from flags, config files and API calls are validated once, against a zod
 * schema, merged over the component's DEFAULTS, and frozen. Messages name the option, what was expected
 * and what was received (the habit of sharp's lib/is.mjs), in words a user reads without knowing zod:
 * `ocrdet detect: --concurrency must be > 0`, `recipe.json: unknown option "lora_rank" (did you mean "loraRank"?)`.
 *
 * Library words, not CLI words: a message of the library names an option by its key, `option "maxPixels"`
 * (`optionName`), and the error lists the keys it names in `details.options` (`optionDetails`). The CLI
 * says the same message with its flags (`renameOptions`: `--max-pixels`).
 */
import type { z } from 'zod';
import { UsageError } from './errors.js';

/** How an option is named in messages: `option "a.b"` by default; the CLI names its flags (`--threads`). */
export type OptionNamer = (path: string) => string;

export interface IssueFormat {
  /** Names an option from its dotted path. */
  nameOf?: OptionNamer;
  /** The options the schema knows, to suggest one for an unknown key. */
  known?: readonly string[];
}

/** How the library names an option in a message: `option "maxPixels"`. */
export const optionName: OptionNamer = (path) => `option "${path}"`;

/** `details` of an error whose message names these options with `optionName`. */
export function optionDetails(...keys: string[]): { options: string[] } {
  return { options: keys };
}

/**
 * The options an error's message names, from its `details.options` (empty when it names none).
 */
export function optionsNamed(details: Record<string, unknown> | undefined): string[] {
  const options = details?.options;
  return Array.isArray(options) ? options.filter((key): key is string => typeof key === 'string') : [];
}

/** `text` with each `option "key"` said as `nameOf(key)` instead; only the `keys` given, when given. */
export function renameOptions(text: string, nameOf: OptionNamer, keys?: readonly string[]): string {
  return text.replace(/option "([\w.-]+)"/g, (named, key: string) => (!keys || keys.includes(key) ? nameOf(key) : named));
}

/** `loraRank` for `lora_rank`, `LoRA-rank`, …: the known key equal to `key` up to case, '_' and '-'. */
function closest(key: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  return known.find((k) => plain(k) === plain(key));
}

const KINDS: Record<string, string> = { int: 'an integer', number: 'a number', string: 'text', boolean: 'true or false', record: 'an object', object: 'an object', array: 'an array', null: 'null', Infinity: 'infinite' };
/** A zod type name in words: `an object` for record. */
const kind = (type: string): string => KINDS[type] ?? `a ${type}`;

/** What is wrong, after the option's name. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${min} item${min === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive ? '≥' : '>'} ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${max} item${max === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive ? '≤' : '<'} ${max}`;
    }
    case 'invalid_type': {
      const required = /^Required(?:: (.*))?$/s.exec(issue.message);
      if (required) return `is required${required[1] ? ` (${required[1]})` : ''}`;
      // A schema's own message (`expected an http(s) URL …`) says it better than the generic one.
      if (!issue.message.startsWith('Invalid input')) return issue.message;
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return 'is required';
      if (received === 'NaN') return `must be ${kind(issue.expected)}`;
      return `must be ${kind(issue.expected)}${received ? `, not ${kind(received)}` : ''}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}`;
    default:
      // custom checks carry their own sentence; zod's other messages start with a capital ("Invalid input").
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

/** Formats zod issues as `where: NAME what is wrong` sentences joined by '; '. */
export function formatIssues(error: z.ZodError, where: string, format: IssueFormat = {}): string {
  const nameOf = format.nameOf ?? optionName;
  return error.issues
    .flatMap((issue) => {
      const base = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => {
          const path = base ? `${base}.${key}` : key;
          const hint = format.known && !base ? closest(key, format.known) : undefined;
          return `${where}: unknown ${nameOf(path)}${hint ? ` (did you mean ${nameOf(hint)}?)` : ''}`;
        });
      }
      return [`${where}: ${issue.path.length ? nameOf(base) : 'options'} ${describeIssue(issue)}`];
    })
    .join('; ');
}

/** The top-level keys of an object schema (through .partial(), .strict(), .default()), for suggestions. */
export function knownKeys(schema: z.ZodType): string[] | undefined {
  let current: unknown = schema;
  for (let depth = 0; depth < 4 && current; depth++) {
    const def = (current as { def?: { shape?: Record<string, unknown>; innerType?: unknown } }).def;
    if (def?.shape) return Object.keys(def.shape);
    current = def?.innerType;
  }
  return undefined;
}

/**
 * Type issues about options that were not given at all read `Required` (`Required: <the schema's own
 * message>`), so whoever formats the issues — here, or the CLI naming its flags — says "is required".
 */
function markMissing(error: z.ZodError, input: unknown): void {
  for (const issue of error.issues) {
    if (issue.code !== 'invalid_type') continue;
    let value: unknown = input;
    for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (value !== undefined) continue;
    (issue as { message: string }).message = issue.message.startsWith('Invalid input') ? 'Required' : `Required: ${issue.message}`;
  }
}

/**
 * Validates `input` with `schema` (which should carry the defaults, e.g. with `.default()`), and
 * returns a frozen result. Throws UsageError (or the given error class) naming every bad option, listed in
 * `details.options`; the ZodError is its `cause`, so a caller that knows better names (the CLI's flags)
 * can say it again.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
  makeError: (message: string, cause: unknown, details: { options: string[] }) => Error = (m, cause, details) => new UsageError(m, { cause, details }),
  format: IssueFormat = {},
): Readonly<z.infer<S>> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    markMissing(result.error, input);
    const named = result.error.issues.flatMap((issue) => {
      const base = issue.path.join('.');
      return issue.code === 'unrecognized_keys' ? issue.keys.map((key) => (base ? `${base}.${key}` : key)) : [base];
    });
    const details = optionDetails(...new Set(named.filter(Boolean)));
    throw makeError(formatIssues(result.error, where, { known: knownKeys(schema), ...format }), result.error, details);
  }
  const value = result.data as z.infer<S>;
  return typeof value === 'object' && value !== null ? Object.freeze(value) : value;
}
