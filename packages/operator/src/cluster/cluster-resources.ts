import type { KubernetesObject, V1Container, V1PodSpec, V1StatefulSet } from '@kubernetes/client-node';
import { BROKER_RBAC_RULES, DEFAULT_OFFSETS_TOPIC_PARTITIONS, OFFSETS_TOPIC } from '@runnel/metadata';
import { CONFIG_HASH_ANNOTATION, controllerReference, managedLabels, selectorLabels, stableHash, withAppliedHash } from '../managed-labels.ts';
import { RUNNEL_API_VERSION, type ClusterResource } from '../runnel-resources.ts';

/** gRPC port of every broker (Log, Admin, Replica, health). Services use it as port and targetPort. */
export const BROKER_PORT = 9092;
/** Prometheus port of every broker. */
export const BROKER_METRICS_PORT = 9090;
/** Where the broker volume is mounted. */
export const DATA_PATH = '/var/lib/runnel';
/** Where the broker ConfigMap is mounted. */
export const CONFIG_PATH = '/etc/runnel';

/** Names of the objects made for a cluster. */
export function clusterObjectNames(cluster: string): { statefulSet: string; headless: string; client: string; configMap: string; pdb: string; serviceAccount: string } {
  return { statefulSet: cluster, headless: `${cluster}-brokers`, client: cluster, configMap: `${cluster}-config`, pdb: cluster, serviceAccount: `${cluster}-broker` };
}

/** The stable DNS name a broker advertises: `<pod>.<headless service>.<namespace>.svc.cluster.local`. */
export function brokerDnsName(cluster: string, namespace: string, brokerId: number): string {
  return `${cluster}-${brokerId}.${clusterObjectNames(cluster).headless}.${namespace}.svc.cluster.local`;
}

/** The broker configuration file (`key=value` lines, sorted) rendered from `spec.config`. */
export function renderBrokerConfig(config: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(config ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

/** The topic config keys `spec.topicDefaults` fields become (the broker's `--topic-default KEY=VALUE`). */
const TOPIC_DEFAULT_KEYS = { retentionMs: 'retention.ms', retentionBytes: 'retention.bytes', minInsyncReplicas: 'min.insync.replicas', durability: 'durability' } as const;

/** `spec.topicDefaults` as broker flags, in a fixed order (so an unchanged spec renders the same pod template). */
export function topicDefaultArgs(defaults: ClusterResource['spec']['topicDefaults']): string[] {
  const args: string[] = [];
  for (const [field, key] of Object.entries(TOPIC_DEFAULT_KEYS) as Array<[keyof typeof TOPIC_DEFAULT_KEYS, string]>) {
    const value = defaults?.[field];
    if (value !== undefined) args.push('--topic-default', `${key}=${value}`);
  }
  return args;
}

/**
 * Every object a Cluster is made of, as the operator applies it: ServiceAccount, Role and
 * RoleBinding (exactly `BROKER_RBAC_RULES`), ConfigMap, headless and client Services,
 * PodDisruptionBudget and the broker StatefulSet. Each carries the managed labels, a controller
 * reference to the Cluster and the hash of its own content (so an unchanged object is not
 * written again). `existing` is the live StatefulSet: its volume claim templates are immutable,
 * so they are kept as they are.
 */
export function clusterResources(cluster: ClusterResource, existing?: V1StatefulSet): KubernetesObject[] {
  const { name, namespace } = cluster.metadata;
  const names = clusterObjectNames(name);
  const owner = [controllerReference({ apiVersion: cluster.apiVersion, kind: 'Cluster', name, uid: cluster.metadata.uid })];
  const meta = (objectName: string, component: string): { name: string; namespace: string; labels: Record<string, string>; ownerReferences: typeof owner } => ({
    name: objectName,
    namespace,
    labels: managedLabels(name, component),
    ownerReferences: owner,
  });
  const config = renderBrokerConfig(cluster.spec.config);
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(names.serviceAccount, 'broker') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(names.serviceAccount, 'broker'),
      rules: BROKER_RBAC_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(names.serviceAccount, 'broker'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: names.serviceAccount, namespace }],
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(names.configMap, 'broker'), data: { 'broker.properties': config } } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(names.headless, 'broker'),
      spec: {
        clusterIP: 'None',
        // Brokers find each other (and clients their leaders) before they are Ready.
        publishNotReadyAddresses: true,
        selector: selectorLabels(name),
        ports: [{ name: 'grpc', port: BROKER_PORT, targetPort: BROKER_PORT }],
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(names.client, 'bootstrap'),
      spec: { selector: selectorLabels(name), ports: [{ name: 'grpc', port: BROKER_PORT, targetPort: BROKER_PORT }] },
    } as KubernetesObject,
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(names.pdb, 'broker'),
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } },
    } as KubernetesObject,
    brokerStatefulSet(cluster, meta(names.statefulSet, 'broker'), stableHash(config), existing),
  ];
  return objects.map(withAppliedHash);
}

function brokerStatefulSet(cluster: ClusterResource, metadata: V1StatefulSet['metadata'], configHash: string, existing: V1StatefulSet | undefined): KubernetesObject {
  const { name } = cluster.metadata;
  const names = clusterObjectNames(name);
  const spec = cluster.spec;
  const template = spec.podTemplate ?? {};
  const container: V1Container = {
    name: 'broker',
    image: spec.image,
    // The image's entrypoint is `runnel`; the broker id is the pod ordinal (the StatefulSet's pod-index label).
    args: [
      'broker',
      '--id', '$(RUNNEL_BROKER_ID)',
      '--host', '$(POD_IP)',
      '--port', String(BROKER_PORT),
      '--advertised-host', `$(POD_NAME).${names.headless}.$(POD_NAMESPACE).svc.cluster.local`,
      '--data-dir', DATA_PATH,
      '--cluster-id', name,
      '--metadata', 'kubernetes',
      '--namespace', '$(POD_NAMESPACE)',
      '--cluster', name,
      '--metrics-port', String(BROKER_METRICS_PORT),
      ...topicDefaultArgs(spec.topicDefaults),
      // The broker's rack is the pod's label of the topology key: the API server copies
      // topology.kubernetes.io/{zone,region} from the node (PodTopologyLabelsAdmission); for other
      // keys a webhook or policy must set it. Empty (no label) = no rack.
      ...(spec.rackAwareness ? ['--rack', '$(RUNNEL_RACK)'] : []),
    ],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'RUNNEL_BROKER_ID', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
      ...(spec.rackAwareness ? [{ name: 'RUNNEL_RACK', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${spec.rackAwareness.topologyKey}']` } } }] : []),
    ],
    ports: [
      { name: 'grpc', containerPort: BROKER_PORT },
      { name: 'metrics', containerPort: BROKER_METRICS_PORT },
    ],
    volumeMounts: [
      { name: 'data', mountPath: DATA_PATH },
      { name: 'config', mountPath: CONFIG_PATH, readOnly: true },
    ],
    // A starting broker may wait a lease duration for its previous incarnation's Lease: the
    // startup probe gives it time before liveness counts.
    startupProbe: { grpc: { port: BROKER_PORT }, periodSeconds: 2, failureThreshold: 90 },
    readinessProbe: { grpc: { port: BROKER_PORT }, periodSeconds: 2, failureThreshold: 2 },
    livenessProbe: { grpc: { port: BROKER_PORT }, periodSeconds: 10, failureThreshold: 6 },
    ...(spec.resources ? { resources: spec.resources } : {}),
  };
  const podSpec: V1PodSpec = {
    serviceAccountName: names.serviceAccount,
    // Room for the clean shutdown: leaderships handed over, logs flushed, broker Lease released.
    terminationGracePeriodSeconds: 60,
    containers: [container],
    volumes: [{ name: 'config', configMap: { name: names.configMap } }],
    ...(template.nodeSelector ? { nodeSelector: template.nodeSelector } : {}),
    ...(template.affinity ? { affinity: template.affinity } : {}),
    ...(template.tolerations ? { tolerations: template.tolerations } : {}),
    ...(template.priorityClassName ? { priorityClassName: template.priorityClassName } : {}),
  };
  const claimTemplates = existing?.spec?.volumeClaimTemplates?.map((t) => ({ metadata: { name: t.metadata?.name, labels: t.metadata?.labels }, spec: t.spec })) ?? [
    {
      metadata: { name: 'data', labels: managedLabels(name, 'broker') },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: spec.storage.size } },
        ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
      },
    },
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata,
    spec: {
      serviceName: names.headless,
      replicas: spec.replicas,
      // Brokers start independently (each waits only for its own Lease); the operator orders restarts.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: {
          labels: { ...managedLabels(name, 'broker'), ...selectorLabels(name) },
          annotations: { ...template.annotations, [CONFIG_HASH_ANNOTATION]: configHash },
        },
        spec: podSpec,
      },
      volumeClaimTemplates: claimTemplates,
    },
  } as KubernetesObject;
}

/** Name of the Topic resource of a Cluster's `__consumer_offsets` (object names cannot hold `_`; the cluster keeps it unique in the namespace). */
export function offsetsTopicObjectName(cluster: string): string {
  return `${cluster}-consumer-offsets`;
}

/**
 * The Topic of the Cluster's consumer group topic `__consumer_offsets`, as Kafka's brokers create
 * it: compacted, RF min(3, brokers), min.insync.replicas min(2, RF), `spec.consumerOffsets.partitions`
 * partitions (default 50, Kafka's `offsets.topic.num.partitions`). Brokers on
 * Kubernetes may only read Topics, so the operator declares it; it is owned by the Cluster and
 * created once (the replication factor and partition count are fixed from then on: the partition
 * count decides which partition holds a group).
 */
export function offsetsTopicResource(cluster: ClusterResource): KubernetesObject {
  const { name, namespace } = cluster.metadata;
  const rf = Math.min(3, cluster.spec.replicas);
  return withAppliedHash({
    apiVersion: RUNNEL_API_VERSION,
    kind: 'Topic',
    metadata: {
      name: offsetsTopicObjectName(name),
      namespace,
      labels: managedLabels(name, 'consumer-groups'),
      ownerReferences: [controllerReference({ apiVersion: cluster.apiVersion, kind: 'Cluster', name, uid: cluster.metadata.uid })],
    },
    spec: {
      topicName: OFFSETS_TOPIC,
      partitions: cluster.spec.consumerOffsets?.partitions ?? DEFAULT_OFFSETS_TOPIC_PARTITIONS,
      replicationFactor: rf,
      minInsyncReplicas: Math.min(2, rf),
      configs: { 'cleanup.policy': 'compact' },
    },
  } as KubernetesObject);
}
