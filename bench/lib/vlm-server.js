/**
 * Runs the OpenAI-compatible protocol double (test/helpers/openai-double.js) in its own process, so that the
 * server's work (JSON bodies, base64 images) does not share the benchmarked process's event loop — as with a
 * real model server. Prints `{"url": …}` on stdout once listening. Commands on stdin, one per line:
 * `stats` prints `{"maxInFlight", "chatRequests"}` and resets maxInFlight. Stops when stdin closes.
 * argv: latencyMs, answerFile (a JSON file holding the answer string), capacity (chat requests worked on at
 * once, as a GPU's batch; optional, default no limit).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startOpenAiDouble } from '../../test/helpers/openai-double.js';

const latencyMs = Number(process.argv[2] ?? 200);
const answer = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const capacity = process.argv[4] ? Number(process.argv[4]) : undefined;
const server = await startOpenAiDouble({ latencyMs, answer: () => answer, record: false, ...(capacity ? { capacity } : {}) });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  process.stdout.write(`${JSON.stringify({ maxInFlight: server.stats.maxInFlight, chatRequests: server.stats.chatRequests })}\n`);
  server.stats.maxInFlight = 0;
});
commands.on('close', async () => {
  await server.close();
  process.exit(0);
});
