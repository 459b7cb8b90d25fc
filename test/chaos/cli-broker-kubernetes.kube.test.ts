// `runnel broker --metadata kubernetes` on the real control plane: the broker process takes its
// broker Lease in the given namespace and cluster, serves a topic defined as a Topic resource, and
// releases nothing it should keep on a clean shutdown (exit 0).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Consumer, Producer } from '@runnel/client';
import { applyCrds, brokerRegistrationName, openKubernetesMetadataStore, type KubernetesMetadataStore } from '@runnel/metadata';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTopic } from './chaos-cluster.ts';

const MAIN = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));
const kube = kubeTest();
const hex = (): string => randomBytes(4).toString('hex');

let dir: string;
let namespace: string;
let store: KubernetesMetadataStore | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runnel-cli-kube-'));
  await applyCrds(kube.kubeConfig);
  namespace = await kube.createNamespace('cli-broker');
});

afterAll(async () => {
  await store?.close();
  await kube.deleteNamespace(namespace);
  await rm(dir, { recursive: true, force: true });
});

it('runs a broker on the kubernetes store: broker Lease in the namespace, a Topic resource served, clean exit', async () => {
  const cluster = `cli-${hex()}`;
  const topic = `cli-topic-${hex()}`;
  store = await openKubernetesMetadataStore({ cluster, namespace, kubeconfigPath: kube.context.kubeconfigPath, requestTimeoutMs: 5_000 });
  await createTopic(store, topic, { partitions: 2, replicationFactor: 1, brokers: 1 });
  const child = spawn(
    process.execPath,
    [MAIN, 'broker', '--id', '0', '--port', '0', '--data-dir', join(dir, 'b0'), '--metadata', 'kubernetes', '--namespace', namespace, '--cluster', cluster, '--kubeconfig', kube.context.kubeconfigPath],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const bootstrap = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`runnel broker exited with ${code} before it was ready:\n${stderr}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^bootstrap: (\S+)$/.exec(line);
        if (m) resolve(m[1]!);
      });
    });
    const registration = await store.brokers.get(brokerRegistrationName(0));
    expect(registration?.value).toMatchObject({ id: 0, port: Number(bootstrap.split(':').at(-1)) });
    const producer = new Producer({ bootstrap });
    const consumer = new Consumer({ bootstrap, autoOffsetReset: 'earliest', maxWaitMs: 100 });
    try {
      const meta = await producer.send({ topic, partition: 1, value: 'through kubernetes' });
      expect(meta).toMatchObject({ partition: 1, offset: 0 });
      consumer.assign([{ topic, partition: 1 }]);
      for await (const record of consumer.records({ signal: AbortSignal.timeout(20_000) })) {
        expect(record.value?.toString()).toBe('through kubernetes');
        break;
      }
    } finally {
      await producer.close();
      await consumer.close();
    }
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
});
