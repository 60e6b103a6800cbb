/**
 * A command as data: its arguments and flags in one typed table, each flag with its schema (zod), from which
 * commander's parser and the help are generated, and the options' types inferred. The shape of vitest's CLI
 * (packages/vitest/src/node/cli/cli-config.ts): options as a table, help generated from it, a pure parse.
 *
 * A flag's key is the option key the library uses (`maxSidePx`, `gradientAccumulation`); its `flags` are the
 * words the user types (`--max-side <px>`, `--grad-accum <n>`). So a command passes its options on without
 * renaming them, and a library message that names `option "maxSidePx"` is said as `--max-side` (`flagNamer`).
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseOptions, type OptionNamer } from '../core/options.js';
import { repeatable } from './flags.js';

/** One flag: how it is typed, what it does, how its text becomes a value, and the value's schema. */
export interface FlagSpec<S extends z.ZodType = z.ZodType> {
  /** Commander syntax: `--port <port>`, `-q, --quiet`, `--no-probe` (on by default, the flag turns it off). */
  readonly flags: string;
  readonly description: string;
  /** The value after `parse` and the default: validated by it, typed from it (`.optional()` when it may be absent). */
  readonly schema: S;
  /**
   * Text → value, throwing commander's InvalidArgumentError with a sentence naming the flag
   * (`--port expects 0–65535, got "x"`). A repeatable flag's parse receives the values so far.
   */
  readonly parse?: (text: string, previous: never) => unknown;
  /** The value when the flag is not given; the help shows it as `(default: …)`, or `defaultText`. */
  readonly default?: unknown;
  readonly defaultText?: string;
  /** The only values accepted (commander names them in its message). */
  readonly choices?: readonly string[];
  /** Must be given (commander: `required option '--out <file>' not specified`). */
  readonly required?: boolean;
  /** May be given several times (`parse` collects); any other flag given twice is a usage error (flags.ts). */
  readonly repeatable?: boolean;
  /** For a switch with a `--no-` twin (`--freeze-vit` / `--no-freeze-vit`): the twin's help. */
  readonly negation?: string;
  /** Accepted, not listed in the help. */
  readonly hidden?: boolean;
  /** The help heading it is listed under (default: Options). */
  readonly group?: string;
}

/** One positional argument: `<run>`, `<inputs...>` (several), `[dir]` (optional). */
export interface ArgumentSpec<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;
export type ArgumentTable = Readonly<Record<string, ArgumentSpec>>;
export type FlagsOf<T extends FlagTable> = { -readonly [K in keyof T]: z.infer<T[K]['schema']> };
export type ArgsOf<T extends ArgumentTable> = { -readonly [K in keyof T]: z.infer<T[K]['schema']> };

/** What a command runs with: its arguments and flags, validated and typed, and which flags the user typed. */
export interface Invocation<A extends ArgumentTable = ArgumentTable, F extends FlagTable = FlagTable> {
  readonly args: Readonly<ArgsOf<A>>;
  readonly flags: Readonly<FlagsOf<F>>;
  /** Keys of the flags given on the command line (the others hold their defaults, or nothing). */
  readonly given: ReadonlySet<keyof F & string>;
}

export interface CommandSpec<A extends ArgumentTable = ArgumentTable, F extends FlagTable = FlagTable> {
  readonly name: string;
  readonly description: string;
  /** The line a parent command's help lists it by (default: its description). */
  readonly summary?: string;
  readonly arguments?: A;
  readonly flags: F;
  /** Text after the options in the help (output, exit codes). */
  readonly helpAfter?: string;
  /**
   * Rules across flags that the command line alone decides, run by parseCli after the schemas: a broken
   * one throws UsageError (exit 2 before anything runs).
   */
  readonly check?: (invocation: Invocation<A, F>) => void;
  /** Sub-commands (`train status`); their flags follow their own name. */
  readonly subcommands?: readonly AnyCommandSpec[];
  /** Runs the command; resolves to its exit code (0 when nothing is returned). */
  readonly run?: (invocation: Invocation<A, F>) => Promise<number | void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommandSpec = CommandSpec<any, any>;

/** Declares a command; the types of its arguments and flags are inferred from the table. */
export function defineCommand<A extends ArgumentTable = Record<never, ArgumentSpec>, F extends FlagTable = Record<never, FlagSpec>>(spec: CommandSpec<A, F>): CommandSpec<A, F> {
  return spec;
}

/** Every command accepts `--debug` (stack traces), the program's own flag, wherever it is typed. */
const DEBUG: FlagSpec = { flags: '--debug', description: 'print stack traces', schema: z.boolean().optional(), hidden: true };

/** The long flag of a table entry: `--grad-accum` for `--grad-accum <n>`, `--quiet` for `-q, --quiet`. */
export function longFlag(flag: Pick<FlagSpec, 'flags'>): string {
  const long = flag.flags.split(/[ ,|]+/).find((word) => word.startsWith('--'));
  if (!long) throw new Error(`flag table: ${flag.flags} has no long form`);
  return long;
}

function commanderOption(flag: FlagSpec): Option {
  const option = new Option(flag.flags, flag.description);
  if (flag.choices) option.choices(flag.choices);
  if (flag.parse) option.argParser(flag.parse as (value: string, previous: unknown) => unknown);
  if ('default' in flag && flag.default !== undefined) option.default(flag.default, flag.defaultText);
  else if (flag.defaultText !== undefined) option.defaultValueDescription = flag.defaultText;
  if (flag.required) option.makeOptionMandatory();
  if (flag.hidden) option.hideHelp();
  if (flag.group) option.helpGroup(flag.group);
  return flag.repeatable ? repeatable(option) : option;
}

/** The commander attribute each table key is stored under (commander's camelCase of the long flag). */
const ATTRIBUTES = new WeakMap<Command, Map<string, string>>();

/**
 * The commander command of a spec (and of its sub-commands): arguments, flags and help from the table.
 * `onAction` receives the command commander matched, with its arguments, instead of running anything.
 */
export function commanderCommand(spec: AnyCommandSpec, onAction: (spec: AnyCommandSpec, command: Command) => void): Command {
  const command = new Command(spec.name).description(spec.description);
  if (spec.summary) command.summary(spec.summary);
  for (const argument of Object.values(spec.arguments ?? {}) as ArgumentSpec[]) command.argument(argument.name, argument.description);
  const attributes = new Map<string, string>();
  const table: Record<string, FlagSpec> = { ...spec.flags };
  if (!Object.values(table).some((flag) => longFlag(flag) === '--debug')) table.debug = DEBUG;
  for (const [key, flag] of Object.entries(table)) {
    const option = commanderOption(flag);
    const taken = [...attributes].find(([, attribute]) => attribute === option.attributeName());
    if (taken) throw new Error(`flag table of ${spec.name}: ${key} and ${taken[0]} are both stored as ${option.attributeName()}`);
    attributes.set(key, option.attributeName());
    command.addOption(option);
    if (flag.negation !== undefined) {
      const twin = new Option(`--no-${longFlag(flag).slice(2)}`, flag.negation);
      if (flag.group) twin.helpGroup(flag.group);
      command.addOption(flag.hidden ? twin.hideHelp() : twin);
    }
  }
  ATTRIBUTES.set(command, attributes);
  if (spec.helpAfter) command.addHelpText('after', spec.helpAfter);
  if (spec.subcommands?.length) command.enablePositionalOptions();
  for (const sub of spec.subcommands ?? []) command.addCommand(commanderCommand(sub, onAction));
  if (spec.run) command.action((...received: unknown[]) => onAction(spec, received[received.length - 1] as Command));
  return command;
}

/** How messages name a command's options: the flag its table gives a key, an argument as `<name>`. */
export function flagNamer(spec: AnyCommandSpec, fallback: OptionNamer): OptionNamer {
  const flags = new Map(Object.entries(spec.flags as FlagTable).map(([key, flag]) => [key, longFlag(flag)]));
  const args = new Map(Object.entries((spec.arguments ?? {}) as ArgumentTable).map(([key, argument]) => [key, argument.name.replace('...', '')]));
  return (path) => flags.get(path) ?? args.get(path) ?? (path.includes('.') ? `option "${path}"` : fallback(path));
}

/**
 * The invocation commander parsed for `spec`: arguments and flags validated by the table's schemas, then the
 * spec's own checks. Throws UsageError naming each bad one as the user typed it (`--dpi must be ≤ 2400`).
 */
export function readInvocation(spec: AnyCommandSpec, command: Command, where: string, fallback: OptionNamer): Invocation {
  const attributes = ATTRIBUTES.get(command) ?? new Map<string, string>();
  const argumentKeys = Object.keys(spec.arguments ?? {});
  const flagKeys = Object.keys(spec.flags);
  const values: Record<string, unknown> = {};
  argumentKeys.forEach((key, i) => (values[key] = command.processedArgs[i]));
  const given = new Set<string>();
  for (const key of flagKeys) {
    const attribute = attributes.get(key) ?? key;
    values[key] = command.getOptionValue(attribute);
    if (command.getOptionValueSource(attribute) === 'cli') given.add(key);
  }
  const shape = Object.fromEntries([
    ...Object.entries((spec.arguments ?? {}) as ArgumentTable).map(([key, argument]) => [key, argument.schema] as const),
    ...Object.entries(spec.flags as FlagTable).map(([key, flag]) => [key, flag.schema] as const),
  ]);
  const parsed = parseOptions(z.object(shape), values, where, undefined, { nameOf: flagNamer(spec, fallback) }) as Record<string, unknown>;
  const invocation: Invocation = {
    args: Object.freeze(Object.fromEntries(argumentKeys.map((key) => [key, parsed[key]]))),
    flags: Object.freeze(Object.fromEntries(flagKeys.map((key) => [key, parsed[key]]))),
    given,
  };
  spec.check?.(invocation);
  return invocation;
}

/**
 * The flags the user typed, as the words that give them again (`--max-side 1024`, `--no-text`, a repeatable
 * flag once per value, JSON for an object), in the table's order; `skip` leaves some out. Defaults are not
 * written, so the command they are given to keeps its own.
 */
export function givenWords(spec: AnyCommandSpec, invocation: Invocation, skip: readonly string[] = []): string[] {
  const words: string[] = [];
  for (const [key, flag] of Object.entries(spec.flags as FlagTable)) {
    if (!invocation.given.has(key) || skip.includes(key)) continue;
    const long = longFlag(flag);
    const value = (invocation.flags as Record<string, unknown>)[key];
    if (typeof value === 'boolean') {
      // `--no-text` is given as itself (false); a switch with a `--no-` twin as whichever the value says.
      if (long.startsWith('--no-')) words.push(long);
      else words.push(value ? long : `--no-${long.slice(2)}`);
    } else if (Array.isArray(value)) words.push(...value.flatMap((item) => [long, typeof item === 'object' ? JSON.stringify(item) : String(item)]));
    else if (value !== null && typeof value === 'object') words.push(long, JSON.stringify(value));
    else words.push(long, String(value));
  }
  return words;
}
