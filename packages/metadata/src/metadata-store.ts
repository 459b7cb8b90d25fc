/**
 * The one seam for cluster metadata (DESIGN.md §6). Two implementations share these semantics:
 * memory (local mode, simulation tests) and Kubernetes (issue 4). The model is Kubernetes':
 *
 * - every object carries a `resourceVersion`; `update` and `delete` take the version that was
 *   read and fail with `CONFLICT` when the object changed since (compare-and-swap);
 * - `list` returns the collection's version, and `watch` from that version replays every later
 *   change, so list-then-watch never misses an event; a watch whose start version is too old, or
 *   whose consumer falls too far behind, ends with `EXPIRED` and the caller lists again.
 */
import type { BrokerRegistration, PartitionState, TopicDefinition } from './topic-model.ts';

/** One stored object with its version. Objects are immutable snapshots. */
export interface Versioned<T> {
  readonly name: string;
  /** Opaque; compare for equality only. Changes on every write of this object. */
  readonly resourceVersion: string;
  readonly value: T;
}

/** A change seen by a watch. `DELETED` carries the last state of the object. */
export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Versioned<T>;
}

/** Options of {@link ObjectCollection.watch}. */
export interface WatchOptions {
  /** Replay changes after this version (from `list`); omitted = only changes from now on. */
  readonly resourceVersion?: string;
  /** Ends the watch; the iterator then returns normally. */
  readonly signal: AbortSignal;
}

/** A collection of objects of one kind, addressed by name. */
export interface ObjectCollection<T> {
  /** Every object, with the version to start a gap-free watch from. */
  list(): Promise<{ items: Array<Versioned<T>>; resourceVersion: string }>;
  /** The object, or undefined when there is none. */
  get(name: string): Promise<Versioned<T> | undefined>;
  /** Creates the object; `ALREADY_EXISTS` when the name is taken. */
  create(name: string, value: T): Promise<Versioned<T>>;
  /** Replaces the object if it still has `resourceVersion`; else `CONFLICT` (or `NOT_FOUND`). */
  update(name: string, value: T, resourceVersion: string): Promise<Versioned<T>>;
  /** Deletes the object; with a version, only if unchanged since (`CONFLICT` otherwise). */
  delete(name: string, options?: { resourceVersion?: string }): Promise<void>;
  /** Changes as an async iterator; throws `EXPIRED` when the caller must list again. */
  watch(options: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** Cluster metadata: topics, partition state records (Lease-shaped) and broker registrations. */
export interface MetadataStore {
  /** "local" (memory) or "kubernetes". */
  readonly kind: 'local' | 'kubernetes';
  readonly topics: ObjectCollection<TopicDefinition>;
  /** Named `<topic>-<partition>` (see `partitionStateName`), as the partition Leases will be. */
  readonly partitions: ObjectCollection<PartitionState>;
  /** Named by broker id, as the broker Leases will be. */
  readonly brokers: ObjectCollection<BrokerRegistration>;
  /** Flushes pending persistence and ends every watch. */
  close(): Promise<void>;
}
