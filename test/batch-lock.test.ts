/**
 * The lock on a results file (src/batch/lock.ts): one writer at a time, a stale lock taken over by exactly
 * one of the runs restarted after a kill -9, and a lock that is being written left alone. The race runs real
 * processes (test/helpers/lock-racer.mjs: `runBatch` from dist/, forked, started together over IPC); the rest
 * calls the lock in this process against lock files written as a killed, a running or a starting run leaves them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockResultsFile } from '../src/batch/lock.js';
import { assertBuilt } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'ocrdet-lock-'));
/** pid_max is at most 2^22 on Linux: this pid is no process. */
const DEAD_PID = 4_194_305;

type Outcome = { outcome: 'wrote' | 'refused' | 'failed'; written: number; message?: string };

describe('three runs restarted together on a stale lock', () => {
  const racers: ChildProcess[] = [];
  beforeAll(async () => {
    assertBuilt(['batch/lock', 'batch/run', 'batch/jsonl']);
    for (let i = 0; i < 3; i++) {
      const child = fork(new URL('./helpers/lock-racer.mjs', import.meta.url), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, RACER_HOLD_MS: '3' } });
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      racers.push(child);
    }
  });
  afterAll(() => {
    for (const child of racers) child.kill();
  });

  const race = (out: string, count: number) =>
    Promise.all(racers.map((child) => new Promise<Outcome>((resolve) => {
      child.once('message', (m) => resolve(m as Outcome));
      child.send({ out, count });
    })));

  it('30 times: never two writers, every image exactly once', async () => {
    const count = 20;
    const doubled: number[] = [];
    for (let trial = 0; trial < 30; trial++) {
      const out = join(work, `race-${trial}.jsonl`);
      writeFileSync(`${out}.lock`, `${DEAD_PID}\n`); // what a run killed with kill -9 leaves
      const outcomes = await race(out, count);
      expect(outcomes.filter((o) => o.outcome === 'failed')).toEqual([]);
      const images = readFileSync(out, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { image: string }).image);
      if (images.length !== count) doubled.push(trial);
      expect(new Set(images).size).toBe(count);
      expect(outcomes.reduce((sum, o) => sum + o.written, 0)).toBe(images.length);
      expect(existsSync(`${out}.lock`)).toBe(false);
    }
    expect(doubled, 'trials in which an image was written twice').toEqual([]);
  }, 120_000);
});

describe('judging a lock that is there', () => {
  const lockOf = (name: string, content: string, ageMs = 0) => {
    const out = join(work, `${name}.jsonl`);
    writeFileSync(`${out}.lock`, content);
    if (ageMs > 0) utimesSync(`${out}.lock`, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
    return out;
  };

  it('takes over the lock of a run that is gone, writes its own owner line, and removes it on release', async () => {
    const out = lockOf('gone', `${DEAD_PID}\n`);
    const release = await lockResultsFile(out);
    expect(readFileSync(`${out}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} ${hostname()} \\d+\\n$`));
    await release();
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('refuses while its owner runs on this host, naming the pid; the lock stays', async () => {
    const out = lockOf('running', `${process.ppid} ${hostname()} ${Date.now()}\n`);
    await expect(lockResultsFile(out)).rejects.toThrow(`another ocrdet (pid ${process.ppid}) is writing this file`);
    expect(readFileSync(`${out}.lock`, 'utf8')).toMatch(new RegExp(`^${process.ppid} `));
  });

  it('refuses a lock of another host, whose process cannot be checked from here', async () => {
    const out = lockOf('elsewhere', `${DEAD_PID} gpu-node-7 ${Date.now()}\n`);
    await expect(lockResultsFile(out)).rejects.toThrow(`another ocrdet (pid ${DEAD_PID} on gpu-node-7) is writing this file; its state cannot be checked from here`);
  });

  it('leaves an empty lock that was just created alone: a run is starting', async () => {
    const out = lockOf('starting', '');
    await expect(lockResultsFile(out)).rejects.toThrow('is being written by a run that is starting');
    expect(existsSync(`${out}.lock`)).toBe(true);
  });

  it('takes over an empty lock older than 5 s: its run died before writing it', async () => {
    const out = lockOf('never-written', '', 6_000);
    const release = await lockResultsFile(out);
    expect(readFileSync(`${out}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    await release();
  });

  it('clears a breaker left by a run killed while it broke a lock (older than 10 s), then takes the lock', async () => {
    const out = lockOf('broken-breaker', `${DEAD_PID}\n`);
    writeFileSync(`${out}.lock.break`, `${DEAD_PID}\n`);
    utimesSync(`${out}.lock.break`, new Date(Date.now() - 11_000), new Date(Date.now() - 11_000));
    const release = await lockResultsFile(out);
    expect(existsSync(`${out}.lock.break`)).toBe(false);
    await release();
  });
});
