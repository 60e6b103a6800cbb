/**
 * A JSONL sink: records appended as they come, the file renamed into place on commit. `numberRows` gives
 * each row a sequential `"id"` (InternVL's rows carry one), in file order.
 */
import { join } from 'node:path';
import { AtomicFile } from '../spool.js';
import type { Sink } from './types.js';

export function jsonlSink(out: string, name: string, numberRows = false): Sink {
  const file = new AtomicFile(join(out, name));
  let samples = 0;
  return {
    write(record) {
      if (!numberRows) {
        file.write(record);
        samples += countLines(record);
        return;
      }
      for (const line of record.toString('utf8').split('\n')) {
        if (line === '') continue;
        file.write(`{"id":${samples},${line.slice(1)}\n`);
        samples++;
      }
    },
    get samples() {
      return samples;
    },
    commit: () => file.commit(),
    discard: () => file.discard(),
  };
}

function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
