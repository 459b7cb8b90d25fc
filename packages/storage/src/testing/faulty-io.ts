/**
 * A StorageIo wrapper for deterministic fault injection: tests decide, per call, whether a writev
 * writes only part of its data and then fails (as the kernel does when the disk fills), or whether
 * an fdatasync fails. It also counts fdatasyncs, to observe group commit.
 */
import { nodeStorageIo, type StorageFile, type StorageIo } from '../storage-io.ts';

/** Control knobs of a {@link FaultyIo}. */
export interface FaultyIo extends StorageIo {
  /** When set, the next writev to a `.log` file writes `partialBytes` bytes and then fails with `code`. */
  failNextLogWrite: { code: string; partialBytes: number } | undefined;
  /** When set, every fdatasync of a `.log` file fails with this errno code. */
  failDatasync: string | undefined;
  /** When set, each fdatasync of a `.log` file first awaits this promise (to hold a sync in flight). */
  datasyncGate: Promise<void> | undefined;
  /** fdatasync calls on `.log` files so far. */
  datasyncs: number;
  /** When it returns an errno code for a path, opening that path fails with it. */
  failOpen: ((path: string) => string | undefined) | undefined;
  /** When it returns an errno code for a rename source, the rename fails with it. */
  failRename: ((from: string) => string | undefined) | undefined;
  /** When it returns a promise for a rename source, the rename waits for it (to hold a checkpoint write half done). */
  holdRename: ((from: string) => Promise<void> | undefined) | undefined;
}

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall });
}

/** Wraps the real filesystem with injectable faults. */
export function faultyIo(base: StorageIo = nodeStorageIo): FaultyIo {
  const io: FaultyIo = {
    ...base,
    failNextLogWrite: undefined,
    failDatasync: undefined,
    datasyncGate: undefined,
    datasyncs: 0,
    failOpen: undefined,
    failRename: undefined,
    holdRename: undefined,
    rename: async (from: string, to: string) => {
      await io.holdRename?.(from);
      const code = io.failRename?.(from);
      if (code !== undefined) throw errno(code, 'rename');
      await base.rename(from, to);
    },
    open: async (path: string, flags: string): Promise<StorageFile> => {
      const code = io.failOpen?.(path);
      if (code !== undefined) throw errno(code, 'open');
      const file = await base.open(path, flags);
      if (!path.endsWith('.log')) return file;
      return {
        read: (...args) => file.read(...args),
        sync: () => file.sync(),
        truncate: (length) => file.truncate(length),
        stat: () => file.stat(),
        close: () => file.close(),
        writev: async (buffers, position) => {
          const fault = io.failNextLogWrite;
          if (fault === undefined) return file.writev(buffers, position);
          io.failNextLogWrite = undefined;
          const all = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
          if (fault.partialBytes > 0) {
            // The kernel reports a short write first; the retry of the rest then fails.
            const { bytesWritten } = await file.writev([all.subarray(0, fault.partialBytes)], position);
            io.failNextLogWrite = { code: fault.code, partialBytes: 0 };
            return { bytesWritten };
          }
          throw errno(fault.code, 'writev');
        },
        datasync: async () => {
          io.datasyncs++;
          if (io.datasyncGate !== undefined) await io.datasyncGate;
          if (io.failDatasync !== undefined) throw errno(io.failDatasync, 'fdatasync');
          await file.datasync();
        },
      };
    },
  };
  return io;
}
