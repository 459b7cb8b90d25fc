import {
  isMetadataStoreError,
  type BrokerRegistration,
  type MetadataStore,
  type ObjectCollection,
  type PartitionState,
  type TopicDefinition,
  type Versioned,
} from '@runnel/metadata';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';

/** Which collection changed. */
export type ViewChange =
  | { kind: 'topic'; name: string }
  | { kind: 'partition'; name: string }
  | { kind: 'broker'; name: string };

/**
 * A broker's cached view of cluster metadata, kept current by list-then-watch on each collection
 * of the {@link MetadataStore} (an informer, in Kubernetes terms). Requests read the cache, never
 * the store. Listeners get the name that changed and read the current state from the cache, so a
 * burst of events for one object is handled as one level-triggered change.
 */
export class ClusterView {
  readonly topics = new Map<string, Versioned<TopicDefinition>>();
  readonly partitions = new Map<string, Versioned<PartitionState>>();
  readonly brokers = new Map<string, Versioned<BrokerRegistration>>();
  readonly #listeners = new Set<(change: ViewChange) => void>();
  readonly #abort = new AbortController();
  readonly #loops: Array<Promise<void>> = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Lists every collection, then follows changes in the background until {@link close}. */
  async start(store: MetadataStore): Promise<void> {
    const first = await Promise.all([
      this.#sync('topic', store.topics, this.topics),
      this.#sync('partition', store.partitions, this.partitions),
      this.#sync('broker', store.brokers, this.brokers),
    ]);
    const collections = [
      ['topic', store.topics, this.topics],
      ['partition', store.partitions, this.partitions],
      ['broker', store.brokers, this.brokers],
    ] as const;
    collections.forEach(([kind, collection, map], i) => {
      this.#loops.push(this.#follow(kind, collection as ObjectCollection<unknown>, map as Map<string, Versioned<unknown>>, first[i] as string));
    });
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: ViewChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The state of partition `partition` of `topic`, if known. */
  partition(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(`${topic}-${partition}`)?.value;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  /** Replaces `map` with a fresh list, emitting a change for every name that differs; returns the list version. */
  async #sync<T>(kind: ViewChange['kind'], collection: ObjectCollection<T>, map: Map<string, Versioned<T>>): Promise<string> {
    const { items, resourceVersion } = await collection.list();
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(item.name);
      const old = map.get(item.name);
      map.set(item.name, item);
      if (old?.resourceVersion !== item.resourceVersion) this.#emit({ kind, name: item.name });
    }
    for (const name of [...map.keys()]) {
      if (!seen.has(name)) {
        map.delete(name);
        this.#emit({ kind, name });
      }
    }
    return resourceVersion;
  }

  async #follow<T>(kind: ViewChange['kind'], collection: ObjectCollection<T>, map: Map<string, Versioned<T>>, from: string): Promise<void> {
    const signal = this.#abort.signal;
    let resourceVersion = from;
    while (!signal.aborted) {
      try {
        for await (const event of collection.watch({ resourceVersion, signal })) {
          if (event.type === 'DELETED') map.delete(event.object.name);
          else map.set(event.object.name, event.object);
          resourceVersion = event.object.resourceVersion;
          this.#emit({ kind, name: event.object.name });
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (isMetadataStoreError(err, 'EXPIRED')) {
          this.#logger.warn({ kind, err: err.message }, 'metadata watch expired; listing again');
        } else {
          this.#logger.error({ kind, err }, 'metadata watch failed; listing again');
          await delay(500, undefined, { signal }).catch(() => undefined);
        }
        if (isMetadataStoreError(err, 'CLOSED')) return;
        try {
          resourceVersion = await this.#sync(kind, collection, map);
        } catch (listErr) {
          if (isMetadataStoreError(listErr, 'CLOSED')) return;
          this.#logger.error({ kind, err: listErr }, 'metadata list failed');
        }
      }
    }
  }

  #emit(change: ViewChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (err) {
        this.#logger.error({ err, change }, 'metadata change listener failed');
      }
    }
  }
}
