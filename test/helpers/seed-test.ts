/**
 * The seed-test set, carried by the repository: examples/seed-test (50 photos of MSRA-TD500 and ICPR MTWI 2018
 * with the reference project's quad annotations; source and licence in its README). The reference's own ms-swift
 * scripts and three rows of its training data are copied under test/fixtures/train/seed-scripts.
 */
import { fileURLToPath } from 'node:url';

export const SEED_TEST = fileURLToPath(new URL('../../examples/seed-test', import.meta.url));
export const SEED_SCRIPTS = fileURLToPath(new URL('../fixtures/train/seed-scripts', import.meta.url));
