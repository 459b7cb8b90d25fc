// Every compare-and-swap path of the Kubernetes store, deterministically: the store's request seam
// (`intercept`) is pointed at a small in-process fake of the Lease REST API, and faults are injected
// there — a reply held until the client's deadline after the fake applied the write, a request
// dropped before it reached the fake, 5xx, 429, 422. The same paths run on the real API server in
// kubernetes-metadata-store.kube.test.ts.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ResponseContext, SelfDecodingBody, type KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isMetadataStoreError, type MetadataStoreErrorCode } from '../errors.ts';
import { samplePartition } from '../metadata-store-contract.ts';
import { settleUncertainWrite } from '../settle-uncertain-write.ts';
import { partitionStateName, type PartitionState } from '../topic-model.ts';
import { KubernetesMetadataStore } from './kubernetes-metadata-store.ts';
import { fakeKubeConfig } from './fake-kubeconfig.ts';
import { STORE_WRITE_CHANNEL, type StoreWriteEvent } from '../store-diagnostics.ts';

type Fault = 'hold-reply-after-apply' | 'drop-before-apply' | 'http-500' | 'http-429' | 'http-422';

/** A fake of the namespaced Lease endpoints: objects by name, a global revision, CAS on PUT/DELETE. */
class FakeLeaseApi {
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly requests: Array<{ method: string; name: string; body?: Record<string, unknown> }> = [];
  revision = 100;
  nextFault: Fault | undefined;

  handle = async (request: RequestContext, _send: () => Promise<ResponseContext>): Promise<ResponseContext> => {
    const method = request.getHttpMethod();
    const url = new URL(request.getUrl());
    const name = /\/leases\/([^/]+)$/.exec(url.pathname)?.[1] ?? '';
    const body = typeof request.getBody() === 'string' ? (JSON.parse(request.getBody() as string) as Record<string, unknown>) : undefined;
    this.requests.push({ method, name, ...(body ? { body } : {}) });
    const fault = method === 'GET' ? undefined : this.nextFault;
    if (fault !== undefined) this.nextFault = undefined;
    if (fault === 'drop-before-apply') return waitForAbort(request);
    if (fault === 'http-500') return reply(500, { kind: 'Status', reason: 'InternalError', message: 'etcdserver: request timed out' });
    if (fault === 'http-429') return reply(429, { kind: 'Status', reason: 'TooManyRequests', message: 'too many requests' });
    if (fault === 'http-422') return reply(422, { kind: 'Status', reason: 'Invalid', message: 'Lease.coordination.k8s.io "x" is invalid: spec.leaseTransitions: Invalid value: -1' });
    const response = this.#apply(method, name, body, url);
    if (fault === 'hold-reply-after-apply') return waitForAbort(request);
    return response;
  };

  #apply(method: string, name: string, body: Record<string, unknown> | undefined, url: URL): ResponseContext {
    const current = this.objects.get(name);
    const meta = (o: Record<string, unknown> | undefined) => (o?.['metadata'] ?? {}) as Record<string, unknown>;
    if (method === 'GET' && name === '') {
      return reply(200, { kind: 'LeaseList', metadata: { resourceVersion: String(this.revision) }, items: [...this.objects.values()].filter(() => url.searchParams.has('labelSelector')) });
    }
    if (method === 'GET') return current ? reply(200, current) : reply(404, { kind: 'Status', reason: 'NotFound', message: `leases "${name}" not found` });
    if (method === 'POST') {
      const newName = meta(body)['name'] as string;
      if (this.objects.has(newName)) return reply(409, { kind: 'Status', reason: 'AlreadyExists', message: `leases "${newName}" already exists` });
      return reply(201, this.#store(newName, body as Record<string, unknown>));
    }
    if (current === undefined) return reply(404, { kind: 'Status', reason: 'NotFound', message: `leases "${name}" not found` });
    const expected = method === 'PUT' ? meta(body)['resourceVersion'] : (body?.['preconditions'] as Record<string, unknown> | undefined)?.['resourceVersion'];
    if (expected !== undefined && expected !== meta(current)['resourceVersion']) {
      return reply(409, { kind: 'Status', reason: 'Conflict', message: 'Operation cannot be fulfilled on leases: the object has been modified; please apply your changes to the latest version and try again' });
    }
    if (method === 'DELETE') {
      this.objects.delete(name);
      this.revision++;
      return reply(200, { kind: 'Status', status: 'Success' });
    }
    return reply(200, this.#store(name, body as Record<string, unknown>));
  }

  #store(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const uid = ((this.objects.get(name)?.['metadata'] as Record<string, unknown> | undefined)?.['uid'] as string | undefined) ?? crypto.randomUUID();
    const stored = { ...body, metadata: { ...(body['metadata'] as object), resourceVersion: String(++this.revision), uid } };
    this.objects.set(name, stored);
    return stored;
  }
}

function reply(status: number, body: unknown): ResponseContext {
  return new ResponseContext(status, { 'content-type': 'application/json' }, new SelfDecodingBody(Promise.resolve(Buffer.from(JSON.stringify(body)))));
}

/** Never answers; rejects when the client gives up (its deadline), as fetch does. */
function waitForAbort(request: RequestContext): Promise<ResponseContext> {
  const signal = request.getSignal() as AbortSignal;
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}

function kubeConfig(): KubeConfig {
  return fakeKubeConfig('http://127.0.0.1:9', { token: 'x' });
}

async function openFake(): Promise<{ store: KubernetesMetadataStore; api: FakeLeaseApi }> {
  const api = new FakeLeaseApi();
  const store = await KubernetesMetadataStore.open({ cluster: 'c1', namespace: 'ns', kubeConfig: kubeConfig(), requestTimeoutMs: 200, intercept: api.handle });
  return { store, api };
}

const hasCode = (code: MetadataStoreErrorCode) => (err: unknown) => isMetadataStoreError(err, code);
const NAME = partitionStateName('orders', 0);

describe('KubernetesMetadataStore compare-and-swap paths (fake API)', () => {
  it('writes a partition as a Lease: holder, leaseTransitions = leaderEpoch, replica labels, annotation; PUT carries the version read', async () => {
    const { store, api } = await openFake();
    const v1 = await store.partitions.create(NAME, samplePartition('orders', 0));
    const lease = api.objects.get('c1-orders-0') as { spec: Record<string, unknown>; metadata: { labels: Record<string, string> } };
    expect(lease.spec['holderIdentity']).toBe('1/3');
    expect(lease.spec['leaseTransitions']).toBe(4);
    expect(lease.metadata.labels).toMatchObject({ 'runnel.dev/cluster': 'c1', 'runnel.dev/lease': 'partition', 'runnel.dev/replica-0': 'true', 'runnel.dev/replica-1': 'true', 'runnel.dev/replica-2': 'true' });
    const v2 = await store.partitions.update(NAME, { ...v1.value, isr: [] }, v1.resourceVersion);
    // The version is <resourceVersion>/<uid>; both go out as preconditions of the PUT.
    const [rv, uid] = v1.resourceVersion.split('/');
    expect(api.requests.at(-1)).toMatchObject({ method: 'PUT', name: 'c1-orders-0', body: { metadata: { resourceVersion: rv, uid } } });
    expect(v2.value.isr).toEqual([]);
  });

  it('maps 409 Conflict to CONFLICT and 409 AlreadyExists to ALREADY_EXISTS, and counts both', async () => {
    const { store } = await openFake();
    const v1 = await store.partitions.create(NAME, samplePartition('orders', 0));
    await store.partitions.update(NAME, v1.value, v1.resourceVersion);
    await expect(store.partitions.update(NAME, v1.value, v1.resourceVersion)).rejects.toSatisfy(hasCode('CONFLICT'));
    await expect(store.partitions.delete(NAME, { resourceVersion: v1.resourceVersion })).rejects.toSatisfy(hasCode('CONFLICT'));
    await expect(store.partitions.create(NAME, v1.value)).rejects.toSatisfy(hasCode('ALREADY_EXISTS'));
    expect(store.stats).toMatchObject({ writes: 5, conflicts: 3, unknownOutcomes: 0 });
  });

  it('a reply lost after the server applied the write is UNKNOWN_OUTCOME; re-reading settles it as applied', async () => {
    const { store, api } = await openFake();
    const v1 = await store.partitions.create(NAME, samplePartition('orders', 0));
    const proposal: PartitionState = { ...v1.value, leaderEpoch: 5, holder: { id: 2, brokerEpoch: 5 }, proposalId: 'mine' };
    api.nextFault = 'hold-reply-after-apply';
    const started = performance.now();
    await expect(store.partitions.update(NAME, proposal, v1.resourceVersion)).rejects.toSatisfy(hasCode('UNKNOWN_OUTCOME'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    const settled = await settleUncertainWrite(store.partitions, NAME, (value) => value.proposalId === 'mine');
    expect(settled.applied).toBe(true);
    expect(settled.current?.value).toEqual(proposal);
    expect(store.stats.unknownOutcomes).toBe(1);
  });

  it('a request dropped before the server saw it is UNKNOWN_OUTCOME too; re-reading settles it as not applied', async () => {
    const { store, api } = await openFake();
    const v1 = await store.partitions.create(NAME, samplePartition('orders', 0));
    api.nextFault = 'drop-before-apply';
    await expect(store.partitions.update(NAME, { ...v1.value, proposalId: 'mine' }, v1.resourceVersion)).rejects.toSatisfy(hasCode('UNKNOWN_OUTCOME'));
    const settled = await settleUncertainWrite(store.partitions, NAME, (value) => value.proposalId === 'mine');
    expect(settled).toEqual({ applied: false, current: v1 });
  });

  it('creates and deletes with a lost reply are UNKNOWN_OUTCOME too, and a re-read shows what happened', async () => {
    const { store, api } = await openFake();
    api.nextFault = 'hold-reply-after-apply';
    await expect(store.partitions.create(NAME, samplePartition('orders', 0))).rejects.toSatisfy(hasCode('UNKNOWN_OUTCOME'));
    const created = await store.partitions.get(NAME);
    expect(created?.value.topic).toBe('orders');
    // Retrying the create blindly would now say ALREADY_EXISTS: the re-read is the answer.
    await expect(store.partitions.create(NAME, samplePartition('orders', 0))).rejects.toSatisfy(hasCode('ALREADY_EXISTS'));
    api.nextFault = 'hold-reply-after-apply';
    await expect(store.partitions.delete(NAME, { resourceVersion: created?.resourceVersion as string })).rejects.toSatisfy(hasCode('UNKNOWN_OUTCOME'));
    expect(await store.partitions.get(NAME)).toBeUndefined();
    expect(store.stats).toMatchObject({ unknownOutcomes: 2, conflicts: 1 });
  });

  it('a 5xx on a write is UNKNOWN_OUTCOME; 429 is UNAVAILABLE; 422 is INVALID with the API server message', async () => {
    const { store, api } = await openFake();
    const v1 = await store.partitions.create(NAME, samplePartition('orders', 0));
    api.nextFault = 'http-500';
    await expect(store.partitions.update(NAME, v1.value, v1.resourceVersion)).rejects.toSatisfy(hasCode('UNKNOWN_OUTCOME'));
    api.nextFault = 'http-429';
    await expect(store.partitions.update(NAME, v1.value, v1.resourceVersion)).rejects.toSatisfy(hasCode('UNAVAILABLE'));
    api.nextFault = 'http-422';
    await expect(store.partitions.update(NAME, v1.value, v1.resourceVersion)).rejects.toThrow(/spec\.leaseTransitions: Invalid value.*HTTP 422 Invalid/);
    expect(store.stats).toMatchObject({ unknownOutcomes: 1, conflicts: 0 });
  });

  it('a read without an answer is UNAVAILABLE, not UNKNOWN_OUTCOME; a missing object reads as undefined', async () => {
    const { store, api } = await openFake();
    expect(await store.partitions.get(NAME)).toBeUndefined();
    const stuck = await KubernetesMetadataStore.open({ cluster: 'c1', namespace: 'ns', kubeConfig: kubeConfig(), requestTimeoutMs: 50, intercept: (request) => waitForAbort(request) });
    await expect(stuck.partitions.get(NAME)).rejects.toSatisfy(hasCode('UNAVAILABLE'));
    await expect(stuck.partitions.list()).rejects.toSatisfy(hasCode('UNAVAILABLE'));
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('publishes every write on the diagnostics channel with its outcome', async () => {
    const { store } = await openFake();
    const seen: StoreWriteEvent[] = [];
    const listener = (message: unknown): void => void seen.push(message as StoreWriteEvent);
    subscribe(STORE_WRITE_CHANNEL, listener);
    try {
      const v1 = await store.partitions.create(NAME, samplePartition('orders', 0));
      await store.partitions.update(NAME, v1.value, v1.resourceVersion);
      await store.partitions.update(NAME, v1.value, v1.resourceVersion).catch(() => undefined);
    } finally {
      unsubscribe(STORE_WRITE_CHANNEL, listener);
    }
    expect(seen.map((e) => [e.collection, e.op, e.outcome, e.code])).toEqual([
      ['partitions', 'create', 'ok', undefined],
      ['partitions', 'update', 'ok', undefined],
      ['partitions', 'update', 'conflict', 'CONFLICT'],
    ]);
  });

  it('rate-limits writes on the client, with broker renewals in their own bucket so a partition burst cannot delay them', async () => {
    const api = new FakeLeaseApi();
    const store = await KubernetesMetadataStore.open({
      cluster: 'c1',
      namespace: 'ns',
      kubeConfig: kubeConfig(),
      intercept: api.handle,
      writeRateLimit: { ratePerSecond: 4, burst: 1, maxWaiters: 10 },
    });
    expect(store.writeRateLimit).toEqual({ ratePerSecond: 4, burst: 1, maxWaiters: 10, brokers: { ratePerSecond: 10, burst: 20, maxWaiters: 100 } });
    const started = performance.now();
    const burst = Promise.all([0, 1, 2].map((p) => store.partitions.create(partitionStateName('orders', p), samplePartition('orders', p))));
    const broker = await store.brokers.create('1', { id: 1, host: 'h', port: 1, rack: '', brokerUuid: 'u', brokerEpoch: 1 });
    const brokerDoneMs = performance.now() - started;
    await burst;
    // Three partition writes at 4/s with a burst of 1: the last waits ~500 ms; the broker write did not.
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(brokerDoneMs).toBeLessThan(200);
    expect(broker.value.brokerEpoch).toBe(1);
    expect(store.stats.rateLimitedMs).toBeGreaterThanOrEqual(600);
  });

  it('never sends a write that reached its deadline while waiting for the rate limit: UNAVAILABLE, and the API never sees it', async () => {
    const api = new FakeLeaseApi();
    const store = await KubernetesMetadataStore.open({ cluster: 'c1', namespace: 'ns', kubeConfig: kubeConfig(), intercept: api.handle, requestTimeoutMs: 200, writeRateLimit: { ratePerSecond: 1, burst: 1, maxWaiters: 10 } });
    await store.partitions.create(partitionStateName('orders', 0), samplePartition('orders', 0));
    // The next token comes after ~1 s, past the 200 ms deadline.
    const late = store.partitions.create(partitionStateName('orders', 1), samplePartition('orders', 1));
    await expect(late).rejects.toSatisfy(hasCode('UNAVAILABLE'));
    await expect(late).rejects.toThrow(/waited \d+ ms for the client rate limit \(1\/s\) and reached its 200 ms deadline unsent/);
    // Long after the token would have come, the write was still never sent.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(api.objects.size).toBe(1);
  });

  it('refuses bad names, cluster names and values with INVALID before sending anything', async () => {
    const { store, api } = await openFake();
    await expect(store.partitions.get('no-partition-number')).rejects.toSatisfy(hasCode('INVALID'));
    await expect(store.brokers.get('-1')).rejects.toSatisfy(hasCode('INVALID'));
    await expect(store.partitions.create(NAME, samplePartition('payments', 0))).rejects.toThrow(/the value is for payments-0/);
    await expect(store.partitions.create(NAME, { ...samplePartition('orders', 0), leaderEpoch: -2 })).rejects.toThrow(/leaderEpoch -2/);
    await expect(KubernetesMetadataStore.open({ cluster: 'Bad_Name', namespace: 'ns', kubeConfig: kubeConfig() })).rejects.toThrow(/Invalid cluster name "Bad_Name"/);
    await expect(KubernetesMetadataStore.open({ cluster: 'ok', kubeConfig: kubeConfig() })).rejects.toThrow(/no namespace given and not running in a pod/);
    await expect(KubernetesMetadataStore.open({ cluster: 'ok', namespace: 'ns', kubeConfig: kubeConfig(), requestTimeoutMs: 0 })).rejects.toThrow(/Invalid requestTimeoutMs 0/);
    expect(api.requests).toEqual([]);
    expect(store.stats.writes).toBe(0);
  });
});
