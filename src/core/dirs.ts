/**
 * Creating folders. `mkdir -p` done one folder at a time: Node 20's `mkdir(path, { recursive: true })` never
 * returns for a path under /proc (it spins at 100 % CPU and ignores SIGTERM), so every output folder ocrdet
 * creates goes through here, where a folder that cannot be made fails at once with the file system's error.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A path under a file (ENOTDIR) is as missing as one that is not there: the walk up finds the file and says so. */
function statOrMissing(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Creates `path` and its missing parents. Throws the fs error (ENOENT, EACCES, ENOTDIR, EROFS…) of the first folder that cannot be made. */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let current = resolve(path); ; ) {
    const info = statOrMissing(current);
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR', path: current });
      break;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Made meanwhile by someone else (two images of one batch writing overlays to the same new folder).
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
