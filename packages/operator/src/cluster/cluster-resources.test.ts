import type { KubernetesObject, V1StatefulSet } from '@kubernetes/client-node';
import { BROKER_RBAC_RULES } from '@runnel/metadata';
import { describe, expect, it } from 'vitest';
import { APPLIED_HASH_ANNOTATION, CONFIG_HASH_ANNOTATION, isUpToDate } from '../managed-labels.ts';
import type { ClusterResource } from '../runnel-resources.ts';
import { clusterResources, offsetsTopicResource, renderBrokerConfig } from './cluster-resources.ts';

const cluster = (spec: Partial<ClusterResource['spec']> = {}): ClusterResource => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'main', namespace: 'ns', uid: 'uid-1', generation: 1, resourceVersion: '1' },
  spec: { replicas: 3, image: 'ghcr.io/runnel/runnel:1', storage: { size: '10Gi' }, ...spec },
});
// Tests dig into the rendered manifests by path; the values are plain JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const byKind = (objects: KubernetesObject[], kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name)) as Record<string, any>;

describe('clusterResources', () => {
  it('makes every object with a controller reference to the Cluster and the recommended labels', () => {
    const objects = clusterResources(cluster());
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(
      ['ConfigMap/main-config', 'PodDisruptionBudget/main', 'Role/main-broker', 'RoleBinding/main-broker', 'Service/main', 'Service/main-brokers', 'ServiceAccount/main-broker', 'StatefulSet/main'].sort(),
    );
    for (const o of objects) {
      expect(o.metadata?.namespace).toBe('ns');
      expect(o.metadata?.ownerReferences).toEqual([{ apiVersion: 'runnel.dev/v1alpha1', kind: 'Cluster', name: 'main', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
      expect(o.metadata?.labels).toMatchObject({ 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/instance': 'main', 'app.kubernetes.io/managed-by': 'runnel-operator', 'runnel.dev/cluster': 'main' });
      expect(o.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(byKind(objects, 'Role')['rules']).toEqual(BROKER_RBAC_RULES);
    expect(byKind(objects, 'PodDisruptionBudget')['spec']['maxUnavailable']).toBe(1);
  });

  it('builds a StatefulSet the operator rolls itself: OnDelete, a PVC per broker, the ordinal as broker id, gRPC probes', () => {
    const sts = byKind(clusterResources(cluster({ storage: { size: '10Gi', storageClassName: 'fast' } })), 'StatefulSet');
    expect(sts['spec']).toMatchObject({ replicas: 3, serviceName: 'main-brokers', updateStrategy: { type: 'OnDelete' } });
    expect(sts['spec']['volumeClaimTemplates'][0]['spec']).toMatchObject({ resources: { requests: { storage: '10Gi' } }, storageClassName: 'fast' });
    const c = sts['spec']['template']['spec']['containers'][0];
    expect(c['args'].slice(0, 3)).toEqual(['broker', '--id', '$(RUNNEL_BROKER_ID)']);
    expect(c['env'].find((e: { name: string }) => e.name === 'RUNNEL_BROKER_ID')['valueFrom']['fieldRef']['fieldPath']).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe]['grpc']).toEqual({ port: 9092 });
  });

  it('applies pod template overrides', () => {
    const sts = byKind(
      clusterResources(
        cluster({ podTemplate: { annotations: { team: 'data' }, nodeSelector: { disk: 'ssd' }, priorityClassName: 'high', tolerations: [{ key: 'dedicated', operator: 'Exists' }], affinity: { podAntiAffinity: {} } } }),
      ),
      'StatefulSet',
    );
    const template = sts['spec']['template'];
    expect(template['metadata']['annotations']).toMatchObject({ team: 'data' });
    expect(template['spec']).toMatchObject({ nodeSelector: { disk: 'ssd' }, priorityClassName: 'high', tolerations: [{ key: 'dedicated', operator: 'Exists' }], affinity: { podAntiAffinity: {} } });
  });

  it('changes the pod template (so the brokers roll) when and only when the broker config changes', () => {
    const template = (config?: Record<string, string>) => byKind(clusterResources(cluster(config ? { config } : {})), 'StatefulSet')['spec']['template']['metadata']['annotations'][CONFIG_HASH_ANNOTATION];
    expect(template({ a: '1', b: '2' })).toBe(template({ b: '2', a: '1' }));
    expect(template({ a: '1' })).not.toBe(template({ a: '2' }));
    expect(renderBrokerConfig({ b: '2', a: '1' })).toBe('a=1\nb=2\n');
  });

  it('keeps the live StatefulSet volume claim templates (immutable), so a larger spec.storage.size does not make an invalid update', () => {
    const live = byKind(clusterResources(cluster()), 'StatefulSet') as V1StatefulSet;
    const sts = byKind(clusterResources(cluster({ storage: { size: '20Gi' } }), live), 'StatefulSet');
    expect(sts['spec']['volumeClaimTemplates'][0]['spec']['resources']['requests']['storage']).toBe('10Gi');
  });

  it('marks an unchanged object as up to date by its applied hash, and a changed or deleting one as not', () => {
    const [first] = clusterResources(cluster());
    const [same] = clusterResources(cluster());
    const [changed] = clusterResources({ ...cluster(), metadata: { ...cluster().metadata, uid: 'uid-2' } });
    expect(isUpToDate(first, same!)).toBe(true);
    expect(isUpToDate(first, changed!)).toBe(false);
    expect(isUpToDate(undefined, same!)).toBe(false);
    expect(isUpToDate({ ...first, metadata: { ...first!.metadata, deletionTimestamp: new Date() } }, same!)).toBe(false);
  });
});

describe('Cluster.spec.topicDefaults', () => {
  const args = (spec: Partial<ClusterResource['spec']>): string[] => byKind(clusterResources(cluster(spec)), 'StatefulSet')['spec']['template']['spec']['containers'][0]['args'];

  it('reach every broker as --topic-default flags, and none without them', () => {
    expect(args({ topicDefaults: { retentionMs: 3_600_000, minInsyncReplicas: 2, durability: 'replicated', retentionBytes: -1 } }).slice(-8)).toEqual([
      '--topic-default', 'retention.ms=3600000',
      '--topic-default', 'retention.bytes=-1',
      '--topic-default', 'min.insync.replicas=2',
      '--topic-default', 'durability=replicated',
    ]);
    expect(args({})).not.toContain('--topic-default');
  });

  it('change the pod template (so a change rolls the brokers), and only when they change', () => {
    const hash = (spec: Partial<ClusterResource['spec']>) => byKind(clusterResources(cluster(spec)), 'StatefulSet')['metadata']['annotations'][APPLIED_HASH_ANNOTATION];
    expect(hash({ topicDefaults: { minInsyncReplicas: 2 } })).not.toBe(hash({}));
    expect(hash({ topicDefaults: { minInsyncReplicas: 2 } })).toBe(hash({ topicDefaults: { minInsyncReplicas: 2 } }));
  });
});

describe('Cluster.spec.rackAwareness', () => {
  const container = (spec: Partial<ClusterResource['spec']>) => byKind(clusterResources(cluster(spec)), 'StatefulSet')['spec']['template']['spec']['containers'][0];

  it("gives each broker --rack from the pod's label of the topology key (downward API)", () => {
    const c = container({ rackAwareness: { topologyKey: 'topology.kubernetes.io/zone' } });
    expect(c['args']).toEqual(expect.arrayContaining(['--rack', '$(RUNNEL_RACK)']));
    expect(c['env'].find((e: { name: string }) => e.name === 'RUNNEL_RACK')['valueFrom']['fieldRef']['fieldPath']).toBe("metadata.labels['topology.kubernetes.io/zone']");
  });

  it('passes no rack without rack awareness', () => {
    const c = container({});
    expect(c['args']).not.toContain('--rack');
    expect(c['env'].map((e: { name: string }) => e.name)).not.toContain('RUNNEL_RACK');
  });
});

describe('offsetsTopicResource', () => {
  it("declares the Cluster's __consumer_offsets as Kafka's brokers create it: compacted, RF min(3, brokers), minISR min(2, RF), 50 partitions, owned by the Cluster", () => {
    const topic = offsetsTopicResource(cluster()) as ReturnType<typeof byKind>;
    expect(topic['apiVersion']).toBe('runnel.dev/v1alpha1');
    expect(topic['kind']).toBe('Topic');
    // `_` is not allowed in object names: the Kafka name goes in spec.topicName.
    expect(topic['metadata']).toMatchObject({ name: 'main-consumer-offsets', namespace: 'ns', labels: { 'runnel.dev/cluster': 'main', 'app.kubernetes.io/managed-by': 'runnel-operator' } });
    expect(topic['metadata']['name']).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(topic['metadata']['ownerReferences']).toEqual([{ apiVersion: 'runnel.dev/v1alpha1', kind: 'Cluster', name: 'main', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    expect(topic['spec']).toEqual({ topicName: '__consumer_offsets', partitions: 50, replicationFactor: 3, minInsyncReplicas: 2, configs: { 'cleanup.policy': 'compact' } });
  });

  it('fits the replication factor and minISR to small clusters and keeps RF 3 on large ones', () => {
    const spec = (replicas: number) => (offsetsTopicResource(cluster({ replicas })) as ReturnType<typeof byKind>)['spec'];
    expect(spec(1)).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(spec(2)).toMatchObject({ replicationFactor: 2, minInsyncReplicas: 2 });
    expect(spec(5)).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('takes its partition count from spec.consumerOffsets.partitions', () => {
    const spec = (offsetsTopicResource(cluster({ consumerOffsets: { partitions: 3 } })) as ReturnType<typeof byKind>)['spec'];
    expect(spec).toMatchObject({ topicName: '__consumer_offsets', partitions: 3 });
    expect((offsetsTopicResource(cluster({ consumerOffsets: {} })) as ReturnType<typeof byKind>)['spec']).toMatchObject({ partitions: 50 });
  });
});

