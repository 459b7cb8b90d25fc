import { createHash } from 'node:crypto';
import { MetadataStoreError } from '../errors.ts';

/**
 * Kubernetes object names and labels of the Runnel objects (DESIGN.md §6 "Objects"). Object names
 * are DNS-1123 subdomains (lowercase alphanumerics, `-` and `.`, at most 253 characters); Kafka topic
 * names also allow uppercase and `_`, so a topic whose name is not already a safe name gets a
 * lowercased, cleaned form plus a short hash of the real name. The real name always travels in the
 * object itself (annotation or `spec.topicName`), so the mapping never has to be reversed.
 */

/** API group of the Runnel custom resources. */
export const RUNNEL_GROUP = 'runnel.dev';
/** Label with the Runnel cluster name on every object the store reads or writes. */
export const CLUSTER_LABEL = `${RUNNEL_GROUP}/cluster`;
/** Label telling broker Leases (`broker`) from partition Leases (`partition`). */
export const LEASE_KIND_LABEL = `${RUNNEL_GROUP}/lease`;
/** Label with the broker id on a broker Lease. */
export const BROKER_ID_LABEL = `${RUNNEL_GROUP}/broker-id`;
/** Annotation with the JSON of a partition's non-Lease fields. */
export const PARTITION_ANNOTATION = `${RUNNEL_GROUP}/partition`;
/** Annotation with the JSON of a broker registration's non-Lease fields. */
export const BROKER_ANNOTATION = `${RUNNEL_GROUP}/broker`;
/** Annotation with the JSON of a topic's store-assigned fields (topicId, assignments). */
export const TOPIC_ANNOTATION = `${RUNNEL_GROUP}/topic`;
/**
 * Annotation holding a fresh token on every write. Kubernetes leaves the resourceVersion alone when
 * a PUT changes nothing; the memory store (and the protocol: a renewal must be visible as a new
 * version, §6 rule 1) needs every write to produce a new version, so every write differs.
 */
export const WRITE_ID_ANNOTATION = `${RUNNEL_GROUP}/write-id`;

/** Label whose presence (`"true"`) marks a partition Lease as replicated on `brokerId`. */
export function replicaLabel(brokerId: number): string {
  return `${RUNNEL_GROUP}/replica-${brokerId}`;
}

const SAFE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Longest cluster name: leaves room for `-<topic>-<partition>` within 253 characters. */
export const MAX_CLUSTER_NAME_LENGTH = 40;
/** Topic names that would collide with the store's own object names. */
const RESERVED_TOPIC_NAMES = new Set(['broker']);

/**
 * Checks a Runnel cluster name: a DNS-1123 label of at most {@link MAX_CLUSTER_NAME_LENGTH} characters.
 * @throws MetadataStoreError INVALID naming the problem.
 */
export function validateClusterName(cluster: string): void {
  if (!SAFE_NAME.test(cluster) || cluster.length > MAX_CLUSTER_NAME_LENGTH) {
    throw new MetadataStoreError(
      'INVALID',
      `Invalid cluster name ${JSON.stringify(cluster)}: use 1 to ${MAX_CLUSTER_NAME_LENGTH} lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

/**
 * The DNS-safe form of a topic name: the name itself when it already is a safe DNS label (and not
 * reserved), otherwise its lowercased form with other characters turned into `-`, shortened, plus
 * `-` and 8 hex digits of the SHA-256 of the real name, so `Orders` and `orders` never collide.
 */
export function dnsSafeTopicName(topic: string): string {
  if (SAFE_NAME.test(topic) && topic.length <= 180 && !RESERVED_TOPIC_NAMES.has(topic)) return topic;
  const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
  const cleaned = topic
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 170)
    .replace(/-+$/, '');
  return cleaned.length > 0 ? `${cleaned}-${hash}` : `t-${hash}`;
}

/** Name of the broker Lease of `brokerId`: `<cluster>-broker-<id>`. */
export function brokerLeaseName(cluster: string, brokerId: number): string {
  return `${cluster}-broker-${brokerId}`;
}

/** Name of the partition Lease of a topic's partition: `<cluster>-<dns-safe topic>-<partition>`. */
export function partitionLeaseName(cluster: string, topic: string, partition: number): string {
  return `${cluster}-${dnsSafeTopicName(topic)}-${partition}`;
}

/** Name of the `Topic` resource of a topic: its DNS-safe name (the cluster is a label). */
export function topicResourceName(topic: string): string {
  return dnsSafeTopicName(topic);
}

/**
 * Splits a partition record name `<topic>-<partition>` (see `partitionStateName`).
 * @throws MetadataStoreError INVALID when the name does not end in `-<partition number>`.
 */
export function parsePartitionStateName(name: string): { topic: string; partition: number } {
  const match = /^(.+)-(0|[1-9][0-9]{0,8})$/.exec(name);
  if (match === null) {
    throw new MetadataStoreError('INVALID', `Invalid partition record name ${JSON.stringify(name)}: expected <topic>-<partition number>`);
  }
  return { topic: match[1] as string, partition: Number(match[2]) };
}

/**
 * Parses a broker registration name (the broker id in decimal, see `brokerRegistrationName`).
 * @throws MetadataStoreError INVALID when it is not a non-negative integer.
 */
export function parseBrokerRegistrationName(name: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(name)) {
    throw new MetadataStoreError('INVALID', `Invalid broker registration name ${JSON.stringify(name)}: expected a broker id (a non-negative integer)`);
  }
  return Number(name);
}
