import { randomBytes } from 'node:crypto';
import { MetadataStoreError } from '../errors.ts';
import type { Versioned } from '../metadata-store.ts';
import { WRITE_ID_ANNOTATION } from './kube-names.ts';

/** The part of a Kubernetes object the store reads and writes (sent and received as plain JSON). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Where a kind of object lives in the API: `/apis/<group>/<version>/namespaces/<ns>/<plural>`. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

/**
 * Maps one {@link ObjectCollection} to one kind of Kubernetes object. `encode` produces the whole
 * object for a PUT or POST (the store adds namespace and resourceVersion); `decode` must accept
 * every object `encode` produced, and throws `INVALID` for objects it cannot read.
 */
export interface ResourceCodec<T> {
  /** Collection name for messages: `topics`, `partitions` or `brokers`. */
  readonly collection: string;
  readonly resource: ResourceRef;
  /** Label selector of this collection's objects (list and watch). */
  readonly labelSelector: string;
  /** The Kubernetes object name of a collection name; throws `INVALID` for names it cannot map. */
  objectName(name: string): string;
  /**
   * True when an object's name may differ from `objectName(name)` (a Topic named by the user, with
   * the Kafka name in `spec.topicName`): `get` then falls back to a consistent list.
   */
  readonly nameMayDiffer?: boolean;
  encode(name: string, value: T): KubeObject;
  decode(object: KubeObject): Versioned<T>;
}

/** A fresh write token (see {@link WRITE_ID_ANNOTATION}). */
export function newWriteId(): string {
  return randomBytes(8).toString('hex');
}

/** Adds the per-write annotation that guarantees a new resourceVersion on every PUT. */
export function withWriteId(object: KubeObject): KubeObject {
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [WRITE_ID_ANNOTATION]: newWriteId() } } };
}

/**
 * The current wall time as a Kubernetes MicroTime (RFC 3339 with microseconds), for `renewTime`.
 * Informational only: no Runnel decision compares a remote renewTime with a local clock (§6 Timing).
 */
export function microTimeNow(): string {
  return `${new Date().toISOString().slice(0, -1)}000Z`;
}

/** Parses the JSON of an annotation into an object, or throws `INVALID` naming the object. */
export function parseAnnotation(object: KubeObject, key: string): Record<string, unknown> {
  const text = object.metadata.annotations?.[key];
  if (text === undefined) {
    throw new MetadataStoreError('INVALID', `Cannot read ${object.kind} ${object.metadata.name}: annotation ${key} is missing`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MetadataStoreError('INVALID', `Cannot read ${object.kind} ${object.metadata.name}: annotation ${key} is not JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MetadataStoreError('INVALID', `Cannot read ${object.kind} ${object.metadata.name}: annotation ${key} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * The store's version of an object read from the API: `<resourceVersion>/<uid>`. Versions are
 * opaque to callers (compared for equality only), and carrying the uid lets an update or delete
 * send it as a precondition: Kubernetes creates a Lease that a PUT names if it does not exist
 * (create-on-update), so without the uid a CAS update racing a delete would resurrect the object.
 */
export function resourceVersionOf(object: KubeObject): string {
  const rv = object.metadata.resourceVersion;
  const uid = object.metadata['uid'];
  if (typeof rv !== 'string' || rv === '' || typeof uid !== 'string' || uid === '') {
    throw new MetadataStoreError('INVALID', `Cannot read ${object.kind} ${object.metadata.name}: it has no resourceVersion or uid`);
  }
  return `${rv}/${uid}`;
}

/** Splits a version made by {@link resourceVersionOf}; a bare resourceVersion (from a list) has no uid. */
export function parseVersion(version: string): { resourceVersion: string; uid?: string } {
  const slash = version.indexOf('/');
  return slash < 0 ? { resourceVersion: version } : { resourceVersion: version.slice(0, slash), uid: version.slice(slash + 1) };
}
