/**
 * Buffered file output for the converter, and the spool that holds each image's finished output until the
 * split is decided (split.ts): records are appended during the single pass over the dataset, then read back
 * by offset in hash order. Synchronous I/O on purpose: tens of thousands of small writes and positional
 * reads per second, which the thread pool of async fs would make several times slower; each call moves
 * either a 1 MB chunk or one image's record.
 */
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { toFileSystemError } from '../core/errors.js';

const CHUNK_BYTES = 1 << 20;

/**
 * Appends to a file through a 1 MB buffer. The disk's errors (no space, read-only…) come out as
 * FileSystemError naming `shownPath`, the file the user asked for.
 */
export class BufferedFile {
  private readonly fd: number;
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Bytes written so far (buffered included). */
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly shownPath = path,
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw toFileSystemError(error, shownPath);
    }
  }

  private writeAll(data: Buffer, length = data.length): void {
    try {
      for (let done = 0; done < length; ) done += writeSync(this.fd, data, done, length - done);
    } catch (error) {
      throw toFileSystemError(error, this.shownPath);
    }
  }

  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (bytes > this.buffer.length - this.used) this.flush();
    if (bytes > this.buffer.length) {
      this.writeAll(typeof data === 'string' ? Buffer.from(data) : data);
    } else if (typeof data === 'string') {
      this.buffer.write(data, this.used);
      this.used += bytes;
    } else {
      data.copy(this.buffer, this.used);
      this.used += bytes;
    }
    this.bytes += bytes;
  }

  flush(): void {
    this.writeAll(this.buffer, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** A file written under a temporary name and renamed into place only when complete. */
export class AtomicFile extends BufferedFile {
  constructor(readonly finalPath: string) {
    super(`${finalPath}.partial-${process.pid}`, finalPath);
  }

  commit(): void {
    this.close();
    renameSync(this.path, this.finalPath);
  }

  discard(): void {
    try {
      this.close();
    } catch {
      // already closed
    }
    rmSync(this.path, { force: true });
  }
}

export interface SpoolRecord {
  offset: number;
  length: number;
}

/** Append-then-read-back storage of per-image records. */
export class Spool {
  private readonly file: BufferedFile;
  private readFd: number | undefined;
  private readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly path: string) {
    this.file = new BufferedFile(path);
  }

  append(record: string): SpoolRecord {
    const offset = this.file.bytes;
    this.file.write(record);
    return { offset, length: this.file.bytes - offset };
  }

  /** A record's bytes, in a buffer reused by the next read (copy what must outlive it). */
  read(offset: number, length: number): Buffer {
    if (this.readFd === undefined) {
      this.file.flush();
      this.readFd = openSync(this.path, 'r');
    }
    if (this.readBuffer.length < length) this.readBuffer = Buffer.allocUnsafe(Math.max(length, this.readBuffer.length * 2));
    const out = this.readBuffer.subarray(0, length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.readFd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`spool ${this.path}: record at ${offset} is cut short`);
      done += n;
    }
    return out;
  }

  /** Closes and deletes the spool file. */
  remove(): void {
    try {
      this.file.close();
    } catch {
      // already closed
    }
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
    rmSync(this.path, { force: true });
  }
}
