// The watch loop of the Kubernetes store against a scripted loopback HTTP server that speaks the
// watch protocol (one JSON event per line): resume from the last event or bookmark, retry after a
// server error, 410 Gone → EXPIRED, 403 → FORBIDDEN. (A fresh real API server cannot be made to
// answer 410 on demand; the kube test compacts etcd for that.)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isMetadataStoreError } from '../errors.ts';
import { samplePartition } from '../metadata-store-contract.ts';
import type { WatchEvent } from '../metadata-store.ts';
import { partitionStateName, type PartitionState } from '../topic-model.ts';
import { KubernetesMetadataStore } from './kubernetes-metadata-store.ts';
import { fakeKubeConfig } from './fake-kubeconfig.ts';
import { partitionLeaseCodec } from './lease-codecs.ts';

type Script = (response: ServerResponse, connection: number) => void;

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Serves watch requests with `scripts[i]` for the i-th connection; records each request's resourceVersion. */
async function watchServer(scripts: Script[]): Promise<{ store: KubernetesMetadataStore; versions: string[] }> {
  const versions: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://x');
    versions.push(url.searchParams.get('resourceVersion') ?? '');
    const script = scripts[versions.length - 1];
    if (script === undefined) return; // Further connections hang until the client aborts.
    script(response, versions.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  const config = fakeKubeConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const store = await KubernetesMetadataStore.open({ cluster: 'c1', namespace: 'ns', kubeConfig: config });
  return { store, versions };
}

const codec = partitionLeaseCodec('c1');
function lease(partition: number, rv: number, epoch: number): unknown {
  const object = codec.encode(partitionStateName('orders', partition), { ...samplePartition('orders', partition), partitionEpoch: epoch });
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(rv), uid: `uid-${partition}` } };
}
const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;
const ok = (response: ServerResponse): void => void response.writeHead(200, { 'content-type': 'application/json' });

async function next(iterator: AsyncIterator<WatchEvent<PartitionState>>): Promise<WatchEvent<PartitionState>> {
  const result = await iterator.next();
  if (result.done === true) throw new Error('the watch ended');
  return result.value;
}

describe('Kubernetes watch loop (scripted server)', () => {
  it('resumes from the last event or bookmark after the server ends a watch, retries after a 500, and ends EXPIRED on 410', async () => {
    const { store, versions } = await watchServer([
      (response) => {
        ok(response);
        response.write(line('ADDED', lease(0, 101, 1)));
        response.end(line('BOOKMARK', { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { resourceVersion: '105' } }));
      },
      (response) => response.writeHead(500).end('{"kind":"Status","code":500}'),
      (response) => {
        ok(response);
        response.write(line('MODIFIED', lease(0, 106, 2)));
        response.end(line('ERROR', { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version: 106 (200)' }));
      },
    ]);
    const iterator = store.partitions.watch({ resourceVersion: '100', signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    expect(await next(iterator)).toMatchObject({ type: 'ADDED', object: { name: 'orders-0', resourceVersion: '101/uid-0', value: { partitionEpoch: 1 } } });
    expect(await next(iterator)).toMatchObject({ type: 'MODIFIED', object: { resourceVersion: '106/uid-0', value: { partitionEpoch: 2 } } });
    await expect(iterator.next()).rejects.toSatisfy((err) => isMetadataStoreError(err, 'EXPIRED') && /too old resource version: 106/.test((err as Error).message));
    expect(versions).toEqual(['100', '105', '105']);
    expect(store.stats).toMatchObject({ watchRestarts: 2, watchesExpired: 1 });
  });

  it('ends EXPIRED for a version from the future (ResourceVersionTooLarge), as the memory store does', async () => {
    const { store } = await watchServer([
      (response) => {
        ok(response);
        response.end(line('ERROR', { kind: 'Status', code: 504, reason: 'Timeout', message: 'Too large resource version: 999, current: 120', details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] } }));
      },
    ]);
    const iterator = store.partitions.watch({ resourceVersion: '999', signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toSatisfy((err) => isMetadataStoreError(err, 'EXPIRED'));
  });

  it('skips an object it cannot decode (counted) instead of ending the watch', async () => {
    const { store } = await watchServer([
      (response) => {
        ok(response);
        response.write(line('ADDED', { kind: 'Lease', metadata: { name: 'stranger', resourceVersion: '7', uid: 'u' }, spec: {} }));
        response.write(line('ADDED', lease(1, 8, 3)));
      },
    ]);
    const controller = new AbortController();
    const iterator = store.partitions.watch({ resourceVersion: '6', signal: controller.signal })[Symbol.asyncIterator]();
    expect(await next(iterator)).toMatchObject({ type: 'ADDED', object: { name: 'orders-1' } });
    expect(store.stats.decodeErrors).toBe(1);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  it('ends with UNAVAILABLE when client-node cannot even send the watch (plain HTTP without skipTLSVerify)', async () => {
    const config = fakeKubeConfig('http://127.0.0.1:9', { skipTLSVerify: false });
    const store = await KubernetesMetadataStore.open({ cluster: 'c1', namespace: 'ns', kubeConfig: config });
    const iterator = store.partitions.watch({ resourceVersion: '1', signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow(/Cannot watch partitions: the client cannot send the request \(Error: HTTP protocol is not allowed/);
  });

  it('ends with FORBIDDEN when the API refuses the watch (no retry loop)', async () => {
    const { store, versions } = await watchServer([(response) => response.writeHead(403).end('{"kind":"Status","code":403,"reason":"Forbidden"}')]);
    const iterator = store.partitions.watch({ resourceVersion: '1', signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toSatisfy((err) => isMetadataStoreError(err, 'FORBIDDEN'));
    expect(versions).toEqual(['1']);
  });
});
