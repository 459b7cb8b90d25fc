import { MetadataStoreError } from './errors.ts';
import type { MetadataStore, ObjectCollection, Versioned, WatchEvent, WatchOptions } from './metadata-store.ts';
import type { BrokerRegistration, PartitionState, TopicDefinition } from './topic-model.ts';
import { writeChannel, type StoreWriteEvent } from './store-diagnostics.ts';
import { StoreJournal } from './store-journal.ts';
import { WatchQueue } from './watch-queue.ts';

/** Options of {@link MemoryMetadataStore.open}. */
export interface MemoryMetadataStoreOptions {
  /**
   * JSON file that keeps the store across restarts: a snapshot, plus a journal `<path>.journal`
   * to which every change is appended (group-committed) before the call resolves.
   * @default none: memory only
   */
  readonly path?: string;
  /** Changes kept for watches that resume from an older version. @default 10000 */
  readonly historyLimit?: number;
  /**
   * Changes older than this are dropped from that history too, as the API server compacts etcd
   * (every 5 minutes by default): a long-running store whose brokers renew their registrations
   * every few seconds would otherwise hold `historyLimit` old values for good (measured: ~80 per
   * minute in a 3-broker local cluster). A watch from an older version expires; the watcher lists
   * again. @default no age limit
   */
  readonly historyMaxAgeMs?: number;
  /** Clock of `historyMaxAgeMs` (tests). @default Date.now */
  readonly now?: () => number;
  /** Events a watcher may fall behind before its watch expires. @default 10000 */
  readonly watchBufferLimit?: number;
}

type Kind = 'topics' | 'partitions' | 'brokers';
const KINDS: readonly Kind[] = ['topics', 'partitions', 'brokers'];

interface HistoryEntry {
  readonly kind: Kind;
  readonly revision: number;
  /** When the change was written (`now()`), for `historyMaxAgeMs`. */
  readonly at: number;
  readonly event: WatchEvent<unknown>;
}

interface Snapshot {
  readonly revision: number;
  readonly objects: Record<Kind, Array<Versioned<unknown>>>;
}

/**
 * {@link MetadataStore} in memory, with the semantics of the Kubernetes API: one store-wide
 * revision counter (etcd's), `resourceVersion` = the revision of an object's last write, CAS on
 * update and delete, list-then-watch without gaps from a bounded history. With `path` set, every
 * change is journaled durably before the call resolves ({@link StoreJournal}), so local mode keeps
 * its topics — and partition leader epochs, which must never go back — across restarts, and
 * creating n partitions writes O(n) bytes.
 */
export class MemoryMetadataStore implements MetadataStore {
  readonly kind = 'local' as const;
  readonly topics: ObjectCollection<TopicDefinition>;
  readonly partitions: ObjectCollection<PartitionState>;
  readonly brokers: ObjectCollection<BrokerRegistration>;

  #revision = 0;
  readonly #objects: Record<Kind, Map<string, Versioned<unknown>>> = { topics: new Map(), partitions: new Map(), brokers: new Map() };
  readonly #watchers: Record<Kind, Set<WatchQueue<unknown>>> = { topics: new Set(), partitions: new Set(), brokers: new Set() };
  readonly #history: HistoryEntry[] = [];
  /** Revisions at or below this are no longer in the history. */
  #compactedRevision = 0;
  readonly #historyLimit: number;
  readonly #historyMaxAgeMs: number;
  readonly #now: () => number;
  readonly #watchBufferLimit: number;
  readonly #journal: StoreJournal<Snapshot> | undefined;
  #closed = false;

  private constructor(options: MemoryMetadataStoreOptions) {
    this.#journal = options.path === undefined ? undefined : new StoreJournal({ path: options.path, snapshot: () => this.#snapshot() });
    this.#historyLimit = options.historyLimit ?? 10_000;
    this.#historyMaxAgeMs = options.historyMaxAgeMs ?? Infinity;
    this.#now = options.now ?? Date.now;
    this.#watchBufferLimit = options.watchBufferLimit ?? 10_000;
    this.topics = this.#collection<TopicDefinition>('topics');
    this.partitions = this.#collection<PartitionState>('partitions');
    this.brokers = this.#collection<BrokerRegistration>('brokers');
  }

  /** Opens a store, loading `path` when it exists. A file that does not parse is an error, never silently reset. */
  static async open(options: MemoryMetadataStoreOptions = {}): Promise<MemoryMetadataStore> {
    const store = new MemoryMetadataStore(options);
    await store.#load();
    return store;
  }

  /** The current store revision (as a resourceVersion string). */
  get resourceVersion(): string {
    return String(this.#revision);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const kind of KINDS) for (const w of [...this.#watchers[kind]]) w.end();
    if (this.#journal !== undefined) {
      // Leave one compact snapshot behind, so the next open reads no journal.
      await this.#journal.compact().catch(() => undefined);
      await this.#journal.close();
    }
  }

  async #load(): Promise<void> {
    if (this.#journal === undefined) return;
    const { snapshot, entries } = await this.#journal.load((text) => {
      const parsed = JSON.parse(text) as Snapshot;
      if (typeof parsed.revision !== 'number' || typeof parsed.objects !== 'object') throw new Error('missing revision or objects');
      return parsed;
    });
    if (snapshot !== undefined) {
      this.#revision = snapshot.revision;
      for (const kind of KINDS) {
        for (const obj of snapshot.objects[kind] ?? []) this.#objects[kind].set(obj.name, obj);
      }
    }
    for (const entry of entries) {
      const objects = this.#objects[entry.kind as Kind] as Map<string, Versioned<unknown>> | undefined;
      if (objects === undefined) throw new Error(`Cannot load metadata store journal: unknown kind ${entry.kind} at revision ${entry.revision}`);
      if (entry.type === 'DELETED') objects.delete(entry.name);
      else objects.set(entry.name, Object.freeze({ name: entry.name, resourceVersion: String(entry.revision), value: entry.value }));
      this.#revision = Math.max(this.#revision, entry.revision);
    }
    this.#compactedRevision = this.#revision;
  }

  #collection<T>(kind: Kind): ObjectCollection<T> {
    const objects = this.#objects[kind] as Map<string, Versioned<T>>;
    return {
      list: () => Promise.resolve({ items: [...objects.values()], resourceVersion: String(this.#revision) }),
      get: (name) => Promise.resolve(objects.get(name)),
      create: (name, value) => observeWrite(kind, name, 'create', async () => {
        this.#checkOpen();
        if (objects.has(name)) throw new MetadataStoreError('ALREADY_EXISTS', `Cannot create ${kind}/${name}: it already exists`);
        return this.#write(kind, 'ADDED', name, value);
      }),
      update: (name, value, resourceVersion) => observeWrite(kind, name, 'update', async () => {
        this.#checkOpen();
        const current = objects.get(name);
        if (current === undefined) throw new MetadataStoreError('NOT_FOUND', `Cannot update ${kind}/${name}: it does not exist`);
        if (current.resourceVersion !== resourceVersion) {
          throw new MetadataStoreError(
            'CONFLICT',
            `Cannot update ${kind}/${name}: it changed since version ${resourceVersion} (now ${current.resourceVersion})`,
          );
        }
        return this.#write(kind, 'MODIFIED', name, value);
      }),
      delete: (name, options = {}) => observeWrite(kind, name, 'delete', async () => {
        this.#checkOpen();
        const current = objects.get(name);
        if (current === undefined) throw new MetadataStoreError('NOT_FOUND', `Cannot delete ${kind}/${name}: it does not exist`);
        if (options.resourceVersion !== undefined && current.resourceVersion !== options.resourceVersion) {
          throw new MetadataStoreError(
            'CONFLICT',
            `Cannot delete ${kind}/${name}: it changed since version ${options.resourceVersion} (now ${current.resourceVersion})`,
          );
        }
        await this.#write(kind, 'DELETED', name, current.value);
      }),
      watch: (options) => this.#watch(kind, options) as AsyncIterable<WatchEvent<T>>,
    };
  }

  #checkOpen(): void {
    if (this.#closed) throw new MetadataStoreError('CLOSED', 'The metadata store is closed');
  }

  async #write<T>(kind: Kind, type: WatchEvent<T>['type'], name: string, value: T): Promise<Versioned<T>> {
    const revision = ++this.#revision;
    const object: Versioned<T> = Object.freeze({ name, resourceVersion: String(revision), value });
    if (type === 'DELETED') this.#objects[kind].delete(name);
    else this.#objects[kind].set(name, object);
    const event: WatchEvent<unknown> = Object.freeze({ type, object });
    // As etcd does, a change is visible to watchers only once it is durable: a watcher never acts
    // on a change that a crash could still undo. (Reads and CAS see it at once, so two writers
    // with the same version cannot both win.)
    await this.#journal?.append({ revision, kind, type, name, value });
    const at = this.#now();
    this.#history.push({ kind, revision, at, event });
    let drop = Math.max(0, this.#history.length - this.#historyLimit);
    while (drop < this.#history.length && at - this.#history[drop]!.at > this.#historyMaxAgeMs) drop++;
    if (drop > 0) {
      const dropped = this.#history.splice(0, drop);
      this.#compactedRevision = (dropped[dropped.length - 1] as HistoryEntry).revision;
    }
    for (const w of this.#watchers[kind]) w.push(event);
    return object;
  }

  #watch(kind: Kind, options: WatchOptions): WatchQueue<unknown> {
    const watchers = this.#watchers[kind];
    const queue: WatchQueue<unknown> = new WatchQueue(this.#watchBufferLimit, () => {
      watchers.delete(queue);
      options.signal.removeEventListener('abort', onAbort);
    });
    const onAbort = (): void => queue.end();
    if (this.#closed || options.signal.aborted) {
      queue.end();
      return queue;
    }
    watchers.add(queue);
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.resourceVersion !== undefined) {
      const from = Number(options.resourceVersion);
      if (!Number.isInteger(from) || from < this.#compactedRevision || from > this.#revision) {
        queue.fail(new MetadataStoreError('EXPIRED', `Cannot watch ${kind} from version ${options.resourceVersion}: too old or unknown; list again`));
        return queue;
      }
      for (const entry of this.#history) {
        if (entry.kind === kind && entry.revision > from) queue.push(entry.event);
      }
    }
    return queue;
  }

  #snapshot(): Snapshot {
    return {
      revision: this.#revision,
      objects: { topics: [...this.#objects.topics.values()], partitions: [...this.#objects.partitions.values()], brokers: [...this.#objects.brokers.values()] },
    };
  }
}

/**
 * Runs one write and, when someone listens, publishes its outcome on the same diagnostics channel
 * as the Kubernetes store, so write and conflict metrics work in local mode and simulation too.
 */
async function observeWrite<R>(collection: string, name: string, op: StoreWriteEvent['op'], write: () => Promise<R>): Promise<R> {
  if (!writeChannel.hasSubscribers) return write();
  const started = performance.now();
  let outcome: StoreWriteEvent['outcome'] = 'ok';
  let code: string | undefined;
  try {
    return await write();
  } catch (err) {
    code = err instanceof MetadataStoreError ? err.code : 'UNKNOWN';
    outcome = code === 'CONFLICT' || code === 'ALREADY_EXISTS' ? 'conflict' : 'error';
    throw err;
  } finally {
    writeChannel.publish({ collection, name, op, outcome, ...(code !== undefined ? { code } : {}), durationMs: performance.now() - started, rateLimitedMs: 0 } satisfies StoreWriteEvent);
  }
}
