/**
 * One writer per results file: `FILE.lock` holds the writer's pid. Two runs appending to the same file
 * would each redo the other's images and leave duplicates; the second one is refused instead. A lock left
 * by a killed run (its pid no longer alive) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // The results file's folder cannot be written (permissions, a read-only or virtual file system).
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT' || code === 'ENOTDIR') {
      const reason = `${code}: ${(error as Error).message.split(', ')[0].replace(/^\w+: /, '')}`;
      throw new UsageError(`${optionName('out')} ${lockPath.slice(0, -'.lock'.length)}: cannot write there (${reason})`, { cause: error, details: optionDetails('out') });
    }
    throw error;
  }
}

/** Locks this process holds: a lock file with our own pid is stale (pid reuse) unless it is one of these. */
const heldHere = new Set<string>();

/** Takes the lock on `resultsPath`; returns the function that releases it. */
export async function lockResultsFile(resultsPath: string): Promise<() => Promise<void>> {
  const lockPath = `${resultsPath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(lockPath)) {
      heldHere.add(lockPath);
      return async () => {
        heldHere.delete(lockPath);
        await rm(lockPath, { force: true });
      };
    }
    const owner = Number.parseInt((await readFile(lockPath, 'utf8').catch(() => '')).trim(), 10);
    const ownedByLiveProcess = owner === process.pid ? heldHere.has(lockPath) : Number.isInteger(owner) && owner > 0 && isAlive(owner);
    if (ownedByLiveProcess) {
      throw new UsageError(`${resultsPath}: another ocrdet (pid ${owner}) is writing this file; wait for it or stop it (if that pid is not ocrdet, delete ${lockPath})`);
    }
    await rm(lockPath, { force: true }); // stale: its writer is gone
  }
  throw new UsageError(`${resultsPath}: could not take ${lockPath}; another run keeps recreating it`);
}
