/**
 * The layering of src/, checked on the source: arrows point one way
 * (cli/server → batch/train/eval/datasets → detectors/grounding → image → core; formats → core, used by
 * cli/server), `core` imports nothing of ours, no module imports `cli` or `server`, each native library has
 * one door, and model servers are reached through one client.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** What each top-level folder of src/ may import from the others (its own folder is always allowed). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  image: ['core'],
  grounding: ['core'],
  detectors: ['core', 'image', 'grounding'],
  datasets: ['core', 'image', 'grounding'],
  eval: ['core', 'datasets', 'image'],
  batch: ['core', 'image', 'detectors', 'datasets'],
  // train reaches model servers (deploy's readiness probe) through the vlm backend's client.
  train: ['core', 'image', 'datasets', 'grounding', 'detectors'],
  formats: ['core'],
  server: ['core', 'image', 'detectors', 'formats'],
  cli: ['core', 'image', 'grounding', 'detectors', 'datasets', 'eval', 'batch', 'train', 'server', 'formats'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import specifier of a file: static, type-only, re-exports and dynamic `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?:[^'";]*?from\s+)?'([^']+)'/g), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)];
  return found.map((m) => m[1]);
}

/**
 * The modules a file loads when it is imported: static imports and re-exports, without `import type` /
 * `export type` (erased by TypeScript) and without dynamic `import()` (loaded only when called).
 */
function loadedBy(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?from\s+)?'([^']+)'/g)].map((m) => m[1]);
}

/** Every package a module loads, following its relative static imports through src/. */
function packagesLoaded(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of loadedBy(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

/** The top-level folder of src/ a file lives in ('' for src/index.ts). */
function layerOf(path: string): string {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.split('/')[0] : '';
}

const files = sourceFiles(SRC);

describe('architecture', () => {
  it('every import between folders of src/ follows the layering', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      if (from === '') continue; // src/index.ts, the library's public face, may re-export any layer but cli/server (below)
      const allowed = ALLOWED[from];
      expect(allowed, `src/${from}/ is not in the layering table`).toBeDefined();
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(file), spec));
        if (to !== from && to !== '' && !allowed.includes(to)) violations.push(`${relative(SRC, file)} imports ${to}/ (${spec})`);
        if (to === '' ) violations.push(`${relative(SRC, file)} imports the package entry (${spec})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the library entry never imports cli/ or server/', () => {
    const specs = importsOf(join(SRC, 'index.ts'));
    expect(specs.filter((s) => /^\.\/(cli|server)\//.test(s))).toEqual([]);
  });

  it('importing the library or the backend registry loads neither onnxruntime-node nor the OpenAI SDK (a detector loads them when made)', () => {
    for (const entry of ['index.ts', 'detectors/index.ts']) {
      const loaded = packagesLoaded(join(SRC, entry));
      expect([...loaded].filter((name) => name === 'onnxruntime-node' || name === 'openai'), entry).toEqual([]);
      expect(loaded.has('zod'), entry).toBe(true);
    }
  });

  it('the library speaks of options, not flags: no --flag in the code of batch/, datasets/, detectors/, image/ (a backend\'s own flag declarations aside)', () => {
    const library = files.filter((file) => /^(batch|datasets|detectors|image)\//.test(relative(SRC, file)) && !/^datasets\/convert/.test(relative(SRC, file)));
    const found: string[] = [];
    for (const file of library) {
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      code.split('\n').forEach((line, i) => {
        if (/^\s*\{ flags: '--/.test(line)) return; // a BackendFlag: the CLI's flag for one of the backend's options
        for (const flag of line.match(/--[a-z][a-z-]*/g) ?? []) found.push(`${relative(SRC, file)}:${i + 1}: ${flag}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('one door to each native library and to the model servers', () => {
    const doors: Record<string, RegExp> = {
      sharp: /^image\//,
      'onnxruntime-node': /^detectors\/ppocr\/session\.ts$/,
      openai: /^detectors\/vlm\//,
      fastify: /^server\//,
    };
    const offenders: string[] = [];
    for (const file of files) {
      const rel = relative(SRC, file);
      for (const spec of importsOf(file)) {
        const door = doors[spec];
        if (door && !door.test(rel)) offenders.push(`${rel} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('model servers are reached through one client (detectors/vlm/client.ts): no other HTTP client in src/', () => {
    const CLIENT = 'detectors/vlm/client.ts';
    const offenders: string[] = [];
    for (const file of files) {
      const rel = relative(SRC, file);
      if (rel === CLIENT || rel.startsWith('server/')) continue;
      const text = readFileSync(file, 'utf8');
      if (/\bfetch\(|from 'node:https?'|from 'undici'/.test(text)) offenders.push(`${rel} speaks HTTP itself`);
      for (const spec of importsOf(file)) {
        const to = relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
        if (layerOf(file) === 'train' && to.startsWith('detectors/') && to !== CLIENT) offenders.push(`${rel} imports ${to}: train/ uses detectors/ only for the client`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('one Ctrl-C handler (cli/signals.ts): no other SIGINT or SIGTERM listener in src/', () => {
    const offenders = files
      .filter((file) => relative(SRC, file) !== 'cli/signals.ts')
      .filter((file) => /process\.(on|once|addListener|prependListener)\(\s*'SIG(INT|TERM)'/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });
});
