/** The seed-test set the benchmarks read: examples/seed-test in this repository (source and licence in its README). */
import { fileURLToPath } from 'node:url';

export const SEED_TEST = fileURLToPath(new URL('../../examples/seed-test', import.meta.url));
