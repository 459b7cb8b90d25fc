import { MetadataStoreError } from '../errors.ts';
import type { Versioned } from '../metadata-store.ts';
import { brokerRegistrationName, partitionStateName, type BrokerRegistration, type PartitionState } from '../topic-model.ts';
import { microTimeNow, parseAnnotation, resourceVersionOf, type KubeObject, type ResourceCodec, type ResourceRef } from './kube-object.ts';
import {
  BROKER_ANNOTATION,
  BROKER_ID_LABEL,
  CLUSTER_LABEL,
  LEASE_KIND_LABEL,
  PARTITION_ANNOTATION,
  brokerLeaseName,
  parseBrokerRegistrationName,
  parsePartitionStateName,
  partitionLeaseName,
  replicaLabel,
} from './kube-names.ts';

/** coordination.k8s.io/v1 Leases. */
export const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' };

/**
 * Partition state ⇄ partition Lease (DESIGN.md §6): `holderIdentity` = `<id>/<brokerEpoch>` of the
 * leader, `leaseTransitions` = leaderEpoch (absent while the epoch is -1, since the API rejects
 * negative transitions), every other field in the JSON annotation `runnel.dev/partition` — including
 * fields added to the model later, which pass through unchanged. One label per replica broker lets a
 * broker list and watch only its own partitions.
 */
export function partitionLeaseCodec(cluster: string): ResourceCodec<PartitionState> {
  return {
    collection: 'partitions',
    resource: LEASES,
    labelSelector: `${CLUSTER_LABEL}=${cluster},${LEASE_KIND_LABEL}=partition`,
    objectName(name) {
      const { topic, partition } = parsePartitionStateName(name);
      return partitionLeaseName(cluster, topic, partition);
    },
    encode(name, value) {
      const { holder, leaderEpoch, ...rest } = value;
      if (partitionStateName(value.topic, value.partition) !== name) {
        throw new MetadataStoreError('INVALID', `Cannot write partitions/${name}: the value is for ${partitionStateName(value.topic, value.partition)}`);
      }
      if (!Number.isInteger(leaderEpoch) || leaderEpoch < -1) {
        throw new MetadataStoreError('INVALID', `Cannot write partitions/${name}: leaderEpoch ${leaderEpoch} is not an integer >= -1`);
      }
      const labels: Record<string, string> = { [CLUSTER_LABEL]: cluster, [LEASE_KIND_LABEL]: 'partition' };
      for (const id of value.replicas) labels[replicaLabel(id)] = 'true';
      return {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: partitionLeaseName(cluster, value.topic, value.partition), labels, annotations: { [PARTITION_ANNOTATION]: JSON.stringify(rest) } },
        spec: {
          ...(holder !== null ? { holderIdentity: `${holder.id}/${holder.brokerEpoch}` } : {}),
          ...(leaderEpoch >= 0 ? { leaseTransitions: leaderEpoch } : {}),
          renewTime: microTimeNow(),
        },
      };
    },
    decode(object) {
      const rest = parseAnnotation(object, PARTITION_ANNOTATION);
      const spec = object.spec ?? {};
      const value = { ...rest, holder: parseHolder(object, spec['holderIdentity']), leaderEpoch: leaseTransitions(spec) ?? -1 } as unknown as PartitionState;
      if (typeof value.topic !== 'string' || !Number.isInteger(value.partition)) {
        throw new MetadataStoreError('INVALID', `Cannot read Lease ${object.metadata.name}: its annotation names no topic and partition`);
      }
      return { name: partitionStateName(value.topic, value.partition), resourceVersion: resourceVersionOf(object), value };
    },
  };
}

/**
 * Broker registration ⇄ broker Lease `<cluster>-broker-<id>`: `leaseTransitions` = brokerEpoch,
 * `holderIdentity` = `<id>/<incarnation or brokerUuid>`, the rest in the annotation
 * `runnel.dev/broker`. `leaseDurationSeconds` is informational (kubectl shows it); liveness is
 * judged by watching the resourceVersion change on the reader's own clock (§6 rule 8).
 */
export function brokerLeaseCodec(cluster: string, leaseDurationSeconds: number): ResourceCodec<BrokerRegistration> {
  return {
    collection: 'brokers',
    resource: LEASES,
    labelSelector: `${CLUSTER_LABEL}=${cluster},${LEASE_KIND_LABEL}=broker`,
    objectName(name) {
      return brokerLeaseName(cluster, parseBrokerRegistrationName(name));
    },
    encode(name, value) {
      const { brokerEpoch, ...rest } = value;
      if (brokerRegistrationName(value.id) !== name) {
        throw new MetadataStoreError('INVALID', `Cannot write brokers/${name}: the value is for broker ${value.id}`);
      }
      if (!Number.isInteger(brokerEpoch) || brokerEpoch < 0) {
        throw new MetadataStoreError('INVALID', `Cannot write brokers/${name}: brokerEpoch ${brokerEpoch} is not a non-negative integer`);
      }
      const incarnation = (value as unknown as Record<string, unknown>)['incarnation'];
      return {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: brokerLeaseName(cluster, value.id),
          labels: { [CLUSTER_LABEL]: cluster, [LEASE_KIND_LABEL]: 'broker', [BROKER_ID_LABEL]: String(value.id) },
          annotations: { [BROKER_ANNOTATION]: JSON.stringify(rest) },
        },
        spec: {
          holderIdentity: `${value.id}/${typeof incarnation === 'string' ? incarnation : value.brokerUuid}`,
          leaseTransitions: brokerEpoch,
          leaseDurationSeconds,
          renewTime: microTimeNow(),
        },
      };
    },
    decode(object) {
      const rest = parseAnnotation(object, BROKER_ANNOTATION);
      const value = { ...rest, brokerEpoch: leaseTransitions(object.spec ?? {}) ?? 0 } as unknown as BrokerRegistration;
      if (!Number.isInteger(value.id)) {
        throw new MetadataStoreError('INVALID', `Cannot read Lease ${object.metadata.name}: its annotation names no broker id`);
      }
      return { name: brokerRegistrationName(value.id), resourceVersion: resourceVersionOf(object), value } satisfies Versioned<BrokerRegistration>;
    },
  };
}

function leaseTransitions(spec: Record<string, unknown>): number | undefined {
  const value = spec['leaseTransitions'];
  return typeof value === 'number' ? value : undefined;
}

function parseHolder(object: KubeObject, holder: unknown): PartitionState['holder'] {
  if (holder === undefined || holder === null || holder === '') return null;
  const match = typeof holder === 'string' ? /^(\d+)\/(\d+)$/.exec(holder) : null;
  if (match === null) {
    throw new MetadataStoreError('INVALID', `Cannot read Lease ${object.metadata.name}: holderIdentity ${JSON.stringify(holder)} is not <brokerId>/<brokerEpoch>`);
  }
  return { id: Number(match[1]), brokerEpoch: Number(match[2]) };
}

/**
 * The partition state of a partition Lease read by other means (an informer's cache): what the
 * store's `partitions` collection would return for it.
 * @throws MetadataStoreError INVALID when the Lease is not a Runnel partition Lease.
 */
export function decodePartitionLease(object: KubeObject): PartitionState {
  return partitionLeaseCodec(object.metadata.labels?.[CLUSTER_LABEL] ?? '').decode(object).value;
}
