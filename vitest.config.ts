import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // onnxruntime and sharp hold native threads: forks isolate them better than worker threads (and the
    // in-process CLI tests change the working directory, which worker threads may not).
    pool: 'forks',
    // One worker per core. Vitest's default keeps a core for itself (cores − 1: one worker on 2 cores), but
    // many tests wait on child processes, servers and files, so a worker rarely has a core to itself.
    maxWorkers: Math.max(2, availableParallelism()),
    // A worker runs many files in one process: sharp, onnxruntime, zod and the CLI's modules are loaded once
    // per worker, not once per file (a fifth of the suite's CPU time). Test files leave no state behind them:
    // they restore spies, stubbed variables, the working directory and process.exitCode.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
