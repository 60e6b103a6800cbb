/**
 * The script each worker of ./workers.ts runs: one detector of the backend it is given, detections on
 * request, results and errors sent back as data. Started with `workerData` = WorkerSetup.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../core/errors.js';
import { rawImageInput } from '../image/sharp.js';
import { createBackendDetector } from './index.js';
import type { Detector } from './types.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workers.js';

const port = parentPort;
if (!port) throw new Error('detectors/worker.js runs as a worker thread (see detectors/workers.ts)');
const send = (message: FromWorker) => port.postMessage(message);
const setup = workerData as WorkerSetup;
const running = new Map<number, AbortController>();

let detector: Detector;
try {
  detector = await createBackendDetector(setup.backend, setup.options);
  send({ type: 'ready', model: detector.model });
} catch (error) {
  send({ type: 'failed', error: toErrorPayload(error) });
  port.close();
}

async function detect(message: Extract<ToWorker, { type: 'detect' }>): Promise<void> {
  const abort = new AbortController();
  running.set(message.id, abort);
  try {
    const bytes = typeof message.input === 'string' ? undefined : Buffer.from(message.input.buffer, message.input.byteOffset, message.input.byteLength);
    const input = bytes === undefined ? (message.input as string) : message.raw ? rawImageInput({ data: bytes, ...message.raw }) : bytes;
    const detection = await detector.detect(input, {
      signal: abort.signal,
      ...(message.name !== undefined ? { name: message.name } : {}),
      ...(message.concurrency !== undefined ? { concurrency: message.concurrency } : {}),
      onCounter: (name, increment) => send({ type: 'counter', id: message.id, name, increment }),
    });
    send({ type: 'result', id: message.id, detection });
  } catch (error) {
    send({ type: 'error', id: message.id, error: toErrorPayload(error) });
  } finally {
    running.delete(message.id);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'detect') void detect(message);
  else if (message.type === 'abort') running.get(message.id)?.abort();
  else if (message.type === 'close') {
    for (const abort of running.values()) abort.abort();
    void detector?.close().finally(() => port.close());
  }
});
