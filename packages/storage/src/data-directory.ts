/**
 * A broker's data directory: `meta.json` (cluster id, broker id, broker UUID), the clean-shutdown
 * marker, and one directory per hosted partition, `<topic>-<partition>-<topicId8>`.
 *
 * The identity check refuses a volume that belongs to another cluster or broker id, so a
 * misattached PersistentVolume never serves (or truncates) another broker's replicas. The marker
 * is removed at open and written by a clean close, so `wasCleanShutdown` tells whether the
 * previous process ended cleanly.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RunnelError } from '@runnel/protocol';
import { PartitionLog } from './partition-log.ts';
import { stderrLogger, type StorageLogger } from './storage-events.ts';
import { ConcurrencyLimit, isNotFound, nodeStorageIo, readSmallFile, writeFileAtomic, type StorageIo } from './storage-io.ts';
import type { LogConfig } from './log-config.ts';

/** The meta.json file name. */
export const META_FILE = 'meta.json';
/** The clean-shutdown marker file name. */
export const CLEAN_SHUTDOWN_MARKER = '.clean-shutdown';
/** The lock file: `{ pid, hostname }` of the process using the directory. */
export const LOCK_FILE = '.lock';

/**
 * Logs closed at once by {@link DataDirectory.close}. Each close flushes and writes index and
 * checkpoint files; 10,000 at once ran out of file descriptors (EMFILE) and failed some closes.
 */
export const CLOSE_CONCURRENCY = 64;

/**
 * One fsync for many callers: a caller waits for an fsync that starts after its call, and every
 * caller that arrives while one runs shares the next. New partition directories are made durable
 * in the data directory this way, one fsync for all those created meanwhile.
 */
class CoalescedSync {
  readonly #sync: () => Promise<void>;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(sync: () => Promise<void>) {
    this.#sync = sync;
  }

  request(): Promise<void> {
    if (this.#running === undefined) return this.#start();
    this.#next ??= this.#running.then(() => this.#start(), () => this.#start());
    return this.#next;
  }

  #start(): Promise<void> {
    this.#next = undefined;
    const run = this.#sync();
    this.#running = run;
    const clear = (): void => {
      if (this.#running === run) this.#running = undefined;
    };
    run.then(clear, clear);
    return run;
  }
}

/** Data directories open in this process (resolved paths). */
const openInProcess = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory for this process. Refused when this process already has it open, or when
 * another live process on this host holds the lock; a lock left by a dead process (or by an
 * earlier container whose pid this one reuses) is taken over.
 */
async function lockDirectory(io: StorageIo, path: string): Promise<void> {
  if (openInProcess.has(path)) {
    throw new RunnelError('STORAGE_ERROR', `Cannot open data directory ${path}: it is already open in this process`);
  }
  const bytes = await readSmallFile(io, `${path}/${LOCK_FILE}`);
  if (bytes !== undefined) {
    let holder: { pid?: unknown; hostname?: unknown } = {};
    try {
      holder = JSON.parse(bytes.toString('utf8')) as typeof holder;
    } catch {
      // An unreadable lock (torn by a crash) protects nothing: take it over.
    }
    if (typeof holder.pid === 'number' && holder.pid !== process.pid && holder.hostname === hostname() && isAlive(holder.pid)) {
      throw new RunnelError('STORAGE_ERROR', `Cannot open data directory ${path}: process ${holder.pid} on this host is using it (${path}/${LOCK_FILE})`);
    }
  }
  await writeFileAtomic(io, path, LOCK_FILE, `${JSON.stringify({ pid: process.pid, hostname: hostname() })}\n`);
  openInProcess.add(path);
}

interface Meta {
  version: 1;
  clusterId: string;
  brokerId: number;
  brokerUuid: string;
}

/** Options of {@link DataDirectory.open}. */
export interface DataDirectoryOptions {
  path: string;
  clusterId: string;
  brokerId: number;
  /** @default nodeStorageIo */
  io?: StorageIo;
  /** @default JSON lines on stderr for warnings */
  logger?: StorageLogger;
}

const PARTITION_DIR = /^(.+)-(\d+)-([0-9a-f]{8})$/;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function parseMeta(bytes: Buffer, path: string): Meta {
  const bad = (why: string): RunnelError => new RunnelError('STORAGE_ERROR', `Cannot read ${path}: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw bad(`not JSON (${String(err)})`);
  }
  const m = value as Partial<Meta> | null;
  if (m?.version !== 1 || typeof m.clusterId !== 'string' || !Number.isSafeInteger(m.brokerId) || typeof m.brokerUuid !== 'string') {
    throw bad('expected { version: 1, clusterId, brokerId, brokerUuid }');
  }
  return m as Meta;
}

/** A broker's data directory. */
export class DataDirectory {
  readonly path: string;
  readonly clusterId: string;
  readonly brokerId: number;
  /** Assigned when the directory was first used; tells a volume's identity apart from its broker id. */
  readonly brokerUuid: string;
  /** Whether the previous process closed this directory cleanly (marker present at open). */
  readonly wasCleanShutdown: boolean;
  readonly #io: StorageIo;
  readonly #logger: StorageLogger;
  readonly #open = new Map<string, Promise<PartitionLog>>();
  readonly #syncSelf: CoalescedSync;
  /**
   * Names of the entries of the directory: listed at open, then kept up to date by this object,
   * the only creator and remover of partition directories while it holds the lock. A partition
   * directory not in it does not exist, so its log is created without reading anything.
   */
  readonly #entries: Set<string>;
  #closed = false;

  private constructor(options: DataDirectoryOptions, meta: Meta, clean: boolean, io: StorageIo, logger: StorageLogger, entries: Set<string>) {
    this.path = options.path;
    this.clusterId = meta.clusterId;
    this.brokerId = meta.brokerId;
    this.brokerUuid = meta.brokerUuid;
    this.wasCleanShutdown = clean;
    this.#io = io;
    this.#logger = logger;
    this.#syncSelf = new CoalescedSync(() => io.syncDir(this.path));
    this.#entries = entries;
  }

  /**
   * Opens (or initializes) the directory.
   * @throws RunnelError INVALID_CONFIG when meta.json names another cluster or broker id
   */
  static async open(options: DataDirectoryOptions): Promise<DataDirectory> {
    const io = options.io ?? nodeStorageIo;
    const logger = options.logger ?? stderrLogger;
    if (!Number.isSafeInteger(options.brokerId) || options.brokerId < 0) {
      throw new RunnelError('INVALID_CONFIG', `Cannot open data directory ${options.path}: broker id ${options.brokerId} is not a non-negative integer`);
    }
    await io.mkdir(options.path);
    await lockDirectory(io, resolve(options.path));
    try {
      return await DataDirectory.#openLocked(options, io, logger);
    } catch (err) {
      await io.unlink(`${options.path}/${LOCK_FILE}`).catch(() => undefined);
      openInProcess.delete(resolve(options.path));
      throw err;
    }
  }

  static async #openLocked(options: DataDirectoryOptions, io: StorageIo, logger: StorageLogger): Promise<DataDirectory> {
    const metaPath = `${options.path}/${META_FILE}`;
    const bytes = await readSmallFile(io, metaPath);
    let meta: Meta;
    if (bytes === undefined) {
      meta = { version: 1, clusterId: options.clusterId, brokerId: options.brokerId, brokerUuid: randomUUID() };
      await writeFileAtomic(io, options.path, META_FILE, `${JSON.stringify(meta, null, 2)}\n`);
    } else {
      meta = parseMeta(bytes, metaPath);
      if (meta.clusterId !== options.clusterId || meta.brokerId !== options.brokerId) {
        throw new RunnelError('INVALID_CONFIG',
          `Refusing data directory ${options.path}: it belongs to cluster ${meta.clusterId} broker ${meta.brokerId} (uuid ${meta.brokerUuid}), ` +
          `but this is cluster ${options.clusterId} broker ${options.brokerId}. Attach the right volume, or empty this one to reuse it.`);
      }
    }
    const markerPath = `${options.path}/${CLEAN_SHUTDOWN_MARKER}`;
    const clean = (await io.sizeOf(markerPath)) !== undefined;
    if (clean) {
      await io.unlink(markerPath);
      await io.syncDir(options.path);
    }
    // Finish deletions that a crash interrupted.
    const entries = new Set<string>();
    for (const entry of await io.readdir(options.path)) {
      if (entry.endsWith('-delete')) await io.rmdir(`${options.path}/${entry}`);
      else entries.add(entry);
    }
    return new DataDirectory(options, meta, clean, io, logger, entries);
  }

  /** The directory of a partition: `<topic>-<partition>-<first 8 hex digits of topicId>`. */
  partitionDir(topic: string, partition: number, topicId: string): string {
    if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
      throw new RunnelError('INVALID_TOPIC_NAME', `Cannot place topic ${JSON.stringify(topic)} in a data directory: names are 1-249 of [a-zA-Z0-9._-], not "." or ".."`);
    }
    if (!Number.isSafeInteger(partition) || partition < 0) {
      throw new RunnelError('INVALID_PARTITIONS', `Cannot place partition ${partition} of ${topic}: not a non-negative integer`);
    }
    const prefix = topicId.replaceAll('-', '').slice(0, 8).toLowerCase();
    if (!/^[0-9a-f]{8}$/.test(prefix)) {
      throw new RunnelError('INVALID_REQUEST', `Cannot place ${topic}-${partition}: topic id ${JSON.stringify(topicId)} is not a UUID`);
    }
    return `${this.path}/${topic}-${partition}-${prefix}`;
  }

  /** The partition directories present on disk. */
  async listPartitions(): Promise<Array<{ topic: string; partition: number; topicIdPrefix: string; dir: string }>> {
    const found: Array<{ topic: string; partition: number; topicIdPrefix: string; dir: string }> = [];
    for (const entry of (await this.#io.readdir(this.path)).sort()) {
      const m = PARTITION_DIR.exec(entry);
      if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined) continue;
      found.push({ topic: m[1], partition: Number(m[2]), topicIdPrefix: m[3], dir: `${this.path}/${entry}` });
    }
    return found;
  }

  /** Opens (and recovers) a partition's log; the same log is returned while it stays open. */
  openPartition(topic: string, partition: number, topicId: string, config: LogConfig): Promise<PartitionLog> {
    if (this.#closed) return Promise.reject(new RunnelError('STORAGE_ERROR', `Cannot open ${topic}-${partition}: data directory ${this.path} is closed`));
    let dir: string;
    try {
      dir = this.partitionDir(topic, partition, topicId);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    let log = this.#open.get(dir);
    if (log === undefined) {
      const entry = dir.slice(this.path.length + 1);
      const fresh = !this.#entries.has(entry);
      this.#entries.add(entry);
      log = PartitionLog.open({ dir, config, name: `${topic}-${partition}`, io: this.#io, logger: this.#logger, syncParentDir: () => this.#syncSelf.request(), fresh });
      this.#open.set(dir, log);
      log.catch(() => this.#open.delete(dir));
    }
    return log;
  }

  /** Closes the partition's log if open and deletes its directory (rename first, so a crash finishes the job at open). */
  async deletePartition(topic: string, partition: number, topicId: string): Promise<void> {
    const dir = this.partitionDir(topic, partition, topicId);
    const log = this.#open.get(dir);
    this.#open.delete(dir);
    if (log !== undefined) await (await log.catch(() => undefined))?.close().catch(() => undefined);
    const doomed = `${dir}.${randomUUID().slice(0, 8)}-delete`;
    try {
      await this.#io.rename(dir, doomed);
    } catch (err) {
      if (isNotFound(err)) {
        this.#entries.delete(dir.slice(this.path.length + 1));
        return;
      }
      throw err;
    }
    this.#entries.delete(dir.slice(this.path.length + 1));
    await this.#io.syncDir(this.path);
    await this.#io.rmdir(doomed);
  }

  /**
   * Closes every open log. With `clean`, and only if all of them closed without error, writes the
   * clean-shutdown marker.
   */
  async close(options: { clean: boolean }): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const logs = [...this.#open.values()];
    this.#open.clear();
    const limit = new ConcurrencyLimit(CLOSE_CONCURRENCY);
    const results = await Promise.allSettled(logs.map((p) => limit.run(async () => (await p).close())));
    const failures = results.filter((r) => r.status === 'rejected');
    if (failures.length > 0) {
      this.#logger.error({ dir: this.path, failures: failures.length }, `Closing ${failures.length} partition log(s) of ${this.path} failed; not marking a clean shutdown`);
    }
    try {
      if (options.clean && failures.length === 0) {
        await writeFileAtomic(this.#io, this.path, CLEAN_SHUTDOWN_MARKER, `${new Date().toISOString()}\n`);
      }
      await this.#io.unlink(`${this.path}/${LOCK_FILE}`).catch(() => undefined);
    } finally {
      openInProcess.delete(resolve(this.path));
    }
  }
}
