// The Kubernetes store on the real control plane: the shared MetadataStore contract (each test in
// its own random namespace), the Lease and Topic shapes other tools see, and writes whose reply is
// lost, injected at the store's request seam (the request reaches the real API server, or not).
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CoordinationV1Api, KubeConfig, RbacAuthorizationV1Api, type Cluster, type V1Lease } from '@kubernetes/client-node';
import { kubeTest } from '@runnel/test-kube';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../crds/apply-crds.ts';
import { isMetadataStoreError } from '../errors.ts';
import { describeMetadataStoreContract, samplePartition } from '../metadata-store-contract.ts';
import { settleUncertainWrite } from '../settle-uncertain-write.ts';
import type { Versioned, WatchEvent } from '../metadata-store.ts';
import { partitionStateName, type PartitionState } from '../topic-model.ts';
import { STORE_WATCH_CHANNEL, type StoreWatchEvent } from '../store-diagnostics.ts';
import { KubernetesMetadataStore, type KubernetesMetadataStoreOptions } from './kubernetes-metadata-store.ts';
import { topicResourceName } from './kube-names.ts';
import type { RequestInterceptor } from './kube-resource-client.ts';
import { BROKER_RBAC_RULES } from './rbac-rules.ts';

const kube = kubeTest();
const hex = (): string => randomBytes(4).toString('hex');

beforeAll(async () => {
  await applyCrds(kube.kubeConfig);
});

async function openStore(options: Partial<KubernetesMetadataStoreOptions> = {}): Promise<{ store: KubernetesMetadataStore; namespace: string; dispose(): Promise<void> }> {
  const namespace = await kube.createNamespace('meta');
  const store = await KubernetesMetadataStore.open({ cluster: `c-${hex()}`, namespace, kubeConfig: kube.kubeConfig, requestTimeoutMs: 5_000, ...options });
  return { store, namespace, dispose: () => kube.deleteNamespace(namespace) };
}

describeMetadataStoreContract('kubernetes (real API server)', {
  open: openStore,
  // No tooOldVersion: a fresh API server serves a watch from any version out of its watch cache
  // or from etcd, even after we compact etcd, so 410 cannot be produced on demand here; the 410 →
  // EXPIRED path is tested against a scripted server in kube-watch.test.ts.
  eventTimeoutMs: 20_000,
});

/** Holds the server's reply until the client gives up, after the server applied the request. */
const holdReplyOnce = (armed: { on: boolean }): RequestInterceptor => async (request, send) => {
  const response = await send();
  if (!armed.on || request.getHttpMethod() === 'GET') return response;
  armed.on = false;
  const signal = request.getSignal() as AbortSignal;
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
};

describe('KubernetesMetadataStore on the real API server', () => {
  it('a write applied by the server whose reply is lost fails UNKNOWN_OUTCOME and is settled by re-reading', async () => {
    const armed = { on: false };
    const { store, dispose } = await openStore({ requestTimeoutMs: 1_000, intercept: holdReplyOnce(armed) });
    try {
      const name = partitionStateName(`t-${hex()}`, 0);
      const v1 = await store.partitions.create(name, samplePartition(name.slice(0, -2), 0));
      armed.on = true;
      const proposal = { ...v1.value, leaderEpoch: v1.value.leaderEpoch + 1, holder: { id: 2, brokerEpoch: 5 }, proposalId: `p-${hex()}` };
      await expect(store.partitions.update(name, proposal, v1.resourceVersion)).rejects.toSatisfy((err) => isMetadataStoreError(err, 'UNKNOWN_OUTCOME'));
      const settled = await settleUncertainWrite(store.partitions, name, (value) => value.proposalId === proposal.proposalId);
      expect(settled.applied).toBe(true);
      expect(settled.current?.value).toEqual(proposal);
      // The caller's retry with the version it had is refused: the write it feared lost is there.
      await expect(store.partitions.update(name, proposal, v1.resourceVersion)).rejects.toSatisfy((err) => isMetadataStoreError(err, 'CONFLICT'));
      expect(store.stats).toMatchObject({ unknownOutcomes: 1, conflicts: 1 });
    } finally {
      await store.close();
      await dispose();
    }
  });

  it('talks HTTP/1.1 to the API server, so a write aborted with its body queued cannot wedge the process', async () => {
    // undici 8 offers HTTP/2 by default, and on Node 24 an aborted HTTP/2 request whose body was
    // still queued loops forever in native code (kube-resource-client.ts, http1Dispatcher).
    const { store, dispose } = await openStore({ requestTimeoutMs: 1 });
    const { store: again, dispose: disposeAgain } = await openStore();
    // Every connection the two stores open (the test's own namespace calls are made outside).
    const protocols: unknown[] = [];
    const onConnected = (message: unknown): void => {
      protocols.push((message as { socket: { alpnProtocol?: unknown } }).socket.alpnProtocol);
    };
    subscribe('undici:client:connected', onConnected);
    try {
      const topic = `t-${hex()}`;
      // Aborted 1 ms in: some while their bodies wait to be sent, some after the server applied them.
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.partitions.create(partitionStateName(topic, i), samplePartition(topic, i))));
      expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
      const name = partitionStateName(`u-${hex()}`, 0);
      await again.partitions.create(name, samplePartition(name.slice(0, -2), 0));
      expect((await again.partitions.get(name))?.value.partition).toBe(0);
    } finally {
      unsubscribe('undici:client:connected', onConnected);
      await store.close();
      await again.close();
      await dispose();
      await disposeAgain();
    }
    expect(protocols.length).toBeGreaterThan(0);
    expect(protocols.filter((p) => p === 'h2')).toEqual([]);
  });

  it('a watch survives the server ending its requests: reopened from the last version, no gap, no duplicate', async () => {
    const { store, dispose } = await openStore({ watchTimeoutSeconds: 1 });
    const reconnects: StoreWatchEvent[] = [];
    let onReconnect: (() => void) | undefined;
    const listener = (message: unknown): void => {
      reconnects.push(message as StoreWatchEvent);
      onReconnect?.();
    };
    subscribe(STORE_WATCH_CHANNEL, listener);
    try {
      const name = partitionStateName(`t-${hex()}`, 0);
      let current = await store.partitions.create(name, samplePartition(name.slice(0, -2), 0));
      const { resourceVersion } = await store.partitions.list();
      const controller = new AbortController();
      const iterator = store.partitions.watch({ resourceVersion, signal: controller.signal })[Symbol.asyncIterator]();
      const seen: number[] = [];
      for (let round = 0; round < 3; round++) {
        // Two writes per connection, then wait for the server to end it (after ~1 s).
        for (let i = 0; i < 2; i++) {
          current = await store.partitions.update(name, { ...current.value, partitionEpoch: current.value.partitionEpoch + 1 }, current.resourceVersion);
          const next = await iterator.next();
          seen.push((next.value as WatchEvent<PartitionState>).object.value.partitionEpoch);
        }
        const before = reconnects.length;
        await new Promise<void>((resolve) => {
          onReconnect = () => reconnects.length > before && resolve();
        });
      }
      controller.abort();
      expect(seen).toEqual([8, 9, 10, 11, 12, 13]);
      expect(reconnects.length).toBeGreaterThanOrEqual(3);
      expect(reconnects.every((r) => r.kind === 'reconnect' && r.collection === 'partitions')).toBe(true);
      expect(store.stats.watchRestarts).toBeGreaterThanOrEqual(3);
    } finally {
      unsubscribe(STORE_WATCH_CHANNEL, listener);
      await store.close();
      await dispose();
    }
  });

  it('works with only the broker Role (BROKER_RBAC_RULES) and reports missing rights as FORBIDDEN', async () => {
    const { namespace, dispose } = await openStore();
    const other = await kube.createNamespace('meta-other');
    try {
      const rbac = kube.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
      await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'broker' } } });
      await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'broker' }, rules: BROKER_RBAC_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) } });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: { metadata: { name: 'broker' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'broker' }, subjects: [{ kind: 'ServiceAccount', name: 'broker', namespace }] },
      });
      const token = (await kube.core.createNamespacedServiceAccountToken({ name: 'broker', namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token as string;
      const cluster = kube.kubeConfig.getCurrentCluster() as Cluster;
      const asBroker = new KubeConfig();
      asBroker.loadFromOptions({ clusters: [cluster], users: [{ name: 'broker', token }], contexts: [{ name: 'broker', cluster: cluster.name, user: 'broker' }], currentContext: 'broker' });
      const store = await KubernetesMetadataStore.open({ cluster: `c-${hex()}`, namespace, kubeConfig: asBroker });
      const created = await store.brokers.create('3', { id: 3, host: 'h', port: 1, rack: '', brokerUuid: 'u', brokerEpoch: 0 });
      await store.brokers.update('3', { ...created.value, brokerEpoch: 1 }, created.resourceVersion);
      expect((await store.topics.list()).items).toEqual([]);
      await expect(store.topics.create('t', { name: 't', topicId: 'x', partitions: 1, replicationFactor: 1, configs: {}, assignments: [[3]] })).rejects.toSatisfy((e) => isMetadataStoreError(e, 'FORBIDDEN'));
      const elsewhere = await KubernetesMetadataStore.open({ cluster: store.cluster, namespace: other, kubeConfig: asBroker });
      await expect(elsewhere.partitions.list()).rejects.toSatisfy((e) => isMetadataStoreError(e, 'FORBIDDEN'));
      const watch = elsewhere.partitions.watch({ resourceVersion: '1', signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
      await expect(watch.next()).rejects.toSatisfy((e) => isMetadataStoreError(e, 'FORBIDDEN'));
      await store.close();
      await elsewhere.close();
    } finally {
      await kube.deleteNamespace(other);
      await dispose();
    }
  });

  it('writes topic settings into the Topic spec (validated at admission) and store fields into the annotation', async () => {
    const { store, dispose } = await openStore();
    try {
      const topic = { name: 'Payments_EU', topicId: crypto.randomUUID(), partitions: 2, replicationFactor: 3, configs: {}, assignments: [[0, 1, 2], [1, 2, 0]], minInsyncReplicas: 2, deletionPolicy: 'Retain' as const, uncleanLeaderElection: false, futureField: { x: 1 } };
      const created = await store.topics.create(topic.name, topic);
      // The spec fields brokers read as configs come back in configs too (withSpecConfigs).
      expect(created.value).toEqual({ ...topic, configs: { 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false' } });
      const raw = await kube.kubectl(['get', 'topic', topicResourceName(topic.name), '-n', store.namespace, '-o', 'json']);
      const object = JSON.parse(raw.stdout) as { spec: Record<string, unknown>; metadata: { annotations: Record<string, string> } };
      expect(object.spec).toEqual({ topicName: 'Payments_EU', partitions: 2, replicationFactor: 3, configs: {}, minInsyncReplicas: 2, deletionPolicy: 'Retain', uncleanLeaderElection: false });
      expect(JSON.parse(object.metadata.annotations['runnel.dev/topic'] ?? '{}')).toEqual({ topicId: topic.topicId, assignments: topic.assignments, futureField: { x: 1 } });
      // The CEL rules apply to the store's writes too: the API server's message comes back as INVALID.
      await expect(store.topics.update(topic.name, { ...topic, partitions: 1 }, created.resourceVersion)).rejects.toSatisfy(
        (err) => isMetadataStoreError(err, 'INVALID') && (err as Error).message.includes('spec.partitions cannot decrease'),
      );
      expect((await store.topics.get(topic.name))?.resourceVersion).toBe(created.resourceVersion);
    } finally {
      await store.close();
      await dispose();
    }
  });

  it('stores partitions as Leases other tools can read, and a broker can select only its own', async () => {
    const { store, namespace, dispose } = await openStore();
    try {
      const topic = `Orders_${hex()}`;
      const state = samplePartition(topic, 3);
      await store.partitions.create(partitionStateName(topic, 3), state);
      await store.partitions.create(partitionStateName(topic, 4), { ...samplePartition(topic, 4), replicas: [0, 1] });
      const leases = kube.kubeConfig.makeApiClient(CoordinationV1Api);
      const all = (await leases.listNamespacedLease({ namespace })).items;
      expect(all).toHaveLength(2);
      const lease = all.find((l) => l.metadata?.name?.endsWith('-3')) as V1Lease;
      expect(lease.metadata?.name).toMatch(new RegExp(`^${store.cluster}-orders-${topic.slice(7)}-[0-9a-f]{8}-3$`));
      expect(lease.spec?.holderIdentity).toBe('1/3');
      expect(lease.spec?.leaseTransitions).toBe(4);
      expect(JSON.parse(lease.metadata?.annotations?.['runnel.dev/partition'] ?? '{}')).toMatchObject({ topic, partition: 3, isr: state.isr, epochStartOffset: 42 });
      const onBroker2 = await leases.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/replica-2=true' });
      expect(onBroker2.items.map((l) => l.metadata?.name)).toEqual([lease.metadata?.name]);
      const mine = await store.partitionsReplicatedOn(2).list();
      expect(mine.items.map((i) => i.name)).toEqual([partitionStateName(topic, 3)]);
      // Dropping broker 2 from the replicas takes the partition out of broker 2's watch.
      const controller = new AbortController();
      const watch = store.partitionsReplicatedOn(2).watch({ resourceVersion: mine.resourceVersion, signal: controller.signal })[Symbol.asyncIterator]();
      const current = mine.items[0] as Versioned<PartitionState>;
      await store.partitions.update(current.name, { ...current.value, replicas: [1, 0], isr: [{ id: 1, brokerEpoch: 3 }] }, current.resourceVersion);
      const event = await watch.next();
      controller.abort();
      expect(event.value).toMatchObject({ type: 'DELETED', object: { name: partitionStateName(topic, 3) } });
    } finally {
      await store.close();
      await dispose();
    }
  });
});
