import type { ClusterSpec, ClusterStatus, TopicSpec, TopicStatus } from '@runnel/metadata';
import { RUNNEL_GROUP } from '@runnel/metadata';
import type { CustomResourceRef } from './kube-api.ts';

/** API version of the Runnel resources. */
export const RUNNEL_API_VERSION = `${RUNNEL_GROUP}/v1alpha1`;
export const CLUSTERS: CustomResourceRef & { kind: 'Cluster'; apiVersion: string } = { group: RUNNEL_GROUP, version: 'v1alpha1', plural: 'clusters', kind: 'Cluster', apiVersion: RUNNEL_API_VERSION };
export const TOPICS: CustomResourceRef & { kind: 'Topic'; apiVersion: string } = { group: RUNNEL_GROUP, version: 'v1alpha1', plural: 'topics', kind: 'Topic', apiVersion: RUNNEL_API_VERSION };

/** Metadata the reconcilers read. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation?: number;
  readonly resourceVersion: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: string[];
  /** A Date from a list, an RFC 3339 string from a watch event: test it with `!= null` only. */
  readonly deletionTimestamp?: Date;
}

/** A `Cluster` as read from the API. */
export interface ClusterResource {
  readonly apiVersion: string;
  readonly kind: 'Cluster';
  readonly metadata: ObjectMeta;
  readonly spec: ClusterSpec;
  readonly status?: ClusterStatus;
}

/** A `Topic` as read from the API. */
export interface TopicResource {
  readonly apiVersion: string;
  readonly kind: 'Topic';
  readonly metadata: ObjectMeta;
  readonly spec: TopicSpec;
  readonly status?: TopicStatus;
}
