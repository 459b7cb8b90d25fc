// The generated CRDs on the real API server: a Topic declared with kubectl is read through the
// store and provisioned into partition Leases; invalid Topics and Clusters are refused at admission
// with the CEL and schema messages; `kubectl get topics` prints the health columns.
import { randomBytes } from 'node:crypto';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesMetadataStore } from '../kubernetes/kubernetes-metadata-store.ts';
import { provisionPartitions } from '../provision-partitions.ts';
import { partitionStateName } from '../topic-model.ts';
import { applyCrds } from './apply-crds.ts';
import { CRD_DIRECTORY } from './generate-crds.ts';
import { renderCrds } from './render-crds.ts';

const kube = kubeTest();
let namespace: string;
const cluster = `c-${randomBytes(3).toString('hex')}`;

const topicYaml = (name: string, spec: string, extraMeta = ''): string => `apiVersion: runnel.dev/v1alpha1
kind: Topic
metadata:
  name: ${name}
  labels:
    runnel.dev/cluster: ${cluster}${extraMeta}
spec:
${spec}
`;

async function apply(yaml: string): Promise<{ code: number; stderr: string; stdout: string }> {
  return kube.kubectl(['apply', '-n', namespace, '-f', '-'], { input: yaml });
}

describe('Runnel CRDs on the real API server', () => {
  beforeAll(async () => {
    await applyCrds(kube.kubeConfig);
    // Applying twice is a no-op (the operator and the tests both call it).
    await applyCrds(kube.kubeConfig);
    namespace = await kube.createNamespace('crds');
  });
  afterAll(async () => {
    await kube.deleteNamespace(namespace);
  });

  it('a Topic declared with kubectl is read by the store and provisioned into partition Leases', async () => {
    const applied = await apply(topicYaml('orders', '  topicName: Orders_v1\n  partitions: 3\n  replicationFactor: 2\n  configs:\n    retention.ms: "60000"'));
    expect(applied.stderr).toBe('');
    const store = await KubernetesMetadataStore.open({ cluster, namespace, kubeConfig: kube.kubeConfig });
    try {
      const declared = await store.topics.get('Orders_v1');
      expect(declared?.value).toEqual({ name: 'Orders_v1', topicId: '', assignments: [], partitions: 3, replicationFactor: 2, configs: { 'retention.ms': '60000' } });
      const result = await provisionPartitions(store, 'Orders_v1', { brokers: [0, 1, 2] });
      expect(result.created).toHaveLength(3);
      const leases = (await kube.kubeConfig.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace, labelSelector: `runnel.dev/cluster=${cluster}` })).items;
      expect(leases.map((l) => l.metadata?.name).sort()).toEqual([0, 1, 2].map((p) => `${cluster}-orders-v1-${/-([0-9a-f]{8})-0$/.exec(leases[0]?.metadata?.name ?? '')?.[1]}-${p}`).sort());
      const again = await provisionPartitions(store, 'Orders_v1', { brokers: [0, 1, 2] });
      expect(again.existing).toHaveLength(3);
      // The user grows the topic with kubectl; provisioning adds only the new partitions.
      expect((await apply(topicYaml('orders', '  topicName: Orders_v1\n  partitions: 4\n  replicationFactor: 2\n  configs:\n    retention.ms: "60000"'))).stderr).toBe('');
      const grown = await provisionPartitions(store, 'Orders_v1', { brokers: [0, 1, 2] });
      expect(grown.created).toEqual([partitionStateName('Orders_v1', 3)]);
      expect(grown.topic.value.assignments.slice(0, 3)).toEqual(result.topic.value.assignments);
      const raw = await kube.kubectl(['get', 'topic', 'orders', '-n', namespace, '-o', 'jsonpath={.metadata.annotations.runnel\\.dev/topic}']);
      expect(JSON.parse(raw.stdout)).toMatchObject({ topicId: result.topic.value.topicId });
    } finally {
      await store.close();
    }
  });

  it('refuses to decrease partitions, with the CEL message', async () => {
    expect((await apply(topicYaml('shrink', '  partitions: 4\n  replicationFactor: 1'))).code).toBe(0);
    const refused = await apply(topicYaml('shrink', '  partitions: 2\n  replicationFactor: 1'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('spec.partitions cannot decrease: partitions can only be added');
  });

  it('refuses a bad enum, a bad topic name, minInsyncReplicas above RF and a changed topicName', async () => {
    const badEnum = await apply(topicYaml('enum', '  partitions: 1\n  replicationFactor: 1\n  deletionPolicy: Keep'));
    expect(badEnum.stderr).toMatch(/spec\.deletionPolicy: Unsupported value: "Keep": supported values: "Delete", "Retain"/);
    const badName = await apply(topicYaml('badname', '  topicName: "no spaces"\n  partitions: 1\n  replicationFactor: 1'));
    expect(badName.stderr).toMatch(/spec\.topicName in body should match/);
    const dots = await apply(topicYaml('dots', '  topicName: ".."\n  partitions: 1\n  replicationFactor: 1'));
    expect(dots.stderr).toContain("topicName must not be '.' or '..'");
    const isr = await apply(topicYaml('isr', '  partitions: 1\n  replicationFactor: 2\n  minInsyncReplicas: 3'));
    expect(isr.stderr).toContain('spec.minInsyncReplicas must not exceed spec.replicationFactor');
    const zero = await apply(topicYaml('zero', '  partitions: 0\n  replicationFactor: 1'));
    expect(zero.stderr).toMatch(/spec\.partitions: Invalid value: 0: spec\.partitions in body should be greater than or equal to 1/);
    expect((await apply(topicYaml('renamed', '  topicName: a\n  partitions: 1\n  replicationFactor: 1'))).code).toBe(0);
    expect((await apply(topicYaml('renamed', '  topicName: b\n  partitions: 1\n  replicationFactor: 1'))).stderr).toContain('spec.topicName is immutable');
    const listed = await kube.kubectl(['get', 'topics', '-n', namespace, '-o', 'name']);
    expect(listed.stdout.split('\n').filter(Boolean).sort()).toEqual(['topic.runnel.dev/orders', 'topic.runnel.dev/renamed', 'topic.runnel.dev/shrink']);
  });

  it('refuses a Cluster whose volumes would shrink or that has no image', async () => {
    const clusterYaml = (size: string, image = 'runnel:dev'): string =>
      `apiVersion: runnel.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: main\nspec:\n  replicas: 3\n  image: "${image}"\n  storage:\n    size: ${size}\n`;
    expect((await apply(clusterYaml('10Gi'))).stderr).toBe('');
    expect((await apply(clusterYaml('20Gi'))).stderr).toBe('');
    expect((await apply(clusterYaml('5Gi'))).stderr).toContain('spec.storage.size cannot shrink');
    expect((await apply(clusterYaml('lots'))).stderr).toMatch(/spec\.storage\.size in body should match/);
    expect((await apply(clusterYaml('20Gi', ''))).stderr).toMatch(/spec\.image in body should be at least 1 chars long/);
    const offsets = (partitions: number): string => `${clusterYaml('20Gi')}  consumerOffsets:\n    partitions: ${partitions}\n`;
    expect((await apply(offsets(0))).stderr).toMatch(/spec\.consumerOffsets\.partitions in body should be greater than or equal to 1/);
    expect((await apply(offsets(1001))).stderr).toMatch(/spec\.consumerOffsets\.partitions in body should be less than or equal to 1000/);
    expect((await apply(offsets(3))).stderr).toBe('');
  });

  it('the checked-in deploy/crds files apply with kubectl (server-side dry run)', async () => {
    for (const crd of renderCrds()) {
      const result = await kube.kubectl(['apply', '--dry-run=server', '-f', `${CRD_DIRECTORY}${crd.file}`]);
      // (A warning about the missing last-applied annotation is expected: applyCrds created them.)
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('(server dry run)');
      expect(result.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd.file.replace(/\.yaml$/, '')}`);
    }
  });

  it('kubectl get topics prints partitions, RF, under-replicated, offline, ready and age', async () => {
    const table = await kube.kubectl(['get', 'topics', '-n', namespace]);
    expect(table.stdout.split('\n')[0]?.split(/\s+/).filter(Boolean)).toEqual(['NAME', 'PARTITIONS', 'RF', 'UNDER-REPLICATED', 'OFFLINE', 'READY', 'AGE']);
    // PARTITIONS and the health columns come from the status the operator writes (none here): only RF is set.
    expect(table.stdout).toMatch(/^orders\s+2\s+\S+\s*$/m);
  });
});
