import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { MetadataStoreError, isMetadataStoreError } from '../errors.ts';
import type { MetadataStore, ObjectCollection, Versioned } from '../metadata-store.ts';
import type { BrokerRegistration, PartitionState, TopicDefinition } from '../topic-model.ts';
import { KubeResourceClient, type RequestInterceptor } from './kube-resource-client.ts';
import { parseVersion, withWriteId, type KubeObject, type ResourceCodec } from './kube-object.ts';
import { replicaLabel, validateClusterName } from './kube-names.ts';
import { startKubeWatch } from './kube-watch.ts';
import { brokerLeaseCodec, partitionLeaseCodec } from './lease-codecs.ts';
import { emptyStats, writeChannel, type StoreStats, type StoreWriteEvent } from '../store-diagnostics.ts';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
import { topicCodec } from './topic-codec.ts';

/** Options of {@link KubernetesMetadataStore.open}. */
export interface KubernetesMetadataStoreOptions {
  /** Runnel cluster name: prefix of every Lease name and value of the `runnel.dev/cluster` label. */
  readonly cluster: string;
  /** Namespace of the Leases and Topics. @default the pod's namespace in a cluster, else required */
  readonly namespace?: string;
  /** API credentials. @default `kubeconfigPath` if given, else `KubeConfig.loadFromDefault()`: $KUBECONFIG, ~/.kube/config, or the pod's service account in a cluster */
  readonly kubeConfig?: KubeConfig;
  /** A kubeconfig file to load (a test process pointed at the test control plane). */
  readonly kubeconfigPath?: string;
  /** Deadline of every request; a write past it fails with UNKNOWN_OUTCOME. @default 2000 (DESIGN.md §6 Timing) */
  readonly requestTimeoutMs?: number;
  /**
   * Client-side limit on writes of partitions and topics (creates, updates, deletes). The default
   * lets one broker take over ~500 partitions in ~2 s after a failover; the test control plane
   * (one etcd, 2 shared cores) sustained 170–300 Lease CAS/s (docs/architecture.md, Scale).
   * @default 200/s, burst 400, 10000 waiters
   */
  readonly writeRateLimit?: TokenBucketOptions;
  /**
   * Separate limit on broker-Lease writes, so a burst of partition CASes (a failover moving
   * hundreds of leaderships) never queues a broker's own renewal past its renew deadline.
   * @default 10/s, burst 20, 100 waiters
   */
  readonly brokerWriteRateLimit?: TokenBucketOptions;
  /** `leaseDurationSeconds` written on broker Leases (informational, for kubectl). @default 10 */
  readonly leaseDurationSeconds?: number;
  /** Events a watcher may fall behind before its watch expires. @default 10000 */
  readonly watchBufferLimit?: number;
  /** Server-side length of one watch request before it is reopened from the last version. @default 20 to 27 s, random */
  readonly watchTimeoutSeconds?: number;
  /** Test seam: sees every non-watch HTTP request and may delay or drop its reply. */
  readonly intercept?: RequestInterceptor;
}

/** Default limit on partition and topic writes of one store (one broker). */
export const DEFAULT_WRITE_RATE_LIMIT: TokenBucketOptions = { ratePerSecond: 200, burst: 400, maxWaiters: 10_000 };

const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * {@link MetadataStore} on the Kubernetes API, with the memory store's semantics (DESIGN.md §6):
 * brokers and partitions are coordination.k8s.io/v1 Leases, topics are runnel.dev/v1alpha1 Topic
 * resources. Every update is a PUT carrying the resourceVersion that was read (409 → CONFLICT);
 * `get` and `list` are consistent reads (no cache); watches are list-then-watch from a version,
 * reconnecting invisibly and ending with EXPIRED on 410 Gone. Every request has a deadline; a write
 * without an answer fails with UNKNOWN_OUTCOME, which the caller settles by re-reading (rule 7).
 * Writes pass a client-side token bucket; every write is counted ({@link stats}) and published on
 * the `runnel:metadata:write` diagnostics channel.
 */
export class KubernetesMetadataStore implements MetadataStore {
  readonly kind = 'kubernetes' as const;
  readonly topics: ObjectCollection<TopicDefinition>;
  readonly partitions: ObjectCollection<PartitionState>;
  readonly brokers: ObjectCollection<BrokerRegistration>;
  /** Running totals; read them for metrics. */
  readonly stats: StoreStats = emptyStats();
  readonly cluster: string;
  readonly namespace: string;
  readonly #client: KubeResourceClient;
  readonly #kubeConfig: KubeConfig;
  readonly #limiter: TokenBucket;
  readonly #brokerLimiter: TokenBucket;
  readonly #timeoutMs: number;
  readonly #watchBufferLimit: number;
  readonly #watchTimeoutSeconds: number | undefined;
  readonly #closing = new AbortController();

  private constructor(options: KubernetesMetadataStoreOptions, namespace: string, kubeConfig: KubeConfig) {
    this.cluster = options.cluster;
    this.namespace = namespace;
    this.#kubeConfig = kubeConfig;
    this.#client = new KubeResourceClient(kubeConfig, namespace, options.intercept);
    this.#limiter = new TokenBucket(options.writeRateLimit ?? DEFAULT_WRITE_RATE_LIMIT);
    this.#brokerLimiter = new TokenBucket(options.brokerWriteRateLimit ?? { ratePerSecond: 10, burst: 20, maxWaiters: 100 });
    this.#timeoutMs = options.requestTimeoutMs ?? 2_000;
    this.#watchBufferLimit = options.watchBufferLimit ?? 10_000;
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds;
    this.topics = this.#collection(topicCodec(options.cluster));
    this.partitions = this.#collection(partitionLeaseCodec(options.cluster));
    this.brokers = this.#collection(brokerLeaseCodec(options.cluster, options.leaseDurationSeconds ?? 10));
  }

  /**
   * Connects a store. Nothing is sent until the first call; a wrong address or missing RBAC shows up
   * as UNAVAILABLE or FORBIDDEN on it.
   * @throws MetadataStoreError INVALID for a bad cluster name or when no namespace is known.
   */
  static open(options: KubernetesMetadataStoreOptions): Promise<KubernetesMetadataStore> {
    try {
      validateClusterName(options.cluster);
      if (options.requestTimeoutMs !== undefined && !(options.requestTimeoutMs > 0)) {
        throw new MetadataStoreError('INVALID', `Invalid requestTimeoutMs ${options.requestTimeoutMs}: must be > 0`);
      }
      let kubeConfig = options.kubeConfig;
      if (kubeConfig === undefined) {
        kubeConfig = new KubeConfig();
        if (options.kubeconfigPath !== undefined) kubeConfig.loadFromFile(options.kubeconfigPath);
        else kubeConfig.loadFromDefault();
      }
      const namespace = options.namespace ?? podNamespace();
      if (namespace === undefined) {
        throw new MetadataStoreError('INVALID', 'Cannot open the Kubernetes metadata store: no namespace given and not running in a pod');
      }
      return Promise.resolve(new KubernetesMetadataStore(options, namespace, kubeConfig));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * The partitions replicated on `brokerId`, selected by the replica label on the API server, so a
   * broker lists and watches only its own partition Leases (DESIGN.md §6). A partition whose
   * replica list drops the broker arrives as `DELETED` (it left the selection), one that gains it as
   * `ADDED`. Reads and writes of single partitions go through {@link partitions}.
   */
  partitionsReplicatedOn(brokerId: number): Pick<ObjectCollection<PartitionState>, 'list' | 'watch'> {
    const codec = partitionLeaseCodec(this.cluster);
    const view = this.#collection({ ...codec, labelSelector: `${codec.labelSelector},${replicaLabel(brokerId)}=true` });
    return { list: () => view.list(), watch: (options) => view.watch(options) };
  }

  /** The client-side write limits in force (partitions and topics; broker Leases), for reports. */
  get writeRateLimit(): { ratePerSecond: number; burst: number; maxWaiters: number; brokers: { ratePerSecond: number; burst: number; maxWaiters: number } } {
    return { ...this.#limiter.settings, brokers: this.#brokerLimiter.settings };
  }

  /** Ends every watch and aborts requests in flight (their writes fail with UNKNOWN_OUTCOME). */
  close(): Promise<void> {
    this.#closing.abort(new MetadataStoreError('CLOSED', 'The metadata store is closed'));
    return this.#client.close();
  }

  #signal(): AbortSignal {
    if (this.#closing.signal.aborted) throw new MetadataStoreError('CLOSED', 'The metadata store is closed');
    return AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#timeoutMs)]);
  }

  #collection<T>(codec: ResourceCodec<T>): ObjectCollection<T> {
    const client = this.#client;
    const ref = codec.resource;
    const decodeList = (items: KubeObject[]): Array<Versioned<T>> =>
      items.flatMap((item) => {
        try {
          return [codec.decode(item)];
        } catch {
          this.stats.decodeErrors++;
          return [];
        }
      });
    return {
      list: async () => {
        this.stats.reads++;
        const { items, resourceVersion } = await client.list(ref, codec.labelSelector, this.#signal());
        return { items: decodeList(items), resourceVersion };
      },
      get: async (name) => {
        this.stats.reads++;
        const object = await client.get(ref, codec.objectName(name), this.#signal());
        const found = object === undefined ? undefined : codec.decode(object);
        if (found?.name === name || !codec.nameMayDiffer) return found;
        // A resource named by the user: find it by its decoded name (still a consistent read).
        this.stats.reads++;
        const { items } = await client.list(ref, codec.labelSelector, this.#signal());
        return decodeList(items).find((item) => item.name === name);
      },
      create: async (name, value) => {
        const body = withWriteId(codec.encode(name, value));
        return this.#write(codec, name, 'create', async (signal) => codec.decode(await client.create(ref, body, signal)));
      },
      update: async (name, value, resourceVersion) => {
        const body = withWriteId(codec.encode(name, value));
        const expected = parseVersion(resourceVersion);
        body.metadata.resourceVersion = expected.resourceVersion;
        if (expected.uid !== undefined) body.metadata['uid'] = expected.uid;
        return this.#write(codec, name, 'update', async (signal) => {
          try {
            return codec.decode(await client.replace(ref, body, signal));
          } catch (err) {
            // The API answers 409 both for a changed object and for a uid precondition on a
            // deleted one; the memory store says NOT_FOUND for the latter, so look.
            if (isMetadataStoreError(err, 'CONFLICT') && (await client.get(ref, body.metadata.name, this.#signal())) === undefined) {
              throw new MetadataStoreError('NOT_FOUND', `Cannot update ${codec.collection}/${name}: it does not exist`, { cause: err });
            }
            throw err;
          }
        });
      },
      delete: async (name, options = {}) => {
        const objectName = codec.objectName(name);
        const preconditions = options.resourceVersion === undefined ? undefined : parseVersion(options.resourceVersion);
        return this.#write(codec, name, 'delete', (signal) => client.delete(ref, objectName, preconditions, signal));
      },
      watch: (options) =>
        startKubeWatch(
          {
            kubeConfig: this.#kubeConfig,
            namespace: this.namespace,
            codec,
            stats: this.stats,
            bufferLimit: this.#watchBufferLimit,
            ...(this.#watchTimeoutSeconds !== undefined ? { timeoutSeconds: this.#watchTimeoutSeconds } : {}),
            currentVersion: async () => {
              this.stats.reads++;
              return (await client.list(ref, codec.labelSelector, this.#signal(), 1)).resourceVersion;
            },
          },
          { ...(options.resourceVersion !== undefined ? { resourceVersion: parseVersion(options.resourceVersion).resourceVersion } : {}), signal: AbortSignal.any([options.signal, this.#closing.signal]) },
        ),
    };
  }

  /** Rate-limits, sends, counts and publishes one write. */
  async #write<R>(codec: ResourceCodec<unknown>, name: string, op: StoreWriteEvent['op'], send: (signal: AbortSignal) => Promise<R>): Promise<R> {
    if (this.#closing.signal.aborted) throw new MetadataStoreError('CLOSED', 'The metadata store is closed');
    const limiter = codec.collection === 'brokers' ? this.#brokerLimiter : this.#limiter;
    // One deadline for the wait for a token and the request: a write still queued at its deadline
    // is never sent. Otherwise it went out after its caller had given up on it and settled it as
    // not applied by re-reading (rule 7), and could then be applied unseen (a late ISR change).
    const signal = this.#signal();
    const queuedAt = performance.now();
    let rateLimitedMs: number;
    try {
      rateLimitedMs = await limiter.take(signal);
    } catch (err) {
      if (this.#closing.signal.aborted || isMetadataStoreError(err)) throw err;
      const waited = Math.round(performance.now() - queuedAt);
      throw new MetadataStoreError('UNAVAILABLE', `Cannot send the write to ${codec.collection}/${name}: it waited ${waited} ms for the client rate limit (${limiter.settings.ratePerSecond}/s) and reached its ${this.#timeoutMs} ms deadline unsent`, { cause: err });
    }
    this.stats.rateLimitedMs += rateLimitedMs;
    const started = performance.now();
    let outcome: StoreWriteEvent['outcome'] = 'ok';
    let code: string | undefined;
    try {
      this.stats.writes++;
      return await send(signal);
    } catch (err) {
      code = isMetadataStoreError(err) ? err.code : 'UNKNOWN';
      outcome = code === 'CONFLICT' || code === 'ALREADY_EXISTS' ? 'conflict' : code === 'UNKNOWN_OUTCOME' ? 'unknown' : 'error';
      if (outcome === 'conflict') this.stats.conflicts++;
      if (outcome === 'unknown') this.stats.unknownOutcomes++;
      throw err;
    } finally {
      if (writeChannel.hasSubscribers) {
        const event: StoreWriteEvent = {
          collection: codec.collection,
          name,
          op,
          outcome,
          ...(code !== undefined ? { code } : {}),
          durationMs: performance.now() - started,
          rateLimitedMs,
        };
        writeChannel.publish(event);
      }
    }
  }
}

function podNamespace(): string | undefined {
  try {
    return readFileSync(NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
