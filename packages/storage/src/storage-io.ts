/**
 * The file-I/O seam of the storage engine. Production code uses {@link nodeStorageIo} (node:fs
 * promises, no sync calls); tests wrap it to inject faults (ENOSPC after a partial write, EIO on
 * fdatasync) deterministically.
 */
import { open, rename, unlink, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';

/** The subset of a node:fs/promises FileHandle the engine uses. */
export interface StorageFile {
  /** Writes `buffers` at `position`; may write fewer bytes than asked (callers loop). */
  writev(buffers: readonly NodeJS.ArrayBufferView[], position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** Filesystem operations used by the engine. */
export interface StorageIo {
  /** Opens a file; `flags` as node:fs ('r', 'r+', 'w', 'wx', 'a+'...). */
  open(path: string, flags: string): Promise<StorageFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  rmdir(path: string): Promise<void>;
  /** Size of a file, or undefined if it does not exist. */
  sizeOf(path: string): Promise<number | undefined>;
  /** fsyncs a directory so that creates, renames and unlinks in it survive a crash. */
  syncDir(path: string): Promise<void>;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** The real filesystem. */
export const nodeStorageIo: StorageIo = Object.freeze({
  open: (path: string, flags: string) => open(path, flags),
  rename: (from: string, to: string) => rename(from, to),
  unlink: (path: string) => unlink(path),
  mkdir: async (path: string) => {
    await mkdir(path, { recursive: true });
  },
  readdir: (path: string) => readdir(path),
  rmdir: (path: string) => rm(path, { recursive: true, force: true }),
  sizeOf: async (path: string) => {
    try {
      return (await stat(path)).size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  },
  syncDir: async (path: string) => {
    const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
});

/** True for the errno codes that mean "no space left" (ENOSPC, EDQUOT, EFBIG). */
export function isDiskFullError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

/** True when a filesystem error says the path does not exist. */
export { isNotFound };

/**
 * Writes all of `buffers` at `position`, looping over short writes (the kernel may write part of
 * a writev when the disk fills up; the next call then reports the error). Returns bytes written.
 * On error, `err.bytesWritten` says how much of the data reached the file before the failure.
 */
export async function writeFully(file: StorageFile, buffers: readonly Buffer[], position: number): Promise<number> {
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  let written = 0;
  let pending: readonly Buffer[] = buffers;
  try {
    while (written < total) {
      const { bytesWritten } = await file.writev(pending, position + written);
      if (bytesWritten <= 0) throw Object.assign(new Error('writev wrote no bytes'), { code: 'EIO' });
      written += bytesWritten;
      if (written < total) pending = skipBytes(pending, bytesWritten);
    }
  } catch (err) {
    throw Object.assign(err as Error, { bytesWritten: written });
  }
  return written;
}

function skipBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = count;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

/**
 * Bounds how many operations of a kind run at once; the rest wait in arrival order. Small-file
 * writes and reads each hold one file descriptor while they run, and a broker with 10,000
 * partitions starts that many at once (high-watermark checkpoints on their timers, flushes at
 * close): unbounded, they ran into the process's descriptor limit (EMFILE) on top of the one
 * descriptor every active segment keeps open.
 */
export class ConcurrencyLimit {
  readonly #max: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`ConcurrencyLimit needs a positive integer, got ${max}`);
    this.#max = max;
  }

  /** Operations running now. */
  get running(): number {
    return this.#running;
  }

  /** Runs `fn` once fewer than `max` others run. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter; only when none waits is it freed.
      if (next === undefined) this.#running--;
      else next();
    }
  }
}

/**
 * Small files (checkpoints, index files, meta.json) written or read at once, in this process. Each
 * holds at most one descriptor at a time (the temporary file is closed before the directory is
 * opened for its fsync).
 */
export const SMALL_FILE_CONCURRENCY = 128;
const smallFiles = new ConcurrencyLimit(SMALL_FILE_CONCURRENCY);

/**
 * Replaces `path` atomically: writes a temporary file, fsyncs it, renames it over `path` and
 * fsyncs the directory. A crash leaves either the old or the new content, never a mix.
 */
export function writeFileAtomic(io: StorageIo, dir: string, name: string, data: Buffer | string): Promise<void> {
  return smallFiles.run(() => writeFileAtomicNow(io, dir, name, data));
}

async function writeFileAtomicNow(io: StorageIo, dir: string, name: string, data: Buffer | string): Promise<void> {
  const tmp = `${dir}/${name}.tmp`;
  const file = await io.open(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await writeFully(file, [bytes], 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await io.rename(tmp, `${dir}/${name}`);
  await io.syncDir(dir);
}

/** Reads a whole small file, or undefined if it does not exist. */
export function readSmallFile(io: StorageIo, path: string): Promise<Buffer | undefined> {
  return smallFiles.run(() => readSmallFileNow(io, path));
}

async function readSmallFileNow(io: StorageIo, path: string): Promise<Buffer | undefined> {
  let file: StorageFile;
  try {
    file = await io.open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    const { size } = await file.stat();
    const buf = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await file.read(buf, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buf.subarray(0, read);
  } finally {
    await file.close();
  }
}
