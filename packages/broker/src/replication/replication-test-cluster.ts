/**
 * Test support (not exported from the package): N replication nodes in one process over an
 * in-process network, a memory store and real logs in a temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { encodeRecordBatch, decodeRecords, type ConsumedRecord } from '@runnel/protocol';
import { MemoryMetadataStore, provisionPartitions, type MetadataStore } from '@runnel/metadata';
import { DataDirectory, type PartitionLog, type StorageIo } from '@runnel/storage';
import { systemClock, type Clock } from './clock.ts';
import { InProcessReplicaNetwork } from './in-process-replica-transport.ts';
import { createReplicationNode } from './replication-node.ts';
import type { ReplicationNode, ReplicationObserver } from './replication-node-api.ts';
import { FAST_REPLICATION_TIMING, type ReplicationTiming } from './replication-timing.ts';

const quietStorage = { warn: () => undefined, info: () => undefined, error: () => undefined };

/** A cluster of replication nodes for tests. */
export class ReplicationTestCluster {
  readonly store: MetadataStore;
  readonly network = new InProcessReplicaNetwork();
  readonly nodes = new Map<number, ReplicationNode>();
  readonly dirs = new Map<number, DataDirectory>();
  readonly root: string;
  readonly timing: ReplicationTiming;
  readonly events: Array<{ kind: string; [k: string]: unknown }> = [];
  readonly #clock: Clock;
  readonly #exclusiveStore: boolean;
  readonly #io: ((brokerId: number) => StorageIo | undefined) | undefined;
  readonly #failoverConcurrency: number | undefined;

  private constructor(store: MetadataStore, root: string, timing: ReplicationTiming, options: { clock?: Clock; exclusiveStore?: boolean; io?: (brokerId: number) => StorageIo | undefined; failoverConcurrency?: number }) {
    this.store = store;
    this.root = root;
    this.timing = timing;
    this.#clock = options.clock ?? systemClock;
    this.#exclusiveStore = options.exclusiveStore ?? false;
    this.#io = options.io;
    this.#failoverConcurrency = options.failoverConcurrency;
  }

  /**
   * `exclusiveStore`: the nodes treat the store as living in their process (as the memory store of
   * `runnel local`). `io`: the file-I/O seam of a broker's data directory (fault injection).
   */
  static async create(options: { store?: MetadataStore; timing?: ReplicationTiming; clock?: Clock; exclusiveStore?: boolean; io?: (brokerId: number) => StorageIo | undefined; failoverConcurrency?: number } = {}): Promise<ReplicationTestCluster> {
    const store = options.store ?? (await MemoryMetadataStore.open());
    const root = await mkdtemp(join(tmpdir(), 'runnel-repl-'));
    return new ReplicationTestCluster(store, root, options.timing ?? FAST_REPLICATION_TIMING, options);
  }

  /** Creates a topic placed on `brokers` and its leaderless partition records. */
  async createTopic(options: { brokers: number[]; partitions?: number; replicationFactor?: number; minIsr?: number; configs?: Record<string, string>; name?: string }): Promise<string> {
    const name = options.name ?? `t-${randomUUID().slice(0, 8)}`;
    await this.store.topics.create(name, {
      name,
      topicId: randomUUID(),
      partitions: options.partitions ?? 1,
      replicationFactor: options.replicationFactor ?? options.brokers.length,
      configs: { 'min.insync.replicas': String(options.minIsr ?? 2), ...options.configs },
      assignments: [],
    });
    await provisionPartitions(this.store, name, { brokers: options.brokers, placement: { startIndex: 0, replicaShift: 0 } });
    return name;
  }

  /** Starts (or restarts) broker `id` on its data directory. */
  async start(id: number): Promise<ReplicationNode> {
    const io = this.#io?.(id);
    const dataDirectory = await DataDirectory.open({ path: join(this.root, `broker-${id}`), clusterId: 'test', brokerId: id, logger: quietStorage, ...(io === undefined ? {} : { io }) });
    this.dirs.set(id, dataDirectory);
    const observer: ReplicationObserver = {
      failover: (o) => this.events.push({ kind: 'failover', broker: id, ...o }),
      isrChange: (o) => this.events.push({ broker: id, ...o, kind: `isr-${o.kind}` }),
      fenced: (err) => this.events.push({ kind: 'fenced', broker: id, message: err.message }),
    };
    const node = createReplicationNode({
      brokerId: id,
      clock: this.#clock,
      store: this.store,
      exclusiveStore: this.#exclusiveStore,
      transport: this.network.transportFor(id),
      openLog: (p) => dataDirectory.openPartition(p.topic, p.partition, p.topicId, p.config),
      deleteLog: (p) => dataDirectory.deletePartition(p.topic, p.partition, p.topicId),
      cleanStart: dataDirectory.wasCleanShutdown,
      registration: { host: '127.0.0.1', port: 0, rack: '', brokerUuid: dataDirectory.brokerUuid },
      timing: this.timing,
      observer,
      ...(this.#failoverConcurrency === undefined ? {} : { failoverConcurrency: this.#failoverConcurrency }),
    });
    this.network.register(id, node);
    this.nodes.set(id, node);
    await node.start();
    return node;
  }

  /** kill -9 of a broker's logic: loops stop, nothing is written; its logs are closed unflushed. */
  async crash(id: number): Promise<void> {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    node.crash();
    this.network.unregister(id, node);
    this.nodes.delete(id);
    await this.dirs.get(id)?.close({ clean: false });
  }

  /** Clean shutdown of a broker (rule 12). */
  async stop(id: number): Promise<void> {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    await node.close();
    this.network.unregister(id, node);
    this.nodes.delete(id);
    await this.dirs.get(id)?.close({ clean: true });
  }

  /** The current leader's node of a partition, polled until one leads (bounded by `timeoutMs`). */
  async leader(topic: string, partition = 0, timeoutMs = 10_000): Promise<ReplicationNode> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const node of this.nodes.values()) if (node.status(topic, partition)?.role === 'leader') return node;
      if (Date.now() > deadline) throw new Error(`No leader for ${topic}-${partition} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A running broker's log of `topic`-`partition`. */
  logOf(id: number, topic: string, partition = 0): PartitionLog {
    const log = this.nodes.get(id)?.log(topic, partition);
    if (log === undefined) throw new Error(`broker ${id} hosts no log of ${topic}-${partition}`);
    return log;
  }

  /** Waits until every running replica has the leader's log start, log end and HW (all committed); returns the leader's log. */
  async converged(topic: string, partition = 0): Promise<PartitionLog> {
    const leader = this.logOf((await this.leader(topic, partition)).brokerId, topic, partition);
    await this.until('replicas to agree on log start, log end and HW', () => [...this.nodes.keys()].every((id) => {
      const f = this.logOf(id, topic, partition);
      return f.logStartOffset === leader.logStartOffset && f.logEndOffset === leader.logEndOffset && f.highWatermark === leader.logEndOffset && leader.highWatermark === leader.logEndOffset;
    }));
    return leader;
  }

  /** Polls `predicate` every 20 ms until true or `timeoutMs`. */
  async until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const id of [...this.nodes.keys()]) await this.crash(id);
    await this.store.close();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** One batch of string values. */
export function batchOf(values: string[], idempotent?: { producerId: number; producerEpoch: number; baseSequence: number }): Buffer {
  return encodeRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), idempotent ?? {});
}

/** Values of the records in `records` at offsets >= `from`. */
export function valuesOf(records: Buffer, from = 0): string[] {
  return decodeRecords(records, from).map((r) => r.value?.toString() ?? '');
}

/** Every record a log holds from its log start to its HW, read through its read path. */
export async function committedRecords(log: PartitionLog): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  let offset = log.logStartOffset;
  const hw = log.highWatermark;
  while (offset < hw) {
    const { records } = await log.read(offset, { maxBytes: 1 << 20, maxOffset: hw });
    const decoded = decodeRecords(records, offset).filter((r) => r.offset < hw);
    if (decoded.length === 0) break;
    out.push(...decoded);
    offset = decoded.at(-1)!.offset + 1;
  }
  return out;
}
