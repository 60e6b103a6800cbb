/**
 * The truth double (test/helpers/truth-double.js) over the seed-test images, in its own process so that its
 * work (JSON bodies, fingerprints of the images it receives) does not share the benchmarked process's event
 * loop and CPU count — as with a real model server. It answers each image's ground truth as axis-aligned boxes
 * in a grounding dialect (test/helpers/truth-answers.js): exactly, or with injected errors.
 * argv: dialect, mode (exact | errors), seed, latencyMs. Prints `{"url": …}` once listening; stops when stdin closes.
 */
import { boxIoU } from '../../dist/core/geometry.js';
import { readDataset } from '../../dist/datasets/index.js';
import { seededRandom } from '../../dist/eval/index.js';
import { getDialect } from '../../dist/grounding/index.js';
import { startTruthDouble } from '../../test/helpers/truth-double.js';
import { SEED_TEST } from './seed-test.js';
import { answerText, exactBoxes, injectedBoxes } from '../../test/helpers/truth-answers.js';

const [dialectName = 'internvl2', mode = 'exact', seed = '1', latencyMs = '0'] = process.argv.slice(2);
const dialect = getDialect(dialectName);
const samples = new Map();
for await (const sample of readDataset(SEED_TEST)) samples.set(sample.image, sample);
const server = await startTruthDouble({
  images: [...samples.keys()].map((image) => ({ key: image, image })),
  latencyMs: Number(latencyMs),
  record: false,
  answer: (key, request) => {
    const sample = samples.get(key);
    const boxes = mode === 'errors' ? injectedBoxes(sample, Number(seed), { seededRandom, boxIoU }).boxes : exactBoxes(sample);
    return answerText(dialect, boxes, sample, { width: request.image.width, height: request.image.height });
  },
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
