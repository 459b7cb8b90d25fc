import type { KubernetesMetadataStoreOptions, MetadataStore } from '@runnel/metadata';
import type { StorageIo } from '@runnel/storage';
import type { Logger } from 'pino';
import type { GroupOptions } from './group-service.ts';
import type { ReplicationTiming } from './replication/replication-timing.ts';

/** Options of {@link startBroker}. */
export interface BrokerOptions {
  /** This broker's id (>= 0), unique in the cluster; also checked against the data directory. */
  readonly brokerId: number;
  /** Address to listen on for gRPC. @default '127.0.0.1' */
  readonly host?: string;
  /** gRPC port; 0 picks a free port (see {@link Broker.address}). */
  readonly port: number;
  /** Host name advertised to clients in Metadata. @default host */
  readonly advertisedHost?: string;
  /** The broker's data directory (created if missing). */
  readonly dataDir: string;
  /** Cluster id; a data directory of another cluster is refused. */
  readonly clusterId: string;
  /** Where topics, partition states and broker registrations live. Omit it to open a Kubernetes store from {@link kubernetes}. */
  readonly metadataStore?: MetadataStore;
  /**
   * Metadata on Kubernetes (Leases and Topic resources): the broker opens the store with these
   * options (kubeconfig, namespace, cluster name), closes it on shutdown, and runs replication.
   */
  readonly kubernetes?: KubernetesMetadataStoreOptions;
  /**
   * Cluster-wide topic config defaults (`retention.ms`, `min.insync.replicas`, `durability`, any
   * key of `TOPIC_DEFAULT_KEYS`): a topic's own configs win; a default min.insync.replicas
   * is capped at each topic's replication factor. Invalid ones refuse to start the broker.
   * @default none
   */
  readonly topicDefaults?: Readonly<Record<string, string>>;
  /** Rack, for placement (advertised in Metadata). @default '' */
  readonly rack?: string;
  /** Port of the HTTP `/metrics` endpoint; 0 picks a free port; omitted = no endpoint. */
  readonly metricsPort?: number;
  /** Host of the metrics endpoint. @default host */
  readonly metricsHost?: string;
  /** Also collect prom-client's default Node.js metrics. @default true */
  readonly defaultMetrics?: boolean;
  /** pino logger; a child with `broker: <id>` is used. @default pino at RUNNEL_LOG_LEVEL or 'info' */
  readonly logger?: Logger;
  /** Period of retention and compaction passes over hosted partitions. @default 300000 (5 min) */
  readonly logMaintenanceIntervalMs?: number;
  /** File-I/O seam of the data directory (tests inject faults such as ENOSPC). @default node:fs */
  readonly storageIo?: StorageIo;
  /**
   * Replication (DESIGN.md §6) always runs: a broker Lease, Lease-based leader elections (RF=1
   * partitions are replicated partitions with one replica), followers fetching over the `Replica`
   * service. Its timings default to DEFAULT_REPLICATION_TIMING.
   */
  readonly replication?: { readonly timing?: Partial<ReplicationTiming> };
  /** Consumer groups: the offsets topic's partition count (when this broker creates it) and the group timers. */
  readonly groups?: GroupOptions;
}

/** A running broker. */
export interface Broker {
  readonly id: number;
  /** `host:port` of the gRPC listener (with the real port when 0 was asked for). */
  readonly address: string;
  /** `host:port` of the `/metrics` endpoint, when enabled. */
  readonly metricsAddress?: string;
  /**
   * Clean shutdown: health turns NOT_SERVING, new calls are refused, long-polls answer and tails
   * end, in-flight appends finish, logs are flushed and closed and the clean-shutdown marker is
   * written. With `signal` aborted, remaining calls are cut off instead of awaited.
   */
  close(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Stops at once as kill -9 would in-process: calls are cut off, replication stops without any
   * handover or Lease release, logs are not flushed, no clean-shutdown marker is written.
   */
  kill(): Promise<void>;
}
