/**
 * The system under test of the chaos tier: N broker processes on loopback sharing one Runnel
 * cluster on the `kubernetes` metadata store, plus the test's own view of that store (partition
 * Leases read by consistent GETs) to find leaders and to decide when the cluster has settled.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isMetadataStoreError, partitionStateName, provisionPartitions, type MetadataStore, type PartitionState } from '@runnel/metadata';
import { ChaosBroker, type ChaosBrokerOptions } from './chaos-broker.ts';

/** Options of {@link ChaosCluster.start}. */
export interface ChaosClusterOptions {
  readonly brokers: number;
  /** Temp dir of the test: `broker-<id>/data` and `broker-<id>.log` go there. */
  readonly dir: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly kubeconfigPath: string;
  /** The test's own store on the same cluster and namespace (for leaders and ISR). */
  readonly store: MetadataStore;
  readonly timing?: ChaosBrokerOptions['timing'];
  readonly host?: string;
}

/** A partition's leadership as the store has it. */
export interface PartitionLeadership {
  readonly partition: number;
  readonly leader: number | undefined;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** N broker processes and the means to find leaders and followers. */
export class ChaosCluster {
  readonly brokers: readonly ChaosBroker[];
  readonly store: MetadataStore;

  private constructor(brokers: ChaosBroker[], store: MetadataStore) {
    this.brokers = brokers;
    this.store = store;
  }

  /** Picks free ports and starts every broker; on failure stops the ones that started. */
  static async start(o: ChaosClusterOptions): Promise<ChaosCluster> {
    const host = o.host ?? '127.0.0.1';
    const brokers: ChaosBroker[] = [];
    for (let id = 0; id < o.brokers; id++) {
      brokers.push(
        new ChaosBroker({
          brokerId: id,
          host,
          port: await freePort(host),
          metricsPort: await freePort(host),
          dataDir: join(o.dir, `broker-${id}`, 'data'),
          logPath: join(o.dir, `broker-${id}.log`),
          clusterId: o.clusterId,
          namespace: o.namespace,
          kubeconfigPath: o.kubeconfigPath,
          ...(o.timing === undefined ? {} : { timing: o.timing }),
        }),
      );
    }
    const cluster = new ChaosCluster(brokers, o.store);
    try {
      await Promise.all(brokers.map((b) => b.start()));
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** Bootstrap list of every broker (addresses are stable across restarts). */
  get bootstrap(): string[] {
    return this.brokers.map((b) => b.address);
  }

  broker(id: number): ChaosBroker {
    const b = this.brokers[id];
    if (b === undefined) throw new Error(`There is no broker ${id} (the cluster has ${this.brokers.length})`);
    return b;
  }

  /** Leadership of every partition of `topic`, read from the store (consistent GETs). */
  async leadership(topic: string, partitions: number): Promise<PartitionLeadership[]> {
    const out: PartitionLeadership[] = [];
    for (let p = 0; p < partitions; p++) {
      const got = await this.store.partitions.get(partitionStateName(topic, p));
      if (got === undefined) throw new Error(`Partition ${topic}-${p} has no partition record`);
      out.push(describe(p, got.value));
    }
    return out;
  }

  /**
   * Resolves once every partition has a leader whose process is running and `isrSize` in-sync
   * replicas, every broker process is running, and this held for two reads in a row; polls the
   * store every `everyMs` (a watch may stall, H1, and the condition spans many objects).
   */
  async settled(topic: string, partitions: number, isrSize: number, signal: AbortSignal, everyMs = 250): Promise<PartitionLeadership[]> {
    let streak = 0;
    let last: PartitionLeadership[] = [];
    for (;;) {
      signal.throwIfAborted();
      const allRunning = this.brokers.every((b) => b.state === 'running');
      last = await this.leadership(topic, partitions).catch(() => []);
      const ok = allRunning && last.length === partitions && last.every((l) => l.leader !== undefined && this.broker(l.leader).state === 'running' && l.isr.length >= isrSize);
      streak = ok ? streak + 1 : 0;
      if (streak >= 2) return last;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, everyMs);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(signal.reason as Error);
        }, { once: true });
      });
    }
  }

  /** Log tails of every broker, for a failure message. */
  async tails(lines = 40): Promise<string> {
    return (await Promise.all(this.brokers.map((b) => b.tail(lines)))).join('\n');
  }

  /** Resumes paused brokers, stops every broker cleanly (SIGKILL after a grace), closes logs. */
  async close(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.stop().catch(() => undefined)));
    await this.destroy();
  }

  /** SIGKILLs whatever is left. */
  async destroy(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.destroy()));
  }
}

/**
 * Creates a topic (a Topic resource on Kubernetes) and its partition records on brokers 0..n-1.
 * A create whose reply was lost (UNKNOWN_OUTCOME, e.g. while a fresh API server establishes the
 * CRD) is settled by reading the topic back, as DESIGN.md §6 rule 7 does for Leases; provisioning
 * (idempotent) is repeated when the API server did not answer (a loaded machine).
 */
export async function createTopic(store: MetadataStore, name: string, o: { partitions: number; replicationFactor: number; minInsyncReplicas?: number; brokers: number }): Promise<void> {
  const definition = {
    name,
    topicId: '',
    partitions: o.partitions,
    replicationFactor: o.replicationFactor,
    configs: o.minInsyncReplicas === undefined ? {} : { 'min.insync.replicas': String(o.minInsyncReplicas) },
    assignments: [],
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await store.topics.create(name, definition);
      break;
    } catch (err) {
      if (isMetadataStoreError(err, 'ALREADY_EXISTS') && attempt > 1) break;
      if (!isMetadataStoreError(err, 'UNKNOWN_OUTCOME') || attempt >= 5) throw err;
      if ((await store.topics.get(name).catch(() => undefined)) !== undefined) break;
    }
  }
  // Idempotent: a partition record created by an attempt whose reply was lost is found by the next.
  for (let attempt = 1; ; attempt++) {
    try {
      await provisionPartitions(store, name, { brokers: [...Array(o.brokers).keys()] });
      return;
    } catch (err) {
      if (!(isMetadataStoreError(err, 'UNAVAILABLE') || isMetadataStoreError(err, 'UNKNOWN_OUTCOME')) || attempt >= 5) throw err;
    }
  }
}

function describe(partition: number, s: PartitionState): PartitionLeadership {
  return { partition, leader: s.holder?.id, leaderEpoch: s.leaderEpoch, replicas: s.replicas, isr: s.isr.map((r) => r.id) };
}

/**
 * A port free on `host` right now (bound and released; the broker binds it moments later, and again
 * on every restart). Picked below the kernel's ephemeral range (32768-60999 by default): a port
 * from that range, as listen(0) gives, can be taken in between by any outgoing connection of the
 * machine (the brokers', the API server's), and a broker then failed to start with EADDRINUSE.
 */
async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(host, port)) return port;
  }
  throw new Error(`Cannot find a free port on ${host} in 20000-31999 (50 tries)`);
}

function canListen(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
