/**
 * Every command of `ocrdet`, one file each under src/cli/. Only the invoked command's module is imported, so
 * start-up stays fast; a module imports its heavy libraries (onnxruntime, sharp, openai, fastify) lazily
 * inside its `run`.
 */
import { readFileSync } from 'node:fs';
import type { AnyCommandSpec } from './command-spec.js';

/** A command module: its spec, the table of its flags and its run. */
export interface CommandModule {
  spec: AnyCommandSpec;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'detect', summary: 'detect text regions in images (embedded PP-OCRv4, or a multimodal LLM server)', load: () => import('./detect.js') },
  { name: 'eval', summary: 'score detections against ground truth (ICDAR 2015 hmean-IoU)', load: () => import('./eval.js') },
  { name: 'data', summary: 'datasets: stats, convert to fine-tuning JSONL, preview', load: () => import('./data.js') },
  { name: 'results', summary: 'results files: merge the parts of a job array (detect --shard) into one', load: () => import('./results.js') },
  { name: 'reparse', summary: 're-parse saved raw model answers with a grounding dialect', load: () => import('./reparse.js') },
  { name: 'train', summary: 'fine-tune a multimodal LLM with ms-swift (LoRA), and follow runs', load: () => import('./train.js') },
  { name: 'merge', summary: 'merge a LoRA checkpoint into its base model (ms-swift export)', load: () => import('./merge.js') },
  { name: 'deploy', summary: 'serve a model behind an OpenAI-compatible API (swift deploy, vLLM, LMDeploy)', load: () => import('./deploy.js') },
  { name: 'serve', summary: 'HTTP API and web page over the detectors', load: () => import('./serve.js') },
];

/** The version in package.json (0.0.0 when it cannot be read). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
