import { join } from 'node:path';
import { MemoryMetadataStore } from '@runnel/metadata';
import type { StorageIo } from '@runnel/storage';
import { pino, type Logger } from 'pino';
import type { Broker } from './broker-options.ts';
import type { GroupOptions } from './group-service.ts';
import { startBroker } from './start-broker.ts';
import type { ReplicationTiming } from './replication/replication-timing.ts';
import { createTopic, planTopic } from './topic-admin.ts';

/** Partitions of `__consumer_offsets` in a local cluster (see {@link LocalClusterOptions.groups}). */
export const LOCAL_OFFSETS_TOPIC_PARTITIONS = 10;

/** How long the local cluster's metadata store keeps changes for watches that resume (the API server's etcd compaction interval). */
export const LOCAL_METADATA_HISTORY_MAX_AGE_MS = 5 * 60_000;

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** Number of brokers (ids 0..brokers-1). */
  readonly brokers: number;
  /** Listen address of every broker. @default '127.0.0.1' */
  readonly host?: string;
  /** gRPC port of broker 0; broker i listens on port + i. 0 gives every broker a free port. */
  readonly port: number;
  /** Holds `metadata.json` and one `broker-<id>` directory per broker. */
  readonly dataDir: string;
  /** Cluster id written to every data directory. @default 'runnel-local' */
  readonly clusterId?: string;
  /** `/metrics` port of broker 0; broker i uses metricsPort + i (0: free ports). Omitted: no endpoint. */
  readonly metricsPort?: number;
  /** Topic created on first start. null: none. @default { name: 'demo', partitions: 3 } */
  readonly demoTopic?: { readonly name: string; readonly partitions: number } | null;
  readonly logger?: Logger;
  /** @default true */
  readonly defaultMetrics?: boolean;
  /** File-I/O seam for every broker's data directory (fault-injection tests). @default node:fs */
  readonly storageIo?: StorageIo;
  /**
   * Replication factor of the demo topic (1..brokers); min.insync.replicas is min(2, RF). Topics
   * of any RF up to the broker count can be created.
   * @default 1
   */
  readonly replicationFactor?: number;
  /** Protocol timings (DESIGN.md §6) of every broker. @default DEFAULT_REPLICATION_TIMING */
  readonly replicationTiming?: Partial<ReplicationTiming>;
  /** Period of every broker's retention and compaction passes. @default 5 minutes */
  readonly logMaintenanceIntervalMs?: number;
  /**
   * Consumer groups. The offsets topic defaults to 10 partitions here, not Kafka's 50: a local
   * cluster runs every broker in one process, and each partition is a log per replica and a
   * partition Lease renewed by its leader, for the handful of groups a laptop runs.
   */
  readonly groups?: GroupOptions;
}

/** A running local cluster. */
export interface LocalCluster {
  /** Comma-separated `host:port` of every broker, for clients. */
  readonly bootstrap: string;
  readonly brokers: Broker[];
  /** The shared metadata store (persisted to `<dataDir>/metadata.json`). */
  readonly metadataStore: MemoryMetadataStore;
  /** Stops broker `id`: cleanly (handover, flush, Lease release) or, with `crash`, as kill -9. */
  stopBroker(id: number, options?: { crash?: boolean }): Promise<void>;
  /** Starts broker `id` again on its data directory and port. */
  startBroker(id: number): Promise<Broker>;
  /** Closes every broker cleanly (clean-shutdown markers), then the store. */
  close(): Promise<void>;
}

/**
 * Starts N brokers in this process on consecutive ports, sharing one memory metadata store that is
 * persisted under `dataDir`, so a restart keeps topics, leader epochs and data. Creates the demo
 * topic on first start. Every broker runs the one replicated data plane; partitions spread over
 * the brokers by the usual assignment.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  if (!Number.isInteger(options.brokers) || options.brokers < 1) throw new RangeError(`Invalid broker count ${options.brokers}: expected >= 1`);
  const host = options.host ?? '127.0.0.1';
  const clusterId = options.clusterId ?? 'runnel-local';
  const logger = options.logger ?? pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' });
  // The history of changes for resuming watches is compacted by age as the API server compacts
  // etcd: otherwise the brokers' registration renewals fill it for hours (found by `runnel bench soak`).
  const store = await MemoryMetadataStore.open({ path: join(options.dataDir, 'metadata.json'), historyMaxAgeMs: LOCAL_METADATA_HISTORY_MAX_AGE_MS });
  // A store that has never been written to: this is the cluster's first start.
  const firstStart = store.resourceVersion === '0';
  const brokers: Broker[] = [];
  const ports = new Map<number, number>();
  const rf = options.replicationFactor ?? 1;
  if (!Number.isInteger(rf) || rf < 1 || rf > options.brokers) throw new RangeError(`Invalid replication factor ${rf}: expected 1..${options.brokers} (the broker count)`);
  const start = async (id: number): Promise<Broker> => {
    const broker = await startBroker({
          brokerId: id,
          host,
          port: ports.get(id) ?? (options.port === 0 ? 0 : options.port + id),
          ...(options.replicationTiming === undefined ? {} : { replication: { timing: options.replicationTiming } }),
          dataDir: join(options.dataDir, `broker-${id}`),
          groups: { offsetsTopicPartitions: LOCAL_OFFSETS_TOPIC_PARTITIONS, ...options.groups },
          clusterId,
          metadataStore: store,
          logger,
          ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort === 0 ? 0 : options.metricsPort + id }),
          ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }),
          ...(options.storageIo === undefined ? {} : { storageIo: options.storageIo }),
          ...(options.logMaintenanceIntervalMs === undefined ? {} : { logMaintenanceIntervalMs: options.logMaintenanceIntervalMs }),
    });
    ports.set(id, Number(broker.address.slice(broker.address.lastIndexOf(':') + 1)));
    return broker;
  };
  try {
    for (let id = 0; id < options.brokers; id++) brokers.push(await start(id));
    const demo = options.demoTopic === undefined ? { name: 'demo', partitions: 3 } : options.demoTopic;
    if (demo !== null && firstStart) {
      const topic = planTopic({ name: demo.name, partitions: demo.partitions, replicationFactor: rf, configs: { 'min.insync.replicas': String(Math.min(2, rf)) } }, brokers.map((b) => b.id));
      await createTopic(store, topic);
      logger.info({ topic: topic.name, partitions: topic.partitions }, 'demo topic created');
    }
  } catch (err) {
    await Promise.allSettled(brokers.map((b) => b.close()));
    await store.close();
    throw err;
  }
  return {
    bootstrap: brokers.map((b) => b.address).join(','),
    brokers,
    metadataStore: store,
    async stopBroker(id, stopOptions = {}) {
      const index = brokers.findIndex((b) => b.id === id);
      if (index < 0) throw new RangeError(`Broker ${id} is not running in this local cluster`);
      const [broker] = brokers.splice(index, 1);
      await (stopOptions.crash === true ? broker!.kill() : broker!.close());
    },
    async startBroker(id) {
      if (!Number.isInteger(id) || id < 0 || id >= options.brokers) throw new RangeError(`Invalid broker id ${id}: this local cluster has brokers 0..${options.brokers - 1}`);
      if (brokers.some((b) => b.id === id)) throw new RangeError(`Broker ${id} is already running`);
      const broker = await start(id);
      brokers.push(broker);
      brokers.sort((a, b) => a.id - b.id);
      return broker;
    },
    async close() {
      const results = await Promise.allSettled(brokers.map((b) => b.close()));
      await store.close();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
