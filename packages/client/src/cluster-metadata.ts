import { RunnelError, fromWireError, type MetadataResponse__Output } from '@runnel/protocol';
import { unaryCall, type BrokerConnections } from './broker-connections.ts';
import { partitionError } from './partition-error.ts';

/** What the client knows of one partition. */
export interface PartitionInfo {
  partition: number;
  /** -1 when the partition has no leader right now. */
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  /** Why the partition has no leader, when the broker said (e.g. LEADER_NOT_AVAILABLE, or a non-retriable STORAGE_ERROR). */
  error?: RunnelError;
}

/** What the client knows of one topic. */
export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: PartitionInfo[];
}

/**
 * The client's cached view of brokers and partition leaders, refreshed from any reachable broker
 * (bootstrap addresses first, then every broker learned of). Refreshes are coalesced: concurrent
 * callers share one Metadata RPC, so a burst of NOT_LEADER answers costs one request.
 */
export class ClusterMetadata {
  readonly #connections: BrokerConnections;
  readonly #bootstrap: string[];
  readonly #timeoutMs: number;
  readonly #brokers = new Map<number, string>();
  readonly #topics = new Map<string, TopicInfo>();
  #clusterId = '';
  /** The broker that answered the last Metadata request: the one known to be up. */
  #answered: string | undefined;
  #inflight: Promise<void> | undefined;

  constructor(connections: BrokerConnections, bootstrap: readonly string[], requestTimeoutMs: number) {
    if (bootstrap.length === 0) throw new RunnelError('INVALID_CONFIG', 'bootstrap must name at least one broker (host:port)');
    for (const address of bootstrap) parseAddress(address);
    this.#connections = connections;
    this.#bootstrap = [...bootstrap];
    this.#timeoutMs = requestTimeoutMs;
  }

  get clusterId(): string {
    return this.#clusterId;
  }

  /** host:port of broker `id`, if known. */
  brokerAddress(id: number): string | undefined {
    return this.#brokers.get(id);
  }

  /** Every known broker, by id. */
  brokers(): Array<{ id: number; address: string }> {
    return [...this.#brokers].map(([id, address]) => ({ id, address }));
  }

  /** The cached topic, if known. */
  topic(name: string): TopicInfo | undefined {
    return this.#topics.get(name);
  }

  /** Address of the current leader of a partition, or undefined when unknown or leaderless. */
  leaderAddress(topic: string, partition: number): string | undefined {
    const p = this.#topics.get(topic)?.partitions[partition];
    if (!p || p.leaderId < 0) return undefined;
    return this.#brokers.get(p.leaderId);
  }

  /**
   * Any address to send cluster-wide requests to: the broker that answered the last Metadata
   * request, else a bootstrap one. Not simply the first broker the cluster lists: the cluster's
   * Metadata still lists a broker that was killed (until its registration goes), and a client that
   * picked it would address a dead broker for as long as that lasts.
   */
  anyAddress(): string {
    return this.#answered ?? this.#bootstrap[0]!;
  }

  /**
   * Every address worth trying for a cluster-wide request, in order: the broker that answered
   * last, the bootstrap list, then every broker learned of. Callers move on to the next after a
   * connection failure.
   */
  addresses(): string[] {
    return [...new Set([...(this.#answered === undefined ? [] : [this.#answered]), ...this.#bootstrap, ...this.#brokers.values()])];
  }

  /**
   * Refreshes metadata for `topics` (empty = all). Coalesces with a refresh already running.
   * Throws the last error when no broker answers.
   */
  refresh(topics: readonly string[] = [], signal?: AbortSignal): Promise<void> {
    this.#inflight ??= this.#refresh(topics, signal).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /**
   * The topic's metadata, fetching it when unknown. Throws UNKNOWN_TOPIC (retriable) when the
   * cluster does not have it, so callers can retry while a just-created topic propagates.
   */
  async requireTopic(name: string, signal?: AbortSignal): Promise<TopicInfo> {
    const cached = this.#topics.get(name);
    if (cached) return cached;
    await this.refresh([name], signal);
    const info = this.#topics.get(name);
    if (!info) throw new RunnelError('UNKNOWN_TOPIC', `Topic ${name} does not exist`);
    return info;
  }

  async #refresh(topics: readonly string[], signal?: AbortSignal): Promise<void> {
    const candidates = this.addresses();
    let lastError: unknown;
    for (const address of candidates) {
      signal?.throwIfAborted();
      try {
        const { log } = this.#connections.get(address);
        const response = await unaryCall<MetadataResponse__Output>((o, cb) => log.Metadata({ topics: [...topics] }, o, cb), { timeoutMs: this.#timeoutMs, signal, what: `Metadata request to ${address}` });
        this.#apply(response, topics);
        this.#answered = address;
        return;
      } catch (err) {
        if (signal?.aborted) throw err;
        if (address === this.#answered) this.#answered = undefined;
        lastError = err;
      }
    }
    throw lastError instanceof RunnelError
      ? lastError
      : new RunnelError('BROKER_NOT_AVAILABLE', `No broker answered a Metadata request (tried ${candidates.join(', ')})`, { cause: lastError });
  }

  #apply(response: MetadataResponse__Output, requested: readonly string[]): void {
    this.#clusterId = response.clusterId;
    if (response.brokers.length > 0) {
      this.#brokers.clear();
      for (const b of response.brokers) this.#brokers.set(b.id, `${b.host}:${b.port}`);
    }
    const seen = new Set<string>();
    for (const t of response.topics) {
      if (t.error) {
        // Unknown topics are forgotten so the next use asks again; other errors keep the old view.
        if (fromWireError(t.error).code === 'UNKNOWN_TOPIC') this.#topics.delete(t.name);
        continue;
      }
      seen.add(t.name);
      const partitions: PartitionInfo[] = [];
      for (const p of t.partitions) {
        partitions[p.partition] = { partition: p.partition, leaderId: p.error ? -1 : p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, ...(p.error ? { error: partitionError(p.error) } : {}) };
      }
      this.#topics.set(t.name, { name: t.name, topicId: t.topicId, partitions });
    }
    // A full refresh (no names) is authoritative for every topic: forget deleted ones too.
    const forget = requested.length > 0 ? requested : [...this.#topics.keys()];
    for (const name of forget) if (!seen.has(name)) this.#topics.delete(name);
  }
}

/** Splits host:port, rejecting anything else with a message naming the value. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new RunnelError('INVALID_CONFIG', `Invalid broker address "${address}": expected host:port with a port in 1..65535`);
  }
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Parses a comma-separated bootstrap list ("h1:9092,h2:9092"). */
export function parseBootstrap(value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? value.split(',') : [...value];
  const out = list.map((s) => s.trim()).filter((s) => s !== '');
  for (const a of out) parseAddress(a);
  if (out.length === 0) throw new RunnelError('INVALID_CONFIG', 'bootstrap must name at least one broker (host:port)');
  return out;
}
