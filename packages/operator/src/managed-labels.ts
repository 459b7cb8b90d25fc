import { createHash } from 'node:crypto';
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { CLUSTER_LABEL } from '@runnel/metadata';

/** `app.kubernetes.io/managed-by` of everything the operator creates. */
export const MANAGED_BY = 'runnel-operator';
/** Label selector of the objects the operator owns. */
export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
/** Annotation with the hash of what the operator last applied: equal hash, nothing to write. */
export const APPLIED_HASH_ANNOTATION = 'runnel.dev/applied-hash';
/** Pod-template annotation with the hash of the broker configuration: a change means a roll. */
export const CONFIG_HASH_ANNOTATION = 'runnel.dev/config-hash';

/** Labels that select one cluster's broker pods (a StatefulSet selector: never changes). */
export function selectorLabels(cluster: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/instance': cluster, 'app.kubernetes.io/component': 'broker' };
}

/** The recommended labels plus `runnel.dev/cluster`, on every object made for `cluster`. */
export function managedLabels(cluster: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'runnel',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [CLUSTER_LABEL]: cluster,
  };
}

/** The controller reference to `owner`: the garbage collector deletes the object with it. */
export function controllerReference(owner: { apiVersion: string; kind: string; name: string; uid: string }): V1OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

/** SHA-256 (16 hex digits) of a value's JSON with sorted keys. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `object` with {@link APPLIED_HASH_ANNOTATION} set to the hash of everything else in it. */
export function withAppliedHash<T extends KubernetesObject>(object: T): T {
  const hash = stableHash(object);
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
}

/** Whether the live object already carries what `desired` would apply (compared by the applied hash). */
export function isUpToDate(live: KubernetesObject | undefined, desired: KubernetesObject): boolean {
  const want = desired.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  return live !== undefined && want !== undefined && live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === want && live.metadata?.deletionTimestamp === undefined;
}
