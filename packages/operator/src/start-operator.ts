import diagnosticsChannel from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { CLUSTER_LABEL, LEASE_KIND_LABEL, OFFSETS_TOPIC, PARTITION_ANNOTATION, STORE_WRITE_CHANNEL, type StoreWriteEvent } from '@runnel/metadata';
import { pino, type Logger } from 'pino';
import { grpcBrokerChecks } from './cluster/broker-checks.ts';
import { ClusterReconciler } from './cluster/cluster-reconciler.ts';
import { ClusterStores } from './cluster-stores.ts';
import { Controller } from './controller.ts';
import { startHttpEndpoints } from './http-endpoints.ts';
import { InformerGroup } from './informer-group.ts';
import { KubeApi } from './kube-api.ts';
import { runLeaderElection } from './leader-election.ts';
import { MANAGED_SELECTOR } from './managed-labels.ts';
import type { OperatorCaches, OperatorContext } from './operator-context.ts';
import { OperatorMetrics } from './operator-metrics.ts';
import { PartitionView } from './partition-view.ts';
import type { WatchedKind } from './resource-informer.ts';
import { RUNNEL_API_VERSION, type TopicResource } from './runnel-resources.ts';
import { TopicReconciler } from './topic/topic-reconciler.ts';

/** Options of {@link startOperator}. */
export interface OperatorOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces to serve, or `'all'`. */
  readonly namespaces: readonly string[] | 'all';
  /** Port of `/metrics`, `/healthz` and `/readyz`; absent: not served. */
  readonly metricsPort?: number;
  /** Address to serve them on. @default 0.0.0.0 */
  readonly metricsHost?: string;
  /** Leader election on a Lease; `false` runs as the only replica. */
  readonly leaderElection: false | { readonly namespace: string; readonly name: string; readonly identity?: string; readonly leaseDurationSeconds?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
  /** Keys reconciled at once per controller. @default 4 */
  readonly concurrency?: number;
  /** Every object is reconciled again this often, as a safety net. @default 300000 */
  readonly resyncMs?: number;
  readonly logger?: Logger;
}

/** A running operator. */
export interface Operator {
  /** Where `/metrics` is served, when it is. */
  readonly metricsAddress: string | undefined;
  readonly metrics: OperatorMetrics;
  /** Whether this replica is acting (the leader, or leader election is off). */
  readonly leading: boolean;
  /** Resolves when this replica lost leadership and stopped acting (the process should exit). */
  readonly lost: Promise<void>;
  /** Stops acting, releases the leader Lease, stops serving. */
  close(): Promise<void>;
}

const kind = (apiVersion: string, k: string, plural: string, labelSelector?: string): WatchedKind => ({ apiVersion, kind: k, plural, ...(labelSelector ? { labelSelector } : {}) });

/** The kinds the operator creates for a Cluster, besides the StatefulSet (watched so a deleted one comes back). */
const OWNED_KINDS: readonly WatchedKind[] = [
  kind('v1', 'ServiceAccount', 'serviceaccounts', MANAGED_SELECTOR),
  kind('rbac.authorization.k8s.io/v1', 'Role', 'roles', MANAGED_SELECTOR),
  kind('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', MANAGED_SELECTOR),
  kind('v1', 'ConfigMap', 'configmaps', MANAGED_SELECTOR),
  kind('v1', 'Service', 'services', MANAGED_SELECTOR),
  kind('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', MANAGED_SELECTOR),
];

/**
 * Starts the operator (DESIGN.md §7): with leader election, it first wins the Lease, then lists
 * and watches Clusters, Topics, the objects it owns, broker pods and the Runnel Leases, and runs
 * the Cluster and Topic controllers from those caches.
 */
export async function startOperator(options: OperatorOptions): Promise<Operator> {
  const logger = options.logger ?? pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' });
  const metrics = new OperatorMetrics();
  const api = new KubeApi(options.kubeConfig, (verb, k) => metrics.apiWrites.inc({ verb, kind: k }));
  const onStoreWrite = (message: unknown): void => {
    const event = message as StoreWriteEvent;
    metrics.apiWrites.inc({ verb: event.op, kind: event.collection });
  };
  diagnosticsChannel.subscribe(STORE_WRITE_CHANNEL, onStoreWrite);

  let running: Awaited<ReturnType<typeof startControllers>> | undefined;
  let leading = false;
  let resolveLost!: () => void;
  const lost = new Promise<void>((resolve) => (resolveLost = resolve));
  const election = new AbortController();
  let electionDone: Promise<void> = Promise.resolve();
  let starting: Promise<void> = Promise.resolve();

  const http =
    options.metricsPort === undefined
      ? undefined
      : await startHttpEndpoints(metrics.registry, options.metricsHost ?? '0.0.0.0', options.metricsPort, () =>
          !leading ? { ready: true, detail: 'standby: waiting for the leader Lease' } : running?.synced() ? { ready: true, detail: 'leading: caches synced' } : { ready: false, detail: 'leading: caches syncing' },
        );

  const begin = (): void => {
    leading = true;
    metrics.leader.set(1);
    starting = (async () => {
      running = await startControllers(options, { api, metrics, logger });
    })().catch((err: unknown) => logger.error({ err }, 'cannot start the controllers'));
  };

  if (options.leaderElection === false) {
    begin();
    await starting;
  } else {
    const le = options.leaderElection;
    metrics.leader.set(0);
    electionDone = runLeaderElection(
      {
        kubeConfig: options.kubeConfig,
        namespace: le.namespace,
        name: le.name,
        identity: le.identity ?? `${process.env['POD_NAME'] ?? hostname()}_${randomBytes(4).toString('hex')}`,
        ...(le.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: le.leaseDurationSeconds } : {}),
        ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
        ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
        logger,
        onStartedLeading: begin,
        onStoppedLeading: () => {
          leading = false;
          metrics.leader.set(0);
          void starting.then(() => running?.stop()).finally(resolveLost);
        },
      },
      election.signal,
    ).catch((err: unknown) => logger.error({ err }, 'leader election failed'));
  }

  return {
    metricsAddress: http?.address,
    metrics,
    get leading() {
      return leading;
    },
    lost,
    async close() {
      await starting;
      await running?.stop();
      running = undefined;
      // Stop acting before the Lease is released, so two replicas never act at once.
      election.abort();
      await electionDone;
      leading = false;
      diagnosticsChannel.unsubscribe(STORE_WRITE_CHANNEL, onStoreWrite);
      await http?.close();
    },
  };
}

async function startControllers(options: OperatorOptions, shared: { api: KubeApi; metrics: OperatorMetrics; logger: Logger }): Promise<{ stop(): Promise<void>; synced(): boolean }> {
  const { kubeConfig, namespaces } = options;
  const { logger, metrics } = shared;
  let active = false;
  const onChange: { fn: (k: string, o: KubernetesObject) => void } = { fn: () => undefined };
  const group = (k: WatchedKind): InformerGroup => new InformerGroup({ kubeConfig, kind: k, namespaces, logger, onChange: (o) => active && onChange.fn(k.kind, o) });
  const caches: OperatorCaches = {
    clusters: group(kind(RUNNEL_API_VERSION, 'Cluster', 'clusters')),
    topics: group(kind(RUNNEL_API_VERSION, 'Topic', 'topics')),
    statefulSets: group(kind('apps/v1', 'StatefulSet', 'statefulsets', MANAGED_SELECTOR)),
    pods: group(kind('v1', 'Pod', 'pods', MANAGED_SELECTOR)),
    leases: group(kind('coordination.k8s.io/v1', 'Lease', 'leases', LEASE_KIND_LABEL)),
    owned: new Map(OWNED_KINDS.map((k) => [k.kind, group(k)])),
  };
  const brokerChecks = grpcBrokerChecks();
  const ctx: OperatorContext = { kubeConfig, api: shared.api, core: kubeConfig.makeApiClient(CoreV1Api), caches, partitions: new PartitionView(caches.leases), metrics, logger, brokerChecks, stores: new ClusterStores(kubeConfig), now: () => new Date() };
  const clusterReconciler = new ClusterReconciler(ctx);
  const topicReconciler = new TopicReconciler(ctx);
  const concurrency = options.concurrency ?? 4;
  const clusters = new Controller({ name: 'cluster', reconcile: (ns, n) => clusterReconciler.reconcile(ns, n), metrics, logger, concurrency });
  const topics = new Controller({ name: 'topic', reconcile: (ns, n) => topicReconciler.reconcile(ns, n), metrics, logger, concurrency });

  const topicsOfCluster = (namespace: string, cluster: string): TopicResource[] => caches.topics.list<TopicResource>(namespace).filter((t) => t.metadata.labels?.[CLUSTER_LABEL] === cluster);
  const brokerEpochs = new Map<string, number>();
  // Events only say which keys to look at again; reconcilers read the caches.
  onChange.fn = (k, o) => {
    const ns = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    const labels = o.metadata?.labels ?? {};
    if (k === 'Cluster') {
      clusters.enqueue(ns, name);
      for (const t of topicsOfCluster(ns, name)) topics.enqueue(ns, t.metadata.name);
    } else if (k === 'Topic') {
      topics.enqueue(ns, name);
      // The Cluster declares its consumer offsets Topic again when it is deleted.
      const cluster = labels[CLUSTER_LABEL];
      if (cluster !== undefined && (o as { spec?: { topicName?: string } }).spec?.topicName === OFFSETS_TOPIC) clusters.enqueue(ns, cluster);
    } else if (k === 'Lease') {
      const cluster = labels[CLUSTER_LABEL];
      if (cluster === undefined) return;
      if (labels[LEASE_KIND_LABEL] === 'broker') {
        // Renewals (every few seconds per broker) change nothing the operator reads; a new
        // brokerEpoch (a restart) or a deletion does.
        const key = `${ns}/${name}`;
        const epoch = o.metadata?.deletionTimestamp != null ? -1 : ((o as { spec?: { leaseTransitions?: number } }).spec?.leaseTransitions ?? 0);
        if (brokerEpochs.get(key) === epoch) return;
        brokerEpochs.set(key, epoch);
      }
      clusters.enqueue(ns, cluster);
      if (labels[LEASE_KIND_LABEL] === 'partition') {
        const topic = partitionTopic(o);
        for (const t of topicsOfCluster(ns, cluster)) if ((t.spec.topicName ?? t.metadata.name) === topic) topics.enqueue(ns, t.metadata.name);
      }
    } else {
      const instance = labels['app.kubernetes.io/instance'];
      if (instance !== undefined) clusters.enqueue(ns, instance);
    }
  };

  const groups = [caches.clusters, caches.topics, caches.statefulSets, caches.pods, caches.leases, ...caches.owned.values()];
  await Promise.all(groups.map((g) => g.start()));
  active = true;
  const enqueueAll = (): void => {
    for (const c of caches.clusters.list()) clusters.enqueue(c.metadata?.namespace ?? '', c.metadata?.name ?? '');
    for (const t of caches.topics.list()) topics.enqueue(t.metadata?.namespace ?? '', t.metadata?.name ?? '');
  };
  enqueueAll();
  const resync = setInterval(enqueueAll, options.resyncMs ?? 300_000);
  resync.unref();
  metrics.topics.reset();
  const collectTopics = (): void => {
    // Per condition type, the Topics for which it is True (a Topic may count under several).
    const counts: Record<string, number> = { Ready: 0, Progressing: 0, Degraded: 0 };
    for (const t of caches.topics.list<TopicResource>()) {
      for (const c of t.status?.conditions ?? []) if (c.status === 'True' && c.type in counts) counts[c.type]! += 1;
    }
    for (const [condition, n] of Object.entries(counts)) metrics.topics.set({ condition }, n);
  };
  const topicGauge = setInterval(collectTopics, 2_000);
  topicGauge.unref();
  logger.info({ namespaces }, 'operator caches synced; reconciling');
  return {
    synced: () => groups.every((g) => g.synced),
    async stop() {
      active = false;
      clearInterval(resync);
      clearInterval(topicGauge);
      await Promise.all([clusters.queue.stop(), topics.queue.stop()]);
      await Promise.all(groups.map((g) => g.stop()));
      await ctx.stores.close();
      brokerChecks.close();
    },
  };
}

/** The Kafka topic name in a partition Lease's annotation, without decoding the rest. */
function partitionTopic(lease: KubernetesObject): string | undefined {
  const raw = lease.metadata?.annotations?.[PARTITION_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const topic = (JSON.parse(raw) as { topic?: unknown }).topic;
    return typeof topic === 'string' ? topic : undefined;
  } catch {
    return undefined;
  }
}
