/**
 * One writer per results file: `FILE.lock` holds the writer's pid, host and start time. Two runs appending to
 * the same file would each redo the other's images and leave duplicates; the second one is refused instead.
 *
 * Taking the lock is atomic: the owner line is written to a temporary file first, which is then hard-linked
 * to `FILE.lock` (link(2) fails with EEXIST when it exists), so the lock is never seen empty or half-written.
 * File systems without hard links (FAT, exFAT, some SMB shares) get an exclusive create (O_CREAT|O_EXCL)
 * instead, where a lock is empty for a moment: an empty lock younger than `BEING_WRITTEN_MS` is someone's.
 *
 * A lock left by a killed run (its pid gone on this host) is taken over, atomically too: judging "stale"
 * and deleting are two steps, so two runs restarted together could both delete it and both take it. The
 * deletion happens only while holding `FILE.lock.break` (an exclusive create), and only if the lock is
 * still the very file judged stale (same inode, size, time and owner line); then the lock is taken as above.
 * proper-lockfile has the check-then-delete race this closes (its stale path is stat → rmdir → mkdir).
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemError, UsageError, fileSystemErrno } from '../core/errors.js';
import { optionDetails, optionName } from '../core/options.js';

/** An empty or unreadable lock younger than this is being written by the run that created it. */
const BEING_WRITTEN_MS = 5_000;
/** A breaker older than this was left by a run killed while it broke a stale lock. */
const BREAKER_STALE_MS = 10_000;
/** Tries of the whole take/judge/break cycle before giving up (each lost race costs one). */
const MAX_ROUNDS = 50;

interface Owner {
  pid: number;
  host?: string;
}

interface Seen {
  text: string;
  ino: number;
  size: number;
  mtimeMs: number;
}

const HOST = hostname();

/** Locks this process holds: a lock file with our own pid is stale (pid reuse) unless it is one of these. */
const heldHere = new Set<string>();

/** `PID HOST START_MS`: the first word is the pid, as `echo PID > FILE.lock` writes it. */
function ownerLine(): string {
  return `${process.pid} ${HOST} ${Date.now()}\n`;
}

function parseOwner(text: string): Owner | undefined {
  const [pid, host] = text.trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, ...(host ? { host } : {}) } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** A folder where the lock cannot be written: a usage error when it does not exist, the disk's error otherwise. */
function cannotWrite(resultsPath: string, error: unknown): Error {
  const code = errnoOf(error);
  const details = optionDetails('out');
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const reason = `${code}: ${(error as Error).message.split(', ')[0].replace(/^\w+: /, '')}`;
    return new UsageError(`${optionName('out')} ${resultsPath}: cannot write there (${reason})`, { cause: error, details });
  }
  if (fileSystemErrno(error)) {
    return new FileSystemError(`${optionName('out')} ${resultsPath}: cannot write its lock file ${resultsPath}.lock there (${code}: ${(error as Error).message.split(', ')[0].replace(/^\w+: /, '')})`, { cause: error, details });
  }
  return error as Error;
}

/** Creates the lock with our owner line, atomically. False when a lock is there. */
async function tryCreate(lockPath: string): Promise<boolean> {
  const temporary = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, ownerLine(), { flag: 'wx' });
  try {
    await link(temporary, lockPath);
    return true;
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return tryCreateExclusive(lockPath);
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** The fallback without hard links: O_CREAT|O_EXCL, then the owner line. */
async function tryCreateExclusive(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    try {
      await handle.writeFile(ownerLine());
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
}

/** The lock as it is now, or undefined when it is gone. */
async function look(path: string): Promise<Seen | undefined> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    return { text, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

const sameFile = (a: Seen, b: Seen) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.text === b.text;

type Verdict = { stale: true } | { stale: false; wait: boolean; why: string };

/** Whether a lock can be taken over: its owner is gone from this host, or it was never written. */
function judge(lockPath: string, resultsPath: string, seen: Seen): Verdict {
  const owner = parseOwner(seen.text);
  if (!owner) {
    if (Date.now() - seen.mtimeMs < BEING_WRITTEN_MS) return { stale: false, wait: true, why: `${lockPath} is being written by a run that is starting` };
    return { stale: true };
  }
  const where = `${resultsPath}: another ocrdet (pid ${owner.pid}${owner.host && owner.host !== HOST ? ` on ${owner.host}` : ''}) is writing this file`;
  if (owner.host && owner.host !== HOST) {
    return { stale: false, wait: false, why: `${where}; its state cannot be checked from here (if it is not running, delete ${lockPath})` };
  }
  const alive = owner.pid === process.pid ? heldHere.has(lockPath) : isAlive(owner.pid);
  if (alive) return { stale: false, wait: false, why: `${where}; wait for it or stop it (if that pid is not ocrdet, delete ${lockPath})` };
  return { stale: true };
}

/**
 * Deletes the lock judged stale, under the breaker, only if it is still that same file. Returns false when
 * another run holds the breaker (try again shortly).
 */
async function breakStale(lockPath: string, judged: Seen): Promise<boolean> {
  const breaker = `${lockPath}.break`;
  try {
    await writeFile(breaker, ownerLine(), { flag: 'wx' });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
    const left = await look(breaker);
    if (left && Date.now() - left.mtimeMs > BREAKER_STALE_MS) {
      const again = await look(breaker);
      if (again && sameFile(left, again)) await rm(breaker, { force: true });
    }
    return false;
  }
  try {
    const now = await look(lockPath);
    if (now && sameFile(now, judged)) await rm(lockPath, { force: true });
    return true;
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Takes the lock on `resultsPath`; returns the function that releases it. */
export async function lockResultsFile(resultsPath: string): Promise<() => Promise<void>> {
  const lockPath = `${resultsPath}.lock`;
  let waitingSince: number | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let created: boolean;
    try {
      created = await tryCreate(lockPath);
    } catch (error) {
      throw cannotWrite(resultsPath, error);
    }
    if (created) {
      heldHere.add(lockPath);
      const mine = await look(lockPath);
      return async () => {
        heldHere.delete(lockPath);
        const now = await look(lockPath).catch(() => undefined);
        // Only our own lock: never one another run took after ours was (wrongly) deleted.
        if (now && mine && sameFile(now, mine)) await rm(lockPath, { force: true });
      };
    }
    const seen = await look(lockPath);
    if (!seen) continue; // released between our try and our look
    const verdict = judge(lockPath, resultsPath, seen);
    if (!verdict.stale) {
      waitingSince ??= Date.now();
      if (!verdict.wait || Date.now() - waitingSince > 1_000) throw new UsageError(verdict.why);
      await sleep(50);
      continue;
    }
    if (!(await breakStale(lockPath, seen))) await sleep(20 + Math.random() * 30);
  }
  throw new UsageError(`${resultsPath}: could not take ${lockPath}; other runs keep taking and releasing it`);
}
