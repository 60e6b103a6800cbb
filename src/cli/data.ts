/**
 * `ocrdet data <subcommand>`: the dataset command group. Each subcommand lives in its own file,
 * src/cli/data-<name>.ts, exporting `createCommand(): Command` (named after the subcommand), and is imported
 * only when invoked, so `ocrdet data stats` never loads the converter's or the previewer's dependencies.
 *
 * To add a subcommand: create src/cli/data-<name>.ts and add one line to DATA_SUBCOMMANDS.
 */
import { Command } from 'commander';
import { applyExitOverride } from './program.js';
import { UsageError } from '../core/errors.js';

interface SubcommandEntry {
  name: string;
  summary: string;
  /** The module file, relative to this one (a variable specifier, so a file not written yet is no build error). */
  module: string;
}

export const DATA_SUBCOMMANDS: readonly SubcommandEntry[] = [
  { name: 'stats', summary: 'what a dataset holds: images, regions, sizes, texts, problems', module: './data-stats.js' },
  // convert: src/cli/data-convert.ts (another engineer) — dataset → fine-tuning JSONL (swift, per dialect)
  { name: 'convert', summary: 'convert a dataset to fine-tuning data (ms-swift JSONL per grounding dialect)', module: './data-convert.js' },
  // preview: src/cli/data-preview.ts (another engineer) — pictures of a dataset's regions
  { name: 'preview', summary: 'draw a dataset’s regions on its images', module: './data-preview.js' },
  { name: 'autolabel', summary: 'label images with the embedded detector: fine-tuning data and files to review', module: './data-autolabel.js' },
];

async function loadSubcommand(entry: SubcommandEntry): Promise<Command> {
  let module: { createCommand?: () => Command };
  try {
    module = (await import(entry.module)) as { createCommand?: () => Command };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(entry.module.slice(2, -3))) {
      throw new UsageError(`"ocrdet data ${entry.name}" is not built yet`);
    }
    throw error;
  }
  if (typeof module.createCommand !== 'function') throw new UsageError(`"ocrdet data ${entry.name}" is not built yet`);
  return module.createCommand();
}

/**
 * Runs the real subcommand under a stand-in `ocrdet data` parent, so its usage line and errors read
 * "ocrdet data stats …". Arguments arrive untouched (the placeholder accepts anything).
 */
async function runSubcommand(entry: SubcommandEntry, args: string[]): Promise<void> {
  const sub = await loadSubcommand(entry);
  const root = new Command('ocrdet');
  root.addCommand(new Command('data').addCommand(sub));
  applyExitOverride(root);
  // --debug is the program's own flag (program.ts reads it from argv); the subcommand does not know it.
  await root.parseAsync(['data', sub.name(), ...args.filter((a) => a !== '--debug')], { from: 'user' });
}

export function createCommand(): Command {
  const data = new Command('data').description('datasets: stats, convert to fine-tuning data, preview, autolabel images');
  for (const entry of DATA_SUBCOMMANDS) {
    data
      .command(entry.name)
      .description(entry.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (_options: unknown, command: Command) => {
        await runSubcommand(entry, command.args);
      });
  }
  return data;
}
