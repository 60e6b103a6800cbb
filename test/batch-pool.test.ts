/**
 * The ordered pool (src/batch/pool.ts) on its own: plain promise tasks that the test finishes by hand, in
 * any order, so every interleaving is chosen by the test rather than by timing.
 */
import { describe, expect, it } from 'vitest';
import { runOrdered } from '../src/batch/pool.js';
import { settle, until } from './helpers/batch-detector.js';

/** Tasks that finish when the test says so. */
function manualTasks(count: number) {
  const finishers = new Map<number, (value: string | undefined) => void>();
  const failers = new Map<number, (error: Error) => void>();
  const started: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (item: number) =>
    new Promise<string | undefined>((resolve, reject) => {
      started.push(item);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      finishers.set(item, (value) => {
        inFlight--;
        resolve(value);
      });
      failers.set(item, (error) => {
        inFlight--;
        reject(error);
      });
    });
  const finish = (item: number) => finishers.get(item)!(`r${item}`);
  const finishEmpty = (item: number) => finishers.get(item)!(undefined);
  const fail = (item: number, error: Error) => failers.get(item)!(error);
  return { items: Array.from({ length: count }, (_, i) => i), run, finish, finishEmpty, fail, started, stats: () => ({ inFlight, maxInFlight }) };
}

describe('runOrdered', () => {
  it('never has more than `concurrency` tasks in flight, and fills every free slot', async () => {
    const t = manualTasks(10);
    const delivered: string[] = [];
    const pool = runOrdered(t.items, { concurrency: 3, maxWaiting: 100, run: t.run, deliver: (r) => void delivered.push(r) });
    await settle();
    expect(t.started).toEqual([0, 1, 2]);
    // Finish in a scrambled order; each finish frees exactly one slot.
    for (const item of [1, 0, 2, 4, 3, 6, 5, 9, 8, 7]) {
      await until(() => t.started.includes(item));
      t.finish(item);
      await settle();
      expect(t.stats().inFlight).toBeLessThanOrEqual(3);
    }
    await pool;
    expect(t.stats().maxInFlight).toBe(3);
    expect(delivered).toEqual(t.items.map((i) => `r${i}`));
  });

  it('keeps starting new tasks while an early task is slow, and delivers in item order once it finishes', async () => {
    const t = manualTasks(6);
    const delivered: string[] = [];
    const pool = runOrdered(t.items, { concurrency: 2, maxWaiting: 100, run: t.run, deliver: (r) => void delivered.push(r) });
    for (const item of [1, 2, 3, 4, 5]) {
      await until(() => t.started.includes(item));
      t.finish(item);
    }
    await settle();
    // Item 0 is still running: everything else is done but waits, in order, behind it.
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(delivered).toEqual([]);
    t.finish(0);
    await pool;
    expect(delivered).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('stops starting tasks when `maxWaiting` finished results wait behind a slow one', async () => {
    const t = manualTasks(10);
    const pool = runOrdered(t.items, { concurrency: 2, maxWaiting: 3, run: t.run, deliver: () => undefined });
    for (const item of [1, 2, 3]) {
      await until(() => t.started.includes(item));
      t.finish(item);
    }
    await settle();
    // 0 in flight, 1–3 finished and waiting behind it (= maxWaiting): the pool holds with a free slot rather
    // than let more finished results pile up; as soon as 0 is delivered, the rest flows.
    expect(t.started).toEqual([0, 1, 2, 3]);
    expect(t.stats().inFlight).toBe(1);
    t.finish(0);
    for (const item of [4, 5, 6, 7, 8, 9]) {
      await until(() => t.started.includes(item));
      t.finish(item);
    }
    await expect(pool).resolves.toMatchObject({ started: 10, delivered: 10, stopped: false });
  });

  it('on stop, starts nothing new but lets the tasks in flight finish and delivers them', async () => {
    const t = manualTasks(8);
    const stop = new AbortController();
    const delivered: string[] = [];
    const pool = runOrdered(t.items, { concurrency: 3, maxWaiting: 100, stopSignal: stop.signal, run: t.run, deliver: (r) => void delivered.push(r) });
    await until(() => t.started.length === 3);
    stop.abort();
    t.finish(2);
    t.finish(0);
    t.finish(1);
    await expect(pool).resolves.toEqual({ started: 3, delivered: 3, stopped: true });
    expect(t.started).toEqual([0, 1, 2]);
    expect(delivered).toEqual(['r0', 'r1', 'r2']);
  });

  it('skips a task that produced nothing (undefined) and still delivers the ones after it', async () => {
    const t = manualTasks(3);
    const delivered: string[] = [];
    const pool = runOrdered(t.items, { concurrency: 3, maxWaiting: 100, run: t.run, deliver: (r) => void delivered.push(r) });
    await until(() => t.started.length === 3);
    t.finish(2);
    t.finishEmpty(0);
    t.finish(1);
    await expect(pool).resolves.toMatchObject({ delivered: 2 });
    expect(delivered).toEqual(['r1', 'r2']);
  });

  it('rethrows a task failure after the tasks in flight have finished and been delivered', async () => {
    const t = manualTasks(6);
    const delivered: string[] = [];
    const pool = runOrdered(t.items, { concurrency: 2, maxWaiting: 100, run: t.run, deliver: (r) => void delivered.push(r) });
    await until(() => t.started.length === 2);
    t.fail(1, new Error('model file vanished'));
    await settle();
    expect(t.started).toEqual([0, 1]); // nothing new after the failure
    t.finish(0);
    await expect(pool).rejects.toThrow('model file vanished');
    expect(delivered).toEqual(['r0']);
  });

  it('stops delivering after a delivery fails (e.g. disk full) and rethrows that error', async () => {
    const t = manualTasks(4);
    const delivered: string[] = [];
    const pool = runOrdered(t.items, {
      concurrency: 4,
      maxWaiting: 100,
      run: t.run,
      deliver: (r) => {
        if (r === 'r1') throw new Error('ENOSPC');
        delivered.push(r);
      },
    });
    await until(() => t.started.length === 4);
    for (const item of [0, 1, 2, 3]) t.finish(item);
    await expect(pool).rejects.toThrow('ENOSPC');
    expect(delivered).toEqual(['r0']);
  });

  it('rejects a concurrency that is not a positive integer', async () => {
    await expect(runOrdered([1], { concurrency: 0, maxWaiting: 1, run: async () => 1, deliver: () => undefined })).rejects.toThrow(/concurrency/);
  });
});
