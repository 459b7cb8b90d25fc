// The Kubernetes store sends every request over one connection pool. client-node builds a new
// undici Agent (so a new TLS connection) for each request; on the test control plane that held the
// API at 25–70 Lease CAS/s in all, and reusing the pool raised it to 170–300/s (docs/architecture.md).
import { KubeConfig, ResponseContext, SelfDecodingBody, type RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { samplePartition } from '../metadata-store-contract.ts';
import { partitionStateName } from '../topic-model.ts';
import { KubernetesMetadataStore } from './kubernetes-metadata-store.ts';
import { fakeKubeConfig } from './fake-kubeconfig.ts';

const httpsConfig = <T extends KubeConfig>(config?: T): T => fakeKubeConfig('https://127.0.0.1:9', { token: 'x', ...(config === undefined ? {} : { config }) });

describe('KubernetesMetadataStore connections', () => {
  it('sends every request (reads, writes, broker Leases) through one dispatcher, and closes it with the store', async () => {
    const dispatchers: unknown[] = [];
    let stored: Record<string, unknown> | undefined;
    const store = await KubernetesMetadataStore.open({
      cluster: 'c1',
      namespace: 'ns',
      kubeConfig: httpsConfig(),
      intercept: (request: RequestContext) => {
        dispatchers.push(request.getDispatcher());
        const method = request.getHttpMethod();
        if (method === 'POST' || method === 'PUT') {
          const body = JSON.parse(request.getBody() as string) as Record<string, unknown>;
          stored = { ...body, metadata: { ...(body['metadata'] as object), resourceVersion: String(dispatchers.length), uid: 'u1' } };
        }
        const found = method === 'GET' && stored === undefined;
        return Promise.resolve(new ResponseContext(found ? 404 : 200, { 'content-type': 'application/json' }, new SelfDecodingBody(Promise.resolve(Buffer.from(JSON.stringify(found ? { kind: 'Status', reason: 'NotFound' } : stored))))));
      },
    });
    const name = partitionStateName('orders', 0);
    expect(await store.partitions.get(name)).toBeUndefined();
    const v1 = await store.partitions.create(name, samplePartition('orders', 0));
    await store.partitions.update(name, { ...v1.value, partitionEpoch: 1 }, v1.resourceVersion);
    await store.brokers.create('1', { id: 1, host: 'h', port: 1, rack: '', brokerUuid: 'u', brokerEpoch: 1 });
    expect(dispatchers).toHaveLength(4);
    expect(dispatchers[0]).toBeDefined();
    expect(new Set(dispatchers).size).toBe(1);
    const pool = dispatchers[0] as { destroyed: boolean };
    expect(pool.destroyed).toBe(false);
    await store.close();
    expect(pool.destroyed).toBe(true);
  });

  it('builds its connection pool again on the next request when building it failed once', async () => {
    // The TLS settings are read when the pool is built; a failure there (an exec credential plugin
    // failing once, a certificate file being rotated) must not stick to every later request.
    class FlakyOnce extends KubeConfig {
      calls = 0;
      override async applyToHTTPSOptions(opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
        if (++this.calls === 1) throw new Error('credential plugin failed');
        await super.applyToHTTPSOptions(opts);
      }
    }
    const config = httpsConfig(new FlakyOnce());
    const store = await KubernetesMetadataStore.open({
      cluster: 'c1',
      namespace: 'ns',
      kubeConfig: config,
      intercept: () => Promise.resolve(new ResponseContext(404, { 'content-type': 'application/json' }, new SelfDecodingBody(Promise.resolve(Buffer.from(JSON.stringify({ kind: 'Status', reason: 'NotFound' })))))),
    });
    try {
      const name = partitionStateName('orders', 0);
      await expect(store.partitions.get(name)).rejects.toThrow(/credential plugin failed/);
      expect(await store.partitions.get(name)).toBeUndefined();
      expect(config.calls).toBe(2);
    } finally {
      await store.close();
    }
  });
});
