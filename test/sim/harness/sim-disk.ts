/**
 * An in-memory disk for the StorageIo seam of @runnel/storage, with the two ways a broker dies:
 *
 * - **Power loss** (`crash('power-loss')`, the host or node goes down): file contents survive only
 *   up to their last fdatasync/fsync, and creates, renames and unlinks of files only once their
 *   directory was fsynced. Unsynced appended bytes survive as a random prefix (often cutting a
 *   batch in two), as the page cache may have written back some of them.
 * - **Process kill** (`crash('process-kill')`: SIGKILL, the OOM killer, a pod deleted after its
 *   grace period; far more common in Kubernetes): the page cache survives the process, so every
 *   write and every rename, create or unlink the kernel completed survives, synced or not. Only
 *   the dead incarnation's calls in flight never complete (its pending fsyncs never settle, and
 *   nothing it calls afterwards happens). A later power loss still goes back to the last sync.
 *
 * The difference matters to code that orders two writes: under a kill, a record written to a
 * segment survives even though the checkpoint written "before" it was still waiting for its
 * fsync and rename (the leader-epoch bug fixed in f30f7d1 needed exactly that); under power loss
 * the unsynced record would most likely have been lost with it.
 *
 * Directories themselves are durable at once (a simplification: the engine creates them only at
 * partition creation).
 *
 * Each process incarnation uses the disk through its own view ({@link SimDisk.ioFor}). Once the
 * incarnation is dead its calls never settle (a killed process does nothing more), and fsyncs
 * complete as events of that incarnation, after a seeded delay, so crashes land between a write
 * and its fsync.
 */
import type { StorageFile, StorageIo } from '@runnel/storage';
import type { SimProcess, SimScheduler } from './sim-scheduler.ts';

class Inode {
  data: Buffer = Buffer.alloc(0);
  size = 0;
  /** Content as of the last sync: `synced[0, syncedLength)` (capacity grows by doubling). */
  synced: Buffer = Buffer.alloc(0);
  syncedLength = 0;
  /** Lowest byte position changed since the last sync (Infinity when clean). */
  dirtyFrom = Infinity;

  write(buffers: readonly NodeJS.ArrayBufferView[], position: number, append: boolean): number {
    let pos = append ? this.size : position;
    let total = 0;
    for (const view of buffers) {
      const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
      this.data = reserve(this.data, this.size, pos + bytes.length);
      bytes.copy(this.data, pos);
      this.dirtyFrom = Math.min(this.dirtyFrom, pos);
      pos += bytes.length;
      total += bytes.length;
      this.size = Math.max(this.size, pos);
    }
    return total;
  }

  truncate(length: number): void {
    if (length > this.size) this.data = reserve(this.data, this.size, length);
    if (length < this.size) this.data.fill(0, length, this.size);
    this.dirtyFrom = Math.min(this.dirtyFrom, length);
    this.size = length;
  }

  /** Makes the current content durable; an append-only change copies only the new bytes. */
  sync(): void {
    if (this.dirtyFrom === Infinity) return;
    const from = Math.min(this.dirtyFrom, this.syncedLength, this.size);
    this.synced = reserve(this.synced, from, this.size);
    this.data.copy(this.synced, from, from, this.size);
    this.syncedLength = this.size;
    this.dirtyFrom = Infinity;
  }

  /** Power loss: back to the synced content, plus a prefix of bytes appended after it. */
  crash(keepAppended: (unsynced: number) => number): void {
    let kept = 0;
    if (this.dirtyFrom >= this.syncedLength && this.size > this.syncedLength) kept = keepAppended(this.size - this.syncedLength);
    const length = this.syncedLength + kept;
    const content = Buffer.alloc(Math.max(length, 16));
    this.synced.copy(content, 0, 0, this.syncedLength);
    this.data.copy(content, this.syncedLength, this.syncedLength, length);
    this.data = content;
    this.size = length;
    this.synced = Buffer.from(content);
    this.syncedLength = length;
    this.dirtyFrom = Infinity;
  }
}

/** `buffer` with room for `length` bytes, keeping its first `used` bytes. */
function reserve(buffer: Buffer, used: number, length: number): Buffer {
  if (length <= buffer.length) return buffer;
  const grown = Buffer.alloc(Math.max(length, buffer.length * 2, 4096));
  buffer.copy(grown, 0, 0, used);
  return grown;
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}' (simulated disk)`), { code, syscall, path });
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** How a broker died (see the file comment). */
export type CrashKind = 'power-loss' | 'process-kill';

/** Figures of one disk. */
export interface SimDiskStats {
  /** Power losses. */
  crashes: number;
  /** Process kills (nothing on the disk changed). */
  kills: number;
  /** Unsynced bytes dropped by power losses. */
  bytesLost: number;
  /** File creates/renames/unlinks undone by power losses (directory not fsynced). */
  entriesReverted: number;
  fsyncs: number;
}

/** One broker's simulated disk. */
export class SimDisk {
  readonly #scheduler: SimScheduler;
  readonly #files = new Map<string, Inode>();
  /** Directory entries as of the last syncDir of their parent. */
  readonly #durable = new Map<string, Inode>();
  readonly #dirs = new Set<string>(['/']);
  readonly stats: SimDiskStats = { crashes: 0, kills: 0, bytesLost: 0, entriesReverted: 0, fsyncs: 0 };
  /** Upper bound of the virtual delay of an fsync. @default 2 */
  fsyncDelayMaxMs = 2;
  /** An armed crash: the call that brings `remaining` to 0 does not happen, `fire` runs instead. */
  #tripwire: { remaining: number; fire: () => void } | undefined;

  constructor(scheduler: SimScheduler) {
    this.#scheduler = scheduler;
  }

  /**
   * What the disk keeps when its broker dies, after the scheduler killed the incarnation (which
   * drops its pending fsyncs). `power-loss`: every file back to its last sync (plus a random prefix
   * of appended bytes), every unsynced directory change undone. `process-kill`: everything stays
   * as it is (the page cache outlives the process), synced or not.
   */
  crash(kind: CrashKind = 'power-loss'): void {
    if (kind === 'process-kill') {
      this.stats.kills++;
      return;
    }
    this.stats.crashes++;
    const random = this.#scheduler.random;
    for (const [path, inode] of this.#files) if (this.#durable.get(path) !== inode) this.stats.entriesReverted++;
    for (const path of this.#durable.keys()) if (!this.#files.has(path)) this.stats.entriesReverted++;
    this.#files.clear();
    for (const [path, inode] of this.#durable) this.#files.set(path, inode);
    for (const inode of new Set(this.#durable.values())) {
      const before = inode.size;
      inode.crash((unsynced) => (random.chance(0.5) ? 0 : random.int(0, unsynced)));
      this.stats.bytesLost += Math.max(0, before - inode.size);
    }
  }

  /**
   * Arms a crash at a disk call rather than at a moment: the `calls`-th next call of a live
   * incarnation (any StorageIo or StorageFile method, fsync included) does not happen, and `fire`
   * runs in its place; it must kill the incarnation (e.g. SimCluster.crash), whose call then never
   * settles. Crashes so land between the steps of multi-step writes (tmp write, fsync, rename,
   * directory fsync; a record and its leader-epoch entry), which a crash at a random moment
   * rarely hits: only fsyncs take virtual time here. A later arm replaces an earlier one.
   */
  crashAtCall(calls: number, fire: () => void): void {
    if (!Number.isSafeInteger(calls) || calls < 1) throw new RangeError(`crashAtCall needs a positive call count, not ${calls}`);
    this.#tripwire = { remaining: calls, fire };
  }

  /** Whether a crash is armed by {@link crashAtCall} (observers then keep off the disk: their calls would count). */
  get armed(): boolean {
    return this.#tripwire !== undefined;
  }

  /** Disarms {@link crashAtCall} (only the crash armed with `fire`, when given); true if it was still armed. */
  disarm(fire?: () => void): boolean {
    if (this.#tripwire === undefined || (fire !== undefined && this.#tripwire.fire !== fire)) return false;
    this.#tripwire = undefined;
    return true;
  }

  /** True when the armed crash fires at this call (which must then not happen). */
  #tripped(): boolean {
    const wire = this.#tripwire;
    if (wire === undefined || --wire.remaining > 0) return false;
    this.#tripwire = undefined;
    wire.fire();
    return true;
  }

  /** Loses everything (a restart with an empty data directory). */
  wipe(): void {
    this.#files.clear();
    this.#durable.clear();
    this.#dirs.clear();
    this.#dirs.add('/');
  }

  /** Paths of the files that exist now, sorted (for tests). */
  listFiles(): string[] {
    return [...this.#files.keys()].sort();
  }

  /** The StorageIo of one process incarnation. */
  ioFor(process: SimProcess): StorageIo {
    const never = new Promise<never>(() => undefined);
    const live = <T>(fn: () => T): Promise<T> => {
      if (!process.alive || this.#tripped()) return never;
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err as Error);
      }
    };
    const sync = (inode: Inode): Promise<void> => {
      if (!process.alive || this.#tripped()) return never;
      return new Promise<void>((resolve) => {
        this.#scheduler.schedule(this.#scheduler.random.int(0, this.fsyncDelayMaxMs), process, `${process.toString()} fsync`, () => {
          inode.sync();
          this.stats.fsyncs++;
          resolve();
        });
      });
    };
    return {
      open: (path, flags) => live(() => this.#handle(this.#open(path, flags), flags.startsWith('a'), live, sync)),
      rename: (from, to) => live(() => this.#rename(from, to)),
      unlink: (path) => live(() => {
        if (!this.#files.delete(path)) throw errno('ENOENT', 'unlink', path);
      }),
      mkdir: (path) => live(() => {
        for (let p = path; p !== '/' && p !== '' && !this.#dirs.has(p); p = parentOf(p)) this.#dirs.add(p);
      }),
      readdir: (path) => live(() => this.#readdir(path)),
      rmdir: (path) => live(() => this.#removeTree(path)),
      sizeOf: (path) => live(() => this.#files.get(path)?.size),
      syncDir: (path) => live(() => this.#syncDir(path)),
    };
  }

  #open(path: string, flags: string): Inode {
    if (!this.#dirs.has(parentOf(path))) throw errno('ENOENT', 'open', path);
    let inode = this.#files.get(path);
    if (inode !== undefined && flags.includes('x')) throw errno('EEXIST', 'open', path);
    if (inode === undefined) {
      if (flags.startsWith('r')) throw errno('ENOENT', 'open', path);
      inode = new Inode();
      this.#files.set(path, inode);
    } else if (flags.startsWith('w')) inode.truncate(0);
    return inode;
  }

  #handle(inode: Inode, append: boolean, live: <T>(fn: () => T) => Promise<T>, sync: (inode: Inode) => Promise<void>): StorageFile {
    return {
      writev: (buffers, position) => live(() => ({ bytesWritten: inode.write(buffers, position, append) })),
      read: (buffer, offset, length, position) => live(() => {
        const n = Math.max(0, Math.min(length, inode.size - position));
        if (n > 0) inode.data.copy(buffer, offset, position, position + n);
        return { bytesRead: n };
      }),
      datasync: () => sync(inode),
      sync: () => sync(inode),
      truncate: (length) => live(() => inode.truncate(length)),
      stat: () => live(() => ({ size: inode.size })),
      close: () => live(() => undefined),
    };
  }

  #rename(from: string, to: string): void {
    const inode = this.#files.get(from);
    if (inode !== undefined) {
      if (!this.#dirs.has(parentOf(to))) throw errno('ENOENT', 'rename', to);
      this.#files.delete(from);
      this.#files.set(to, inode);
      return;
    }
    if (!this.#dirs.has(from)) throw errno('ENOENT', 'rename', from);
    // A directory rename moves the whole tree (durable at once, as directories are here).
    const prefix = `${from}/`;
    for (const map of [this.#files, this.#durable]) {
      for (const [path, node] of [...map]) {
        if (!path.startsWith(prefix)) continue;
        map.delete(path);
        map.set(`${to}/${path.slice(prefix.length)}`, node);
      }
    }
    for (const dir of [...this.#dirs]) {
      if (dir === from || dir.startsWith(prefix)) {
        this.#dirs.delete(dir);
        this.#dirs.add(to + dir.slice(from.length));
      }
    }
  }

  #readdir(path: string): string[] {
    if (!this.#dirs.has(path)) throw errno('ENOENT', 'scandir', path);
    const names = new Set<string>();
    for (const p of [...this.#files.keys(), ...this.#dirs]) if (p !== path && parentOf(p) === path) names.add(p.slice(path.length + 1));
    return [...names].sort();
  }

  #removeTree(path: string): void {
    const prefix = `${path}/`;
    for (const map of [this.#files, this.#durable]) for (const p of [...map.keys()]) if (p.startsWith(prefix)) map.delete(p);
    for (const dir of [...this.#dirs]) if (dir === path || dir.startsWith(prefix)) this.#dirs.delete(dir);
  }

  #syncDir(path: string): void {
    if (!this.#dirs.has(path)) throw errno('ENOENT', 'fsync', path);
    for (const p of new Set([...this.#files.keys(), ...this.#durable.keys()])) {
      if (parentOf(p) !== path) continue;
      const inode = this.#files.get(p);
      if (inode === undefined) this.#durable.delete(p);
      else this.#durable.set(p, inode);
    }
  }
}
