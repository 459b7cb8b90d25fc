import { encodeRecordBatch, fromWireError, RunnelError, type InitProducerIdResponse__Output, type ProducePartition, type ProduceResponse__Output } from '@runnel/protocol';
import { unaryCall, type BrokerConnections } from './broker-connections.ts';
import type { BufferMemory } from './buffer-memory.ts';
import type { ClusterMetadata } from './cluster-metadata.ts';
import { IdempotenceState, type ProducerIdentity } from './idempotence.ts';
import { partitionError } from './partition-error.ts';
import { ProduceStream } from './produce-stream.ts';
import { BATCH_OVERHEAD_BYTES, type ProducerBatch } from './producer-batch.ts';
import { MAX_IDEMPOTENT_IN_FLIGHT, type ResolvedProducerOptions } from './producer-options.ts';
import type { RecordAccumulator } from './record-accumulator.ts';
import { fullJitterDelay } from './retry.ts';

/** Errors after which the client's view of leaders is stale. */
const REFRESH_CODES = new Set(['NOT_LEADER', 'UNKNOWN_TOPIC', 'UNKNOWN_PARTITION', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'LEADER_NOT_AVAILABLE', 'BROKER_NOT_AVAILABLE']);
const ACKS = { all: 'ACKS_ALL', 1: 'ACKS_LEADER', 0: 'ACKS_NONE' } as const;

interface Request {
  bytes: number;
  batches: ProducerBatch[];
  /** "topic\0partition" of the batches: at most one batch per partition per request (as in Kafka), so no bytes are copied to concatenate batches. */
  partitions: Set<string>;
}

/**
 * The network half of the producer (Kafka's Sender): drains ready batches, groups them per leader
 * broker into produce requests of at most maxRequestSize, pipelines them on one ProduceStream per
 * broker with at most maxInFlight outstanding, and settles, retries or fails each batch.
 */
export class Sender {
  readonly #o: ResolvedProducerOptions;
  readonly #acc: RecordAccumulator;
  readonly #memory: BufferMemory;
  readonly #metadata: ClusterMetadata;
  readonly #connections: BrokerConnections;
  readonly #streams = new Map<string, ProduceStream>();
  readonly #idle: Array<() => void> = [];
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #refreshing = false;
  #closing = false;
  /** Producer id and sequences when idempotent (DESIGN.md §6 rule 11). */
  readonly #idem: IdempotenceState | undefined;
  #identityFailures = 0;
  #identityRetry: NodeJS.Timeout | undefined;
  /** Set by close(): nothing is sent or re-queued any more. */
  #closed = false;

  constructor(o: ResolvedProducerOptions, acc: RecordAccumulator, memory: BufferMemory, metadata: ClusterMetadata, connections: BrokerConnections) {
    this.#o = o;
    this.#acc = acc;
    this.#memory = memory;
    this.#metadata = metadata;
    this.#connections = connections;
    this.#idem = o.idempotent ? new IdempotenceState() : undefined;
  }

  /** The idempotent producer's id and epoch once known (undefined when not idempotent or not yet). */
  get producerIdentity(): ProducerIdentity | undefined {
    return this.#idem?.identity;
  }

  /** Asks for a drain soon (coalesced: many sends in one tick cost one drain). */
  wake(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  /** Resolves once nothing is queued or in flight, or when `signal` aborts. */
  whenIdle(signal?: AbortSignal): Promise<void> {
    if (!this.#acc.hasPending || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        const i = this.#idle.indexOf(done);
        if (i >= 0) this.#idle.splice(i, 1);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.#idle.push(done);
    });
  }

  /** Sends whatever is queued regardless of linger from now on. */
  beginClose(): void {
    this.#closing = true;
    this.wake();
  }

  /** Fails everything still queued with `err` and closes every stream (in-flight requests fail). */
  async close(err: RunnelError): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#identityRetry);
    for (const b of this.#acc.abortAll()) {
      b.fail(err);
      this.#idem?.failed(b);
      this.#acc.settled(b);
      this.#memory.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
    }
    await Promise.all([...this.#streams.values()].map((s) => s.close()));
    this.#streams.clear();
  }

  #run(): void {
    if (this.#closed) return;
    const building = new Map<string, Request[]>();
    let leaderMissing = false;
    /** Partitions whose metadata says they cannot get a leader without an operator (non-retriable). */
    const failed = new Map<string, { topic: string; partition: number; error: RunnelError }>();
    let identityMissing = false;
    const accept = (batch: ProducerBatch): boolean => {
      // A batch never sent waits for a producer id (first send, or a new id after a sequence gap).
      if (this.#idem !== undefined && batch.baseSequence < 0) {
        if (!this.#idem.mayStamp()) {
          identityMissing = true;
          return false;
        }
        if (!this.#idem.hasRoom(batch, MAX_IDEMPOTENT_IN_FLIGHT)) return false;
      }
      const address = this.#metadata.leaderAddress(batch.topic, batch.partition);
      if (address === undefined) {
        const error = this.#metadata.topic(batch.topic)?.partitions[batch.partition]?.error;
        if (error !== undefined && !error.retriable) failed.set(`${batch.topic}\u0000${batch.partition}`, { topic: batch.topic, partition: batch.partition, error });
        // Refreshed either way, so a partition repaired since is seen by the next send.
        leaderMissing = true;
        return false;
      }
      const stream = this.#stream(address);
      const requests = building.get(address) ?? [];
      building.set(address, requests);
      const key = `${batch.topic}\u0000${batch.partition}`;
      // The first request that has room and no batch of this partition yet; later batches of the
      // partition go to later requests, which the broker answers in order per partition.
      let target: Request | undefined;
      for (let i = requests.length - 1; i >= 0; i--) {
        const r = requests[i]!;
        if (r.partitions.has(key)) break;
        if (r.batches.length === 0 || r.bytes + batch.sizeBytes <= this.#o.maxRequestSize) target = r;
      }
      if (!target) {
        if (stream.inFlight + requests.length >= this.#o.maxInFlight) return false;
        target = { bytes: 0, batches: [], partitions: new Set() };
        requests.push(target);
      }
      target.bytes += batch.sizeBytes;
      target.batches.push(batch);
      target.partitions.add(key);
      // Stamped in drain order, which is the partition's queue order: sequences follow the records.
      if (this.#idem !== undefined && batch.baseSequence < 0) this.#idem.stamp(batch);
      return true;
    };
    this.#expire();
    const { nextReadyInMs } = this.#acc.drain(accept, this.#closing || this.#memory.waiting > 0);
    for (const [address, requests] of building) for (const r of requests) this.#send(address, r);
    for (const f of failed.values()) this.#failPartition(f.topic, f.partition, f.error);
    if (leaderMissing) this.#refreshLeaders();
    if (identityMissing) this.#initIdentity();
    this.#arm(this.#acc.hasPending ? Math.min(nextReadyInMs, this.#o.deliveryTimeoutMs) : nextReadyInMs);
  }

  /**
   * Fails the queued batches of a partition that the cluster reports offline for a cause a retry
   * cannot fix (a log that cannot be opened): at once, with that cause, not after deliveryTimeoutMs.
   */
  #failPartition(topic: string, partition: number, error: RunnelError): void {
    for (const b of this.#acc.abortPartition(topic, partition)) {
      b.fail(new RunnelError(error.code, `Cannot produce ${b.records.length} record(s) to ${topic}-${partition} after ${b.attempts} attempt(s): ${error.message}`, { cause: error, retriable: false }));
      this.#idem?.failed(b);
      this.#memory.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
    }
    if (!this.#acc.hasPending) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Fails queued batches older than the delivery timeout. */
  #expire(): void {
    const now = Date.now();
    for (const b of this.#acc.expire(now - this.#o.deliveryTimeoutMs)) {
      b.fail(new RunnelError('REQUEST_TIMED_OUT', `Cannot produce ${b.records.length} record(s) to ${b.topic}-${b.partition}: not delivered within deliveryTimeoutMs (${this.#o.deliveryTimeoutMs} ms) after ${b.attempts} attempt(s)`));
      this.#idem?.failed(b);
      this.#memory.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
      if (!this.#acc.hasPending) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #arm(inMs: number): void {
    if (!Number.isFinite(inMs)) return;
    const at = Date.now() + inMs;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#run();
    }, Math.max(0, inMs));
  }

  #stream(address: string): ProduceStream {
    let s = this.#streams.get(address);
    if (!s) {
      s = new ProduceStream(this.#connections.get(address), this.#o.requestTimeoutMs);
      this.#streams.set(address, s);
    }
    return s;
  }

  #send(address: string, request: Request): void {
    const byPartition = new Map<string, ProducerBatch[]>();
    const partitions: ProducePartition[] = [];
    for (const b of request.batches) {
      b.attempts++;
      // Encoded once; a retry sends the same bytes.
      b.encoded ??= encodeRecordBatch(b.records, {
        compression: this.#o.compression,
        now: b.createdMs,
        ...(b.baseSequence >= 0 ? { producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence } : {}),
      });
      byPartition.set(`${b.topic}\u0000${b.partition}`, [b]);
      partitions.push({ topic: b.topic, partition: b.partition, records: b.encoded });
    }
    const expectResponse = this.#o.acks !== 0;
    this.#stream(address)
      .send({ acks: ACKS[this.#o.acks], timeoutMs: this.#o.requestTimeoutMs, partitions }, expectResponse)
      .then(
        (response) => this.#onResponse(byPartition, response, expectResponse),
        (err: unknown) => {
          for (const list of byPartition.values()) this.#onError(list, toRunnelError(err));
        },
      )
      .finally(() => this.#afterSettle())
      .catch(() => undefined);
  }

  #onResponse(byPartition: Map<string, ProducerBatch[]>, response: ProduceResponse__Output, expectResponse: boolean): void {
    if (!expectResponse) {
      for (const list of byPartition.values()) for (const b of list) this.#complete(b, -1, -1);
      return;
    }
    const answered = new Set<string>();
    for (const p of response.partitions) {
      const key = `${p.topic}\u0000${p.partition}`;
      const list = byPartition.get(key);
      if (!list) continue;
      answered.add(key);
      if (p.error) {
        this.#onError(list, partitionError(p.error));
        continue;
      }
      let offset = p.baseOffset;
      for (const b of list) {
        this.#complete(b, offset, p.logAppendTime);
        offset += b.records.length;
      }
    }
    for (const [key, list] of byPartition) {
      if (!answered.has(key)) this.#onError(list, new RunnelError('INVALID_REQUEST', `The broker's produce response has no answer for partition ${key.replace('\u0000', '-')}`, { retriable: true }));
    }
  }

  #complete(batch: ProducerBatch, baseOffset: number, logAppendTime: number): void {
    batch.complete(baseOffset, logAppendTime);
    this.#idem?.acknowledged(batch);
    this.#acc.settled(batch);
    this.#memory.release(batch.sizeBytes - BATCH_OVERHEAD_BYTES);
  }

  #onError(batches: ProducerBatch[], err: RunnelError): void {
    if (REFRESH_CODES.has(err.code)) this.#refreshLeaders();
    for (const b of batches) {
      // With idempotence, OUT_OF_ORDER_SEQUENCE while an older batch of the partition is being
      // retried only means the broker has not seen that one yet: retry this one behind it.
      const retriable = err.retriable || (err.code === 'OUT_OF_ORDER_SEQUENCE' && this.#idem?.hasOlderUnresolved(b) === true);
      if (retriable && !this.#closed && b.attempts <= this.#o.retries && Date.now() - b.createdMs < this.#o.deliveryTimeoutMs) {
        const backoff = fullJitterDelay(b.attempts, { minDelayMs: this.#o.retryBackoffMs, maxDelayMs: this.#o.retryBackoffMaxMs });
        this.#acc.requeue(b, backoff);
      } else {
        const where = `${b.topic}-${b.partition}`;
        b.fail(new RunnelError(err.code, `Cannot produce ${b.records.length} record(s) to ${where} after ${b.attempts} attempt(s): ${err.message}`, { cause: err, retriable: err.retriable }));
        this.#idem?.failed(b);
        this.#acc.settled(b);
        this.#memory.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
      }
    }
  }

  #afterSettle(): void {
    if (!this.#acc.hasPending) for (const resolve of this.#idle.splice(0)) resolve();
    this.wake();
  }

  /**
   * Gets a producer id when one is needed and no batch of the previous id is unsettled; on failure
   * tries again after a back-off (queued batches wait, bounded by their delivery timeout).
   */
  #initIdentity(): void {
    const idem = this.#idem;
    if (idem === undefined || this.#closed || this.#identityRetry !== undefined || !idem.needsIdentity) return;
    // A small RPC: a paused broker must not hold the producer for a whole requestTimeoutMs.
    idem.initialize(() => fetchIdentity(this.#metadata, this.#connections, Math.min(this.#o.requestTimeoutMs, 5_000))).then(
      () => {
        this.#identityFailures = 0;
        this.wake();
      },
      () => {
        this.#identityFailures++;
        const backoff = fullJitterDelay(this.#identityFailures, { minDelayMs: this.#o.retryBackoffMs, maxDelayMs: this.#o.retryBackoffMaxMs });
        this.#identityRetry = setTimeout(() => {
          this.#identityRetry = undefined;
          this.wake();
        }, backoff);
      },
    );
  }

  #refreshLeaders(): void {
    if (this.#refreshing || this.#closed) return;
    this.#refreshing = true;
    const backoff = fullJitterDelay(1, { minDelayMs: this.#o.retryBackoffMs, maxDelayMs: this.#o.retryBackoffMaxMs });
    this.#metadata
      .refresh()
      .catch(() => undefined) // the next failure will try again; sends fail by their own retries
      .finally(() => {
        setTimeout(() => {
          this.#refreshing = false;
          this.wake();
        }, backoff);
      })
      .catch(() => undefined);
  }
}

/** InitProducerId at each known broker in turn until one answers. */
async function fetchIdentity(metadata: ClusterMetadata, connections: BrokerConnections, timeoutMs: number): Promise<ProducerIdentity> {
  const candidates = [...new Set([...metadata.brokers().map((b) => b.address), metadata.anyAddress()])];
  let last: unknown;
  for (const address of candidates) {
    try {
      const { log } = connections.get(address);
      const response = await unaryCall<InitProducerIdResponse__Output>((o, cb) => log.InitProducerId({ transactionalId: '' }, o, cb), { timeoutMs, what: `InitProducerId request to ${address}` });
      if (response.error) throw fromWireError(response.error);
      return { producerId: Number(response.producerId), producerEpoch: response.producerEpoch };
    } catch (err) {
      last = err;
    }
  }
  throw toRunnelError(last);
}

function toRunnelError(err: unknown): RunnelError {
  return err instanceof RunnelError ? err : new RunnelError('UNKNOWN_SERVER_ERROR', err instanceof Error ? err.message : String(err), { cause: err });
}
