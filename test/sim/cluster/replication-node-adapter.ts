/**
 * The system under test in the simulation: the real replication node of @runnel/broker
 * (`createReplicationNode`), driven through its one produce entry and one fetch entry (the
 * partition directory's, the same the broker's gRPC handlers call), built from simulated parts — the incarnation's virtual clock, its
 * view of the API server, its disk (PartitionLog on the in-memory StorageIo) and a
 * ReplicaTransport over the simulated network — and observed through its ReplicationObserver.
 */
import { createReplicationNode, deleteRecords, type ReplicaService, type ReplicaTransport, type ReplicationNode } from '@runnel/broker';
import { decodeRecords } from '@runnel/protocol';
import { PartitionLog } from '@runnel/storage';
import type { ReplicaRecord } from '../invariants/white-box-invariants.ts';
import type { SimFetchRequest, SimNode, SimNodeFactory, SimNodeParts, SimProduceRequest, SimReplicaStatus } from './sim-node.ts';

/** Log fields with errors spelled out (JSON.stringify drops an Error's message). */
function readable(obj: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? `${(v as Error & { code?: string }).code ?? v.name}: ${v.message}` : v]));
}

/** The handler a broker registers on the simulated network: client calls and replica calls. */
type Endpoint = SimNode & ReplicaService;

const quietStorage = { warn: () => undefined, error: () => undefined, info: () => undefined };

/** A seeded UUID-shaped id (the node takes its ids from here, so runs replay exactly). */
function seededId(parts: SimNodeParts): () => string {
  const random = parts.random;
  return () => {
    const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  };
}

/** The replica transport of one incarnation: calls over the simulated network. */
function simTransport(parts: SimNodeParts): ReplicaTransport {
  const { network, process, endpointOf, timing } = parts;
  const never = new AbortController().signal;
  return {
    fetch: (leaderId, request, signal) => network.call<Endpoint, Awaited<ReturnType<ReplicaService['handleReplicaFetch']>>>(
      process, endpointOf(leaderId), 'replica fetch', (h) => h.handleReplicaFetch(request, never), { timeoutMs: request.maxWaitMs + timing.requestTimeoutMs, signal }),
    offsetForLeaderEpoch: (brokerId, request, signal) => network.call<Endpoint, Awaited<ReturnType<ReplicaService['handleOffsetForLeaderEpoch']>>>(
      process, endpointOf(brokerId), 'offset for leader epoch', (h) => h.handleOffsetForLeaderEpoch(request), { timeoutMs: timing.requestTimeoutMs, signal }),
    handover: (leaderId, request, signal) => network.call<Endpoint, Awaited<ReturnType<ReplicaService['handleHandover']>>>(
      process, endpointOf(leaderId), 'handover', (h) => h.handleHandover(request, never), { timeoutMs: request.timeoutMs + timing.requestTimeoutMs, signal }),
  };
}

class ReplicationSimNode implements Endpoint {
  readonly node: ReplicationNode;
  readonly #parts: SimNodeParts;

  constructor(parts: SimNodeParts) {
    this.#parts = parts;
    this.node = createReplicationNode({
      brokerId: parts.brokerId,
      clock: parts.clock,
      store: parts.store,
      transport: simTransport(parts),
      openLog: ({ topic, partition, config }) => PartitionLog.open({
        dir: `${parts.dataDir}/${topic}-${partition}`,
        // No real timer may fire during a run: the HW checkpoint and background flush are pushed out of reach.
        config: { ...config, flushIntervalMs: 2 ** 30 },
        name: `${topic}-${partition}`,
        io: parts.io,
        logger: quietStorage,
        highWatermarkCheckpointMs: 2 ** 30,
      }),
      cleanStart: parts.cleanStart,
      registration: { host: parts.endpointOf(parts.brokerId), port: 0, rack: '', brokerUuid: parts.dataDirUuid },
      timing: { ...parts.timing, replicaFetchWaitMs: Math.max(1, Math.round(parts.timing.renewPeriodMs / 2)) },
      logger: {
        info: (obj, msg) => parts.log(msg, readable(obj)),
        warn: (obj, msg) => parts.log(`WARN ${msg}`, readable(obj)),
        error: (obj, msg) => parts.log(`ERROR ${msg}`, readable(obj)),
      },
      observer: {
        highWatermark: (o) => parts.observeHighWatermark(o),
        failover: (o) => parts.log('failover', o),
        isrChange: (o) => parts.log('isr change', o),
        reassignment: (o) => parts.log('reassignment', o),
        replicaRemoved: (o) => parts.log('replica removed', o),
        fenced: (err) => parts.log('fenced', { err: err.message }),
      },
      newId: seededId(parts),
    });
  }

  start(): Promise<void> {
    this.#parts.network.register(this.#parts.endpointOf(this.#parts.brokerId), this.#parts.process, this);
    return this.node.start().then(() => {
      void this.#maintain();
    });
  }

  /**
   * Retention as the broker's log maintenance runs it (leaders only; followers follow the log
   * start through ReplicaFetch), every 200 virtual ms on this incarnation's clock. A crash stops it
   * (its sleep never ends). Each log start a pass moves is reported for the history.
   */
  async #maintain(): Promise<void> {
    const { clock, brokerId } = this.#parts;
    for (;;) {
      await clock.sleep(200);
      for (const p of [...this.node.directory.maintained()]) {
        if (!p.decidesRetention || p.closed) continue;
        try {
          const before = p.log.logStartOffset;
          await p.log.enforceRetention(clock.wallNow());
          if (p.log.logStartOffset > before) this.#parts.observeRetention({ broker: brokerId, partition: p.name, logStartOffset: p.log.logStartOffset });
        } catch (err) {
          this.#parts.log('WARN retention failed', readable({ partition: p.name, err }));
        }
      }
    }
  }

  async produce(request: SimProduceRequest): Promise<{ baseOffset: number }> {
    const { baseOffset } = await this.node.produce(request);
    return { baseOffset };
  }

  async fetch(request: SimFetchRequest): Promise<{ records: Buffer; highWatermark: number }> {
    const { records, highWatermark, error } = await this.node.fetch(request);
    if (error !== undefined) throw error;
    return { records, highWatermark };
  }

  /** The broker's DeleteRecords path (the Admin handler's), on this node's partition directory. */
  deleteRecords(topic: string, partition: number, offset: number): Promise<{ lowWatermark: number }> {
    return deleteRecords(this.node.directory, topic, partition, offset);
  }

  initProducerId(): { producerId: number; producerEpoch: number } {
    return this.node.initProducerId();
  }

  status(topic: string, partition: number): SimReplicaStatus | undefined {
    const s = this.node.status(topic, partition);
    return s === undefined ? undefined : { role: s.role, leaderEpoch: s.leaderEpoch, highWatermark: s.highWatermark, logEndOffset: s.logEndOffset, logStartOffset: this.node.log(topic, partition)?.logStartOffset ?? 0, pendingReassignment: (s.state.targetReplicas ?? null) !== null };
  }

  async replicaLog(topic: string, partition: number, range?: { readonly from: number; readonly to: number }): Promise<ReplicaRecord[] | undefined> {
    const log = this.node.log(topic, partition);
    if (log === undefined) return undefined;
    const out: ReplicaRecord[] = [];
    const end = Math.min(log.logEndOffset, range?.to ?? Infinity);
    for (let next = Math.max(log.logStartOffset, range?.from ?? 0); next < end;) {
      const { records } = await log.read(next, { maxBytes: 2 ** 30, maxOffset: end });
      if (records.length === 0) break;
      for (const r of decodeRecords(records, next)) {
        if (r.offset < end) out.push({ offset: r.offset, leaderEpoch: r.leaderEpoch, value: r.value?.toString() ?? '' });
        next = r.offset + 1;
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.node.close();
  }

  crash(): void {
    this.node.crash();
  }

  handleReplicaFetch: ReplicaService['handleReplicaFetch'] = (request, signal) => this.node.handleReplicaFetch(request, signal);
  handleOffsetForLeaderEpoch: ReplicaService['handleOffsetForLeaderEpoch'] = (request) => this.node.handleOffsetForLeaderEpoch(request);
  handleHandover: ReplicaService['handleHandover'] = (request, signal) => this.node.handleHandover(request, signal);
}

/** Builds the real replication node for each simulated broker incarnation. */
export const replicationNodeFactory: SimNodeFactory = (parts) => new ReplicationSimNode(parts);
