/**
 * The `ocrdet` program: parses the command line (parse.ts), runs the command, and is the one place that turns
 * errors into exit codes. Exit codes: 0 ok, 1 some inputs failed (the rest done), 2 usage or configuration
 * error, 130 stopped by Ctrl-C.
 */
import { OcrdetError, describeError, toOcrdetError } from '../core/errors.js';
import { optionsNamed, type OptionNamer } from '../core/options.js';
import { flagNamer, type AnyCommandSpec } from './command-spec.js';
import { expandHelp, parseCli } from './parse.js';
import { inFlagWords } from './output.js';

export { COMMANDS, packageVersion } from './commands.js';
export { applyExitOverride, expandHelp, parseCli, type ParsedCli } from './parse.js';

/** How a failed command's error names options: its table's flags, a backend's flags, else `--kebab-case` of the key. */
async function namerOf(spec: AnyCommandSpec | undefined): Promise<OptionNamer> {
  const { cliOptionName } = await import('./backend-flags.js');
  return spec ? flagNamer(spec, cliOptionName) : cliOptionName;
}

/** Prints a command's error as `CODE: message` (options named as flags) and returns its exit code. */
async function report(error: unknown, debug: boolean, spec: AnyCommandSpec | undefined): Promise<number> {
  // Library errors name options by their keys (details.options); say them as the flags the user typed.
  const named = error instanceof OcrdetError && optionsNamed(error.details).length > 0;
  const e = toOcrdetError(named ? inFlagWords(error, await namerOf(spec)) : error);
  process.stderr.write(`${describeError(e)}\n`);
  // The disk's errors (OCRDET_FILE_SYSTEM) are not ocrdet's bugs: no stack trace is asked for.
  if (debug || (!(error instanceof OcrdetError) && e.code === 'OCRDET_INTERNAL')) {
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else process.stderr.write('(run again with --debug for the stack trace)\n');
  }
  return e.exitCode;
}

export async function run(rawArgv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const argv = expandHelp(rawArgv);
  const debug = argv.includes('--debug');
  let spec: AnyCommandSpec | undefined;
  try {
    const parsed = await parseCli(argv);
    if (parsed.kind === 'exit') {
      if (parsed.stdout) process.stdout.write(parsed.stdout);
      if (parsed.stderr) process.stderr.write(parsed.stderr);
      if (debug && parsed.error instanceof Error) process.stderr.write(`${parsed.error.stack ?? ''}\n`);
      return parsed.code;
    }
    spec = parsed.spec;
    // A command returns its exit code (1: some inputs failed); one that returns nothing succeeded.
    return (await parsed.spec.run!(parsed)) ?? 0;
  } catch (error) {
    return report(error, debug, spec);
  }
}
