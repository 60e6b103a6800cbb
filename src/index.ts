/**
 * ocrdet's library API. Every CLI command is a thin shell over these functions.
 */
export type { Point, Box, ImageSize, Region, Sample, Detection } from './core/types.js';
export * from './core/errors.js';
export { createRegistry, type Registry, type Named } from './core/registry.js';
