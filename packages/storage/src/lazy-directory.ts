/**
 * A new partition's directory and first segment file, created on first need rather than at open.
 *
 * A broker creating a 10,000-partition topic opens 10,000 empty logs, most of which see no write for
 * a while; creating a directory and a file for each costs two metadata operations that, on a busy
 * disk, wait behind other processes' journal commits, and one descriptor per partition held for
 * good. Here the directory is made by the first operation that writes into it, and the first
 * segment's file by the first operation that needs its bytes. Until then the log is empty and
 * nothing of it is on disk, which is also what a crash would leave (see docs/architecture.md,
 * Storage: creating and electing a partition writes no fsync).
 */
import type { StorageFile, StorageIo } from './storage-io.ts';

/** `io`, making `dir` (once) before anything is created, renamed into or fsynced in it. */
export function lazyDirectoryIo(io: StorageIo, dir: string): { io: StorageIo; made: () => boolean } {
  let making: Promise<void> | undefined;
  let made = false;
  const ensure = (): Promise<void> => {
    making ??= io.mkdir(dir).then(
      () => {
        made = true;
      },
      (err: unknown) => {
        making = undefined;
        throw err;
      },
    );
    return making;
  };
  const inside = (path: string): boolean => path.startsWith(`${dir}/`);
  return {
    made: () => made,
    io: {
      ...io,
      open: async (path, flags) => {
        // 'r' and 'r+' open existing files only: nothing to make for them.
        if (!made && inside(path) && !flags.startsWith('r')) await ensure();
        return io.open(path, flags);
      },
      rename: async (from, to) => {
        if (!made && inside(to)) await ensure();
        return io.rename(from, to);
      },
      mkdir: async (path) => {
        if (path === dir) return ensure();
        return io.mkdir(path);
      },
      syncDir: async (path) => {
        if (!made && path === dir) await ensure();
        return io.syncDir(path);
      },
    },
  };
}

/**
 * A file created (`wx+`: never an existing file emptied) on the first write, truncation or sync
 * that needs it. Before that it is empty: stat gives size 0, a read reads nothing, a sync or a
 * truncation to 0 has nothing to do, and close closes nothing.
 */
export function lazyFile(io: StorageIo, path: string): StorageFile & { readonly created: boolean } {
  let file: Promise<StorageFile> | undefined;
  const get = (): Promise<StorageFile> => {
    file ??= io.open(path, 'wx+').catch((err: unknown) => {
      file = undefined;
      throw err;
    });
    return file;
  };
  return {
    /** Whether the file was asked for (it exists, or its creation is under way or failed). */
    get created() {
      return file !== undefined;
    },
    writev: async (buffers, position) => (await get()).writev(buffers, position),
    read: async (buffer, offset, length, position) => (file === undefined ? { bytesRead: 0 } : (await file).read(buffer, offset, length, position)),
    datasync: async () => {
      if (file !== undefined) await (await file).datasync();
    },
    sync: async () => {
      if (file !== undefined) await (await file).sync();
    },
    truncate: async (length) => {
      if (file === undefined && length === 0) return;
      await (await get()).truncate(length);
    },
    stat: async () => (file === undefined ? { size: 0 } : (await file).stat()),
    close: async () => {
      if (file !== undefined) await (await file.catch(() => undefined))?.close();
    },
  };
}
