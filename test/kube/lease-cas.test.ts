// Runnel's fencing primitive on the real apiserver: two pods (in-cluster config, their own
// ServiceAccount limited by a Role) race to CAS one Lease; each resourceVersion has one winner.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeTest } from './src/index.ts';

const kube = kubeTest();
const contender = fileURLToPath(new URL('./fixtures/lease-contender.ts', import.meta.url));
let namespace: string;

interface Attempt {
  readonly rv: string;
  readonly won: boolean;
  readonly newRv?: string;
}

const contenderPod = (name: string): V1Pod => ({
  metadata: { name, labels: { app: 'contender' } },
  spec: {
    serviceAccountName: 'contender',
    restartPolicy: 'Never',
    containers: [{
      name: 'contender',
      image: 'busybox',
      command: [process.execPath, contender],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'LEASE_NAME', value: 'leader' },
      ],
    }],
  },
});

// Skipped only under RUNNEL_TEST_KUBECONFIG (an external cluster): the contenders run as pods on the process kubelet.
describe.skipIf(!kube.context.kubeletDir)('Lease compare-and-swap', () => {
  beforeAll(async () => {
    namespace = await kube.createNamespace('lease');
    const rbac = kube.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'contender' } } });
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'leases' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'contender-leases' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leases' },
        subjects: [{ kind: 'ServiceAccount', name: 'contender', namespace }],
      },
    });
    const leases = kube.kubeConfig.makeApiClient(CoordinationV1Api);
    await leases.createNamespacedLease({ namespace, body: { metadata: { name: 'leader' }, spec: { leaseTransitions: 0 } } });
  });
  afterAll(async () => {
    await kube.deleteNamespace(namespace);
  });

  it('lets exactly one of two contending processes win each resourceVersion', async () => {
    await Promise.all(['a', 'b'].map((name) => kube.core.createNamespacedPod({ namespace, body: contenderPod(`contender-${name}`) })));
    const finished = await eventually('both contenders to finish', async () => {
      const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: 'app=contender' })).items;
      return pods.length === 2 && pods.every((pod) => ['Succeeded', 'Failed'].includes(pod.status?.phase ?? '')) ? pods : undefined;
    }, { timeoutMs: 90_000 });

    const attempts: Attempt[] = [];
    for (const pod of finished) {
      const log = await readFile(kube.logPath(namespace, pod.metadata?.name ?? '', 'contender'), 'utf8');
      expect(pod.status?.phase, log).toBe('Succeeded');
      const lines = log.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      // The Role grants Leases only: RBAC is enforced for the pod's own identity.
      expect(lines[0]).toEqual({ rbacListSecrets: 403 });
      attempts.push(...lines.filter((line): line is Attempt & Record<string, unknown> => typeof line['rv'] === 'string'));
    }

    const byVersion = Map.groupBy(attempts, (attempt) => attempt.rv);
    expect(attempts.some((attempt) => !attempt.won), 'the contenders never collided').toBe(true);
    for (const [rv, tries] of byVersion) {
      // Zero winners would mean a lost update; two would mean CAS is broken.
      expect(tries.filter((attempt) => attempt.won), `winners from resourceVersion ${rv}`).toHaveLength(1);
    }
    // The winners form one chain: each new version was created by exactly one win.
    const created = attempts.filter((attempt) => attempt.won).map((attempt) => attempt.newRv);
    expect(new Set(created).size).toBe(created.length);
  });
});
