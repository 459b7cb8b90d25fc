import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BrokerChecks } from './cluster/broker-checks.ts';
import type { ClusterStores } from './cluster-stores.ts';
import type { InformerGroup } from './informer-group.ts';
import type { KubeApi } from './kube-api.ts';
import type { OperatorMetrics } from './operator-metrics.ts';
import type { PartitionView } from './partition-view.ts';

/** The caches the reconcilers read, one informer group per kind. */
export interface OperatorCaches {
  readonly clusters: InformerGroup;
  readonly topics: InformerGroup;
  readonly statefulSets: InformerGroup;
  readonly pods: InformerGroup;
  readonly leases: InformerGroup;
  /** Owned objects other than the StatefulSet, by kind: a deleted one is noticed and recreated. */
  readonly owned: ReadonlyMap<string, InformerGroup>;
}

/** What every reconciler works with. */
export interface OperatorContext {
  readonly kubeConfig: KubeConfig;
  readonly api: KubeApi;
  readonly core: CoreV1Api;
  readonly caches: OperatorCaches;
  readonly partitions: PartitionView;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
  /** The brokers' PreRestartCheck/PostRestartCheck, asked during a roll. */
  readonly brokerChecks: BrokerChecks;
  /** The metadata store of each Cluster, shared by the reconcilers. */
  readonly stores: ClusterStores;
  /** Wall clock for condition timestamps. */
  readonly now: () => Date;
}
