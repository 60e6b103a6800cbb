/**
 * One racer of test/batch-lock.test.ts: a real `runBatch` (from dist/) writing a results file, in its own
 * process, started by fork() and told over IPC when to go, so that several processes reach the lock at the
 * same moment. Its detector is a trivial one (the lock is under test, not detection): each "image" takes
 * `holdMs` and gets one line. Answers `{ outcome: 'wrote' | 'refused' | 'failed', written, message }`.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const { runBatch } = await import(new URL('../../dist/batch/run.js', import.meta.url).href);

const detector = {
  backend: 'lock-racer',
  model: 'none',
  async detect(image) {
    await sleep(Number(process.env.RACER_HOLD_MS ?? 5));
    return { image, width: 1, height: 1, regions: [], backend: 'lock-racer', model: 'none', timings: {} };
  },
  async close() {},
};

process.on('message', async ({ out, count }) => {
  const images = Array.from({ length: count }, (_, i) => ({ path: join(out, '..', `img-${i}.jpg`), relativePath: `img-${i}.jpg` }));
  let written = 0;
  try {
    await runBatch({ images, detector, out, concurrency: 1, onDetection: () => void written++ });
    process.send({ outcome: 'wrote', written });
  } catch (error) {
    process.send({ outcome: error?.code === 'OCRDET_USAGE' ? 'refused' : 'failed', written, message: String(error?.message ?? error) });
  }
});
process.send({ ready: true });
