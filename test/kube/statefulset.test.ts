// A StatefulSet of a tiny server on the process kubelet: ordered start gated by readiness, stable
// identities (hostname, DNS names), per-claim volumes at their real mountPath, restart after a crash with data intact,
// scale-down of the highest ordinal, and garbage collection of the pods.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeTest } from './src/index.ts';

const kube = kubeTest();
const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
const server = fileURLToPath(new URL('./fixtures/tiny-server.ts', import.meta.url));
let namespace: string;

interface ServerState {
  readonly pod: string;
  readonly hostname: string;
  readonly namespace: string;
  readonly boots: readonly string[];
  readonly tokenLength: number;
}

const statefulSet = (): V1StatefulSet => ({
  metadata: { name: 'web' },
  spec: {
    serviceName: 'web',
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [{
          name: 'server',
          image: 'busybox:1.36',
          command: [process.execPath, server],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
          livenessProbe: { grpc: { port: 9090 }, periodSeconds: 1, failureThreshold: 5 },
        }],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
  },
});

async function pods(): Promise<V1Pod[]> {
  return (await kube.core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
}

const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function state(pod: V1Pod): Promise<ServerState> {
  const response = await fetch(`http://${pod.status?.podIP}:8080/state`);
  return (await response.json()) as ServerState;
}

async function resolveFrom(pod: V1Pod | undefined, name: string): Promise<{ address?: string; error?: string }> {
  const response = await fetch(`http://${pod?.status?.podIP}:8080/resolve?name=${encodeURIComponent(name)}`);
  return (await response.json()) as { address?: string; error?: string };
}

async function readyPods(count: number): Promise<V1Pod[]> {
  return eventually(`${count} Ready web pods`, async () => {
    const current = (await pods()).filter((pod) => !pod.metadata?.deletionTimestamp);
    return current.length === count && current.every(isReady) ? current.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')) : undefined;
  });
}

// Skipped only under RUNNEL_TEST_KUBECONFIG (an external cluster): these tests need the process kubelet.
describe.skipIf(!kube.context.kubeletDir)('StatefulSet on the process kubelet', () => {
  beforeAll(async () => {
    namespace = await kube.createNamespace('sts');
    await kube.core.createNamespacedService({ namespace, body: { metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 8080 }] } } });
    await apps.createNamespacedStatefulSet({ namespace, body: statefulSet() });
  });
  afterAll(async () => {
    await kube.deleteNamespace(namespace);
  });

  it('runs 3 Ready pods with stable names, own IPs and own volumes', async () => {
    const running = await readyPods(3);
    expect(running.map((pod) => pod.metadata?.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(running.map((pod) => pod.status?.phase)).toEqual(['Running', 'Running', 'Running']);
    expect(new Set(running.map((pod) => pod.status?.podIP)).size).toBe(3);
    for (const pod of running) {
      const served = await state(pod);
      expect(served.pod).toBe(pod.metadata?.name);
      expect(served.hostname).toBe(pod.metadata?.name);
      expect(served.namespace).toBe(namespace);
      // Each claim is its own directory, mounted at /data: a pod sees only its own boots.
      expect(served.boots).toEqual([expect.stringMatching(new RegExp(`^${pod.metadata?.name} `))]);
      // The projected service-account token is at its real path.
      expect(served.tokenLength).toBeGreaterThan(100);
    }
    const claims = (await kube.core.listNamespacedPersistentVolumeClaim({ namespace })).items;
    expect(claims.map((claim) => [claim.metadata?.name, claim.status?.phase]).sort()).toEqual([
      ['data-web-0', 'Bound'], ['data-web-1', 'Bound'], ['data-web-2', 'Bound'],
    ]);
    // Peers find each other by their stable DNS names, from inside the pods. Records follow pod
    // status, so, as with real cluster DNS, they may lag the API by a moment.
    const [web0, , web2] = running;
    const resolves = (from: V1Pod | undefined, name: string, expected: readonly (string | undefined)[]): Promise<string> =>
      eventually(`${name} to resolve from ${from?.metadata?.name}`, async () => {
        const { address } = await resolveFrom(from, name);
        return address !== undefined && expected.includes(address) ? address : undefined;
      }, { timeoutMs: 10_000 });
    await resolves(web0, 'web-2.web', [web2?.status?.podIP]);
    await resolves(web2, `web-0.web.${namespace}.svc.cluster.local`, [web0?.status?.podIP]);
    await resolves(web0, `web.${namespace}.svc`, running.map((pod) => pod.status?.podIP));
    const log = await readFile(kube.logPath(namespace, 'web-0', 'server'), 'utf8');
    expect(log).toContain('tiny-server web-0 listening');
  });

  it('restarts a killed container with its volume data intact', async () => {
    const [, before] = await readyPods(3);
    if (!before) throw new Error('web-1 is missing');
    const pid = Number(before.status?.containerStatuses?.[0]?.containerID?.replace('process://', ''));
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    const after = await eventually('web-1 restarted and Ready', async () => {
      const pod = await kube.core.readNamespacedPod({ name: 'web-1', namespace });
      return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && isReady(pod) ? pod : undefined;
    });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(137);
    const served = await state(after);
    expect(served.boots).toHaveLength(2);
    expect(served.boots[0]).toBe((await state(before)).boots[0]);
  });

  it('scales down by removing the highest ordinal', async () => {
    const [web0, web1] = await readyPods(3);
    const scaled = await kube.kubectl(['scale', 'statefulset/web', '--replicas=2', '-n', namespace]);
    expect(scaled.code, scaled.stderr).toBe(0);
    await eventually('web-2 to be gone', async () => ((await pods()).some((pod) => pod.metadata?.name === 'web-2') ? undefined : true));
    const remaining = await readyPods(2);
    expect(remaining.map((pod) => pod.metadata?.uid)).toEqual([web0?.metadata?.uid, web1?.metadata?.uid]);
  });

  it('garbage-collects the pods when the StatefulSet is deleted', async () => {
    const owned = await pods();
    expect(owned.every((pod) => pod.metadata?.ownerReferences?.some((ref) => ref.kind === 'StatefulSet' && ref.name === 'web'))).toBe(true);
    await apps.deleteNamespacedStatefulSet({ name: 'web', namespace, body: { propagationPolicy: 'Background' } });
    await eventually('the garbage collector to remove the pods', async () => ((await pods()).length === 0 ? true : undefined));
    // Claims outlive their pods (the StatefulSet's default retention), so data is not lost.
    const claims = (await kube.core.listNamespacedPersistentVolumeClaim({ namespace })).items;
    expect(claims).toHaveLength(3);
  });
});
