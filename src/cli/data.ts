// SCAFFOLD: replaced by the real command. Until then the command says it is not built yet.
import { Command } from 'commander';
import { UsageError } from '../core/errors.js';

export function createCommand(): Command {
  return new Command('data').allowUnknownOption().allowExcessArguments().action(() => {
    throw new UsageError('"ocrdet data" is not implemented yet');
  });
}
