/**
 * The batch engine: many images through one Detector, concurrently, in input order, resumable.
 */
export { runBatch, type RunBatchOptions, type BatchSummary } from './run.js';
export { detectMany, type DetectManyOptions } from './iterate.js';
export { expandInputs, isImagePath, IMAGE_EXTENSIONS, type ImageInput } from './inputs.js';
export { scanResults, type ResultsScan } from './jsonl.js';
export { runOrdered, type OrderedPoolOptions, type OrderedPoolOutcome } from './pool.js';
export type { BatchProgress } from './stats.js';
export { mergeResults, type MergeResultsOptions, type MergeSummary } from './merge.js';
export { parseShard, shardFromEnvironment, inShard, shardOfPath, shardResultsPath, shardLabel, type Shard } from './shard.js';
