/**
 * `ocrdet data <subcommand>`: the dataset command group. Each subcommand lives in its own file,
 * src/cli/data-<name>.ts, exporting its `spec`; each imports its heavy libraries (sharp, the readers, the
 * converter) only when it runs, so `ocrdet data stats` never loads the converter's or the previewer's.
 *
 * To add a subcommand: create src/cli/data-<name>.ts and add its spec to DATA_SUBCOMMANDS.
 */
import { defineCommand } from './command-spec.js';
import { spec as autolabel } from './data-autolabel.js';
import { spec as convert } from './data-convert.js';
import { spec as preview } from './data-preview.js';
import { spec as stats } from './data-stats.js';

/** The subcommands, with the one-line summary `ocrdet data --help` lists them by. */
export const DATA_SUBCOMMANDS = [
  { name: 'stats', summary: 'what a dataset holds: images, regions, sizes, texts, problems', spec: stats },
  { name: 'convert', summary: 'convert a dataset to fine-tuning data (ms-swift JSONL per grounding dialect)', spec: convert },
  { name: 'preview', summary: 'draw a dataset’s regions on its images', spec: preview },
  { name: 'autolabel', summary: 'label images with the embedded detector: fine-tuning data and files to review', spec: autolabel },
] as const;

export const spec = defineCommand({
  name: 'data',
  description: 'datasets: stats, convert to fine-tuning data, preview, autolabel images',
  flags: {},
  subcommands: DATA_SUBCOMMANDS.map((entry) => ({ ...entry.spec, summary: entry.summary })),
});
