import { join } from 'node:path';
import { MemoryMetadataStore } from '@runnel/metadata';
import type { StorageIo } from '@runnel/storage';
import { pino, type Logger } from 'pino';
import type { Broker } from './broker-options.ts';
import { startBroker } from './start-broker.ts';
import { createTopic, planTopic } from './topic-admin.ts';

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
}

/** A running local cluster. */
export interface LocalCluster {
  /** Comma-separated `host:port` of every broker, for clients. */
  readonly bootstrap: string;
  readonly brokers: Broker[];
  /** The shared metadata store (persisted to `<dataDir>/metadata.json`). */
  readonly metadataStore: MemoryMetadataStore;
  /** Closes every broker cleanly (clean-shutdown markers), then the store. */
  close(): Promise<void>;
}

/**
 * Starts N brokers in this process on consecutive ports, sharing one memory metadata store that is
 * persisted under `dataDir`, so a restart keeps topics, leader epochs and data. Creates the demo
 * topic on first start. Partitions (RF=1) spread over the brokers by the usual assignment.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  if (!Number.isInteger(options.brokers) || options.brokers < 1) throw new RangeError(`Invalid broker count ${options.brokers}: expected >= 1`);
  const host = options.host ?? '127.0.0.1';
  const clusterId = options.clusterId ?? 'runnel-local';
  const logger = options.logger ?? pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' });
  const store = await MemoryMetadataStore.open({ path: join(options.dataDir, 'metadata.json') });
  // A store that has never been written to: this is the cluster's first start.
  const firstStart = store.resourceVersion === '0';
  const brokers: Broker[] = [];
  try {
    for (let id = 0; id < options.brokers; id++) {
      brokers.push(
        await startBroker({
          brokerId: id,
          host,
          port: options.port === 0 ? 0 : options.port + id,
          dataDir: join(options.dataDir, `broker-${id}`),
          clusterId,
          metadataStore: store,
          logger,
          ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort === 0 ? 0 : options.metricsPort + id }),
          ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }),
          ...(options.storageIo === undefined ? {} : { storageIo: options.storageIo }),
        }),
      );
    }
    const demo = options.demoTopic === undefined ? { name: 'demo', partitions: 3 } : options.demoTopic;
    if (demo !== null && firstStart) {
      const topic = planTopic({ name: demo.name, partitions: demo.partitions, replicationFactor: 1, configs: {} }, brokers.map((b) => b.id));
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
    async close() {
      const results = await Promise.allSettled(brokers.map((b) => b.close()));
      await store.close();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
