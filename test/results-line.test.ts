/**
 * One idea of a results line (core/detection.ts) and one line reader (core/lines.ts) for the three readers
 * of results files: resume (batch/jsonl.ts scanResults), eval (datasets/results.ts readResults) and reparse
 * (detectors/vlm/reparse.ts). Each line below is written to a file of its own and given to all three.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanResults } from '../src/batch/jsonl.js';
import { readLines } from '../src/core/lines.js';
import { readResults } from '../src/datasets/results.js';
import { reparseResults } from '../src/detectors/vlm/reparse.js';

const work = mkdtempSync(join(tmpdir(), 'ocrdet-results-line-'));

const LINES: { name: string; line: string; usable: boolean; failed?: boolean }[] = [
  { name: 'a Detection', line: '{"image":"a.jpg","width":4,"height":3,"regions":[{"points":[[0,0],[1,0],[1,1]]}],"backend":"ppocr","model":"m","timings":{}}', usable: true },
  { name: 'nothing detected', line: '{"image":"a.jpg","regions":[]}', usable: true },
  { name: 'a failed image, error as data', line: '{"image":"a.jpg","regions":[],"error":{"code":"OCRDET_BAD_IMAGE","message":"a.jpg: truncated"}}', usable: true, failed: true },
  { name: 'a failed image, error as an older line', line: '{"image":"a.jpg","regions":[],"error":"OCRDET_SERVER: timed out"}', usable: true, failed: true },
  { name: 'an error and no regions', line: '{"image":"a.jpg","error":"OCRDET_SERVER: timed out"}', usable: true, failed: true },
  { name: 'error null is no error', line: '{"image":"a.jpg","regions":[],"error":null}', usable: true, failed: false },
  { name: 'no regions, no error', line: '{"image":"a.jpg"}', usable: false },
  { name: 'regions not a list', line: '{"image":"a.jpg","regions":{}}', usable: false },
  { name: 'no image', line: '{"regions":[]}', usable: false },
  { name: 'an empty image', line: '{"image":"","regions":[]}', usable: false },
  { name: 'not JSON', line: '{"image":"a.jpg","regions":[', usable: false },
];

async function readers(file: string): Promise<{ resume: boolean; failed?: boolean; evaluate: boolean; reparse: boolean }> {
  const scan = await scanResults(file).catch(() => undefined);
  const read = [];
  for await (const detection of readResults(file)) read.push(detection);
  let problems = 0;
  await reparseResults(file, { onRecord: () => undefined, onProblem: (message) => void (message.endsWith('line skipped') && problems++) });
  const recorded = scan?.images.values().next().value;
  return { resume: scan !== undefined && scan.lines === 1, ...(recorded ? { failed: !recorded.ok } : {}), evaluate: read.length === 1, reparse: problems === 0 };
}

describe('the three readers of results files', () => {
  it.each(LINES)('agree on $name', async ({ name, line, usable, failed }) => {
    const file = join(work, `${name.replace(/\W+/g, '-')}.jsonl`);
    writeFileSync(file, `${line}\n`);
    const seen = await readers(file);
    expect(seen).toEqual({ resume: usable, ...(usable ? { failed: Boolean(failed) } : {}), evaluate: usable, reparse: usable });
  });
});

describe('readLines', () => {
  it('gives each line its number, text and bytes: CRLF and a byte-order mark taken off the text, blank lines counted', async () => {
    const file = join(work, 'crlf.jsonl');
    writeFileSync(file, '\uFEFF{"a":1}\r\n\r\n{"b":"é"}\r\n');
    const lines = [];
    for await (const line of readLines(file)) lines.push({ ...line, bytes: line.bytes.length });
    expect(lines).toEqual([
      { number: 1, text: '{"a":1}', bytes: 3 + 7 + 1, ended: true },
      { number: 2, text: '', bytes: 1, ended: true },
      { number: 3, text: '{"b":"é"}', bytes: 10 + 1, ended: true },
    ]);
  });

  it('says the last line has no newline, and keeps a character cut between two reads whole', async () => {
    const file = join(work, 'long.jsonl');
    // 65 536 bytes is one read of a file stream: '中' (3 bytes) starts 1 byte before that boundary.
    const long = `${'a'.repeat(65_535)}中${'b'.repeat(10)}`;
    writeFileSync(file, `${long}\nlast`);
    const lines = [];
    for await (const line of readLines(file)) lines.push(line);
    expect(lines.map((l) => [l.number, l.text, l.ended])).toEqual([
      [1, long, true],
      [2, 'last', false],
    ]);
  });
});
