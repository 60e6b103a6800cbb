/**
 * One typed registry per kind of plug-in (dialects, dataset formats, backends, engines).
 * An unknown name is a UsageError that lists the known ones.
 */
import { UsageError } from './errors.js';

export interface Named {
  readonly name: string;
  readonly aliases?: readonly string[];
}

export interface Registry<T extends Named> {
  /** The entry for a name or alias (case-insensitive); throws UsageError listing the known names. */
  get(name: string): T;
  has(name: string): boolean;
  /** Canonical names, in registration order. */
  names(): string[];
  all(): readonly T[];
}

export function createRegistry<T extends Named>(kind: string, entries: readonly T[]): Registry<T> {
  const byName = new Map<string, T>();
  for (const entry of entries) {
    for (const key of [entry.name, ...(entry.aliases ?? [])]) {
      const lower = key.toLowerCase();
      const existing = byName.get(lower);
      if (existing && existing !== entry) {
        throw new Error(`${kind} registry: "${key}" is claimed by both ${existing.name} and ${entry.name}`);
      }
      byName.set(lower, entry);
    }
  }
  const frozen = Object.freeze([...entries]);
  return {
    get(name) {
      const entry = byName.get(String(name).toLowerCase());
      if (!entry) {
        throw new UsageError(`unknown ${kind} "${name}"; known: ${frozen.map((e) => e.name).join(', ')}`);
      }
      return entry;
    },
    has: (name) => byName.has(String(name).toLowerCase()),
    names: () => frozen.map((e) => e.name),
    all: () => frozen,
  };
}
