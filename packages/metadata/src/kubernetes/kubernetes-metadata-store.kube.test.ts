// The Kubernetes store on the real control plane: the shared MetadataStore contract (each test in
// its own random namespace), the Lease and Topic shapes other tools see, and writes whose reply is
// lost, injected at the store's request seam (the request reaches the real API server, or not).
import { randomBytes } from 'node:crypto';
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { kubeTest } from '@runnel/test-kube';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../crds/apply-crds.ts';
import { isMetadataStoreError } from '../errors.ts';
import { describeMetadataStoreContract, samplePartition } from '../metadata-store-contract.ts';
import { settleUncertainWrite } from '../settle-uncertain-write.ts';
import { partitionStateName } from '../topic-model.ts';
import { KubernetesMetadataStore, type KubernetesMetadataStoreOptions } from './kubernetes-metadata-store.ts';
import type { RequestInterceptor } from './kube-resource-client.ts';

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
  // The API server's watch cache starts at its own start-up revision; revision 1 is older.
  tooOldVersion: () => Promise.resolve('1'),
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
    } finally {
      await store.close();
      await dispose();
    }
  });
});
