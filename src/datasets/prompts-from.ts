/**
 * `promptsFrom`: the system prompt and user prompt of an existing training file's first row, so a
 * conversion can reuse another run's prompts word for word (e.g. the reference's rows, whose system prompt and
 * query 请目标检测图像中的信息并给出边界框 are the same in every row). Reads ms-swift 2.x rows (system, query),
 * 3.x/4.x rows (messages) and InternVL rows (conversations); the `<image>` tag is taken out of the prompt.
 */
import { BadAnnotationError, NotFoundError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';
import { readLines } from './files.js';

export interface PromptPair {
  system?: string;
  prompt?: string;
}

type Row = Record<string, unknown>;

const withoutImageTag = (text: string): string => text.replace(/<image>\n?/g, '');

function fromRow(row: Row): PromptPair {
  if (typeof row.query === 'string') {
    return { ...(typeof row.system === 'string' ? { system: row.system } : {}), prompt: withoutImageTag(row.query) };
  }
  if (Array.isArray(row.messages)) {
    const messages = row.messages as Row[];
    const system = messages.find((m) => m?.role === 'system')?.content;
    const user = messages.find((m) => m?.role === 'user')?.content;
    return { ...(typeof system === 'string' ? { system } : {}), ...(typeof user === 'string' ? { prompt: withoutImageTag(user) } : {}) };
  }
  if (Array.isArray(row.conversations)) {
    const turns = row.conversations as Row[];
    const system = turns.find((m) => m?.from === 'system')?.value;
    const human = turns.find((m) => m?.from === 'human')?.value;
    return { ...(typeof system === 'string' ? { system } : {}), ...(typeof human === 'string' ? { prompt: withoutImageTag(human) } : {}) };
  }
  return {};
}

/** The prompts of the first non-empty row of a JSONL training file. */
export async function readPromptsFrom(file: string): Promise<PromptPair> {
  let lines;
  try {
    lines = readLines(file);
    for await (const { text, line } of lines) {
      if (text.trim() === '') continue;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (error) {
        throw new BadAnnotationError(`${file}:${line}: not JSON (${(error as Error).message})`, { cause: error });
      }
      const pair = row && typeof row === 'object' ? fromRow(row as Row) : {};
      if (pair.prompt === undefined && pair.system === undefined) {
        throw new BadAnnotationError(`${file}:${line}: no prompt found (expected query, messages or conversations)`);
      }
      return pair;
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new NotFoundError(`${optionName('promptsFrom')} ${file}: no such file`, { cause: error, details: optionDetails('promptsFrom') });
    throw error;
  }
  throw new BadAnnotationError(`${optionName('promptsFrom')} ${file}: empty file`, { details: optionDetails('promptsFrom') });
}
