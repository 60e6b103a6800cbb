/**
 * Parse at the edge: options from flags, config files and API calls are validated once, against a zod
 * schema, merged over the component's DEFAULTS, and frozen. Messages name the option, what was expected
 * and what was received (the habit of sharp's lib/is.mjs).
 */
import type { z } from 'zod';
import { UsageError } from './errors.js';

/** Formats zod issues as `where: option "a.b" expected …, received …` lines. */
export function formatIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? `option "${issue.path.join('.')}"` : 'options';
      return `${where}: ${path} ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validates `input` with `schema` (which should carry the defaults, e.g. with `.default()`), and
 * returns a frozen result. Throws UsageError (or the given error class) naming every bad option.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
  makeError: (message: string, cause: unknown) => Error = (m, cause) => new UsageError(m, { cause }),
): Readonly<z.infer<S>> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw makeError(formatIssues(result.error, where), result.error);
  const value = result.data as z.infer<S>;
  return typeof value === 'object' && value !== null ? Object.freeze(value) : value;
}
