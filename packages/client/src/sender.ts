import { encodeRecordBatch, fromWireError, RunnelError, type ProducePartition, type ProduceResponse__Output } from '@runnel/protocol';
import type { BrokerConnections } from './broker-connections.ts';
import type { BufferMemory } from './buffer-memory.ts';
import type { ClusterMetadata } from './cluster-metadata.ts';
import { ProduceStream } from './produce-stream.ts';
import { BATCH_OVERHEAD_BYTES, type ProducerBatch } from './producer-batch.ts';
import type { ResolvedProducerOptions } from './producer-options.ts';
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
  /** Set by close(): nothing is sent or re-queued any more. */
  #closed = false;

  constructor(o: ResolvedProducerOptions, acc: RecordAccumulator, memory: BufferMemory, metadata: ClusterMetadata, connections: BrokerConnections) {
    this.#o = o;
    this.#acc = acc;
    this.#memory = memory;
    this.#metadata = metadata;
    this.#connections = connections;
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
    for (const b of this.#acc.abortAll()) {
      b.fail(err);
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
    const accept = (batch: ProducerBatch): boolean => {
      const address = this.#metadata.leaderAddress(batch.topic, batch.partition);
      if (address === undefined) {
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
      return true;
    };
    this.#expire();
    const { nextReadyInMs } = this.#acc.drain(accept, this.#closing || this.#memory.waiting > 0);
    for (const [address, requests] of building) for (const r of requests) this.#send(address, r);
    if (leaderMissing) this.#refreshLeaders();
    this.#arm(this.#acc.hasPending ? Math.min(nextReadyInMs, this.#o.deliveryTimeoutMs) : nextReadyInMs);
  }

  /** Fails queued batches older than the delivery timeout. */
  #expire(): void {
    const now = Date.now();
    for (const b of this.#acc.expire(now - this.#o.deliveryTimeoutMs)) {
      b.fail(new RunnelError('REQUEST_TIMED_OUT', `Cannot produce ${b.records.length} record(s) to ${b.topic}-${b.partition}: not delivered within deliveryTimeoutMs (${this.#o.deliveryTimeoutMs} ms) after ${b.attempts} attempt(s)`));
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
      b.encoded ??= encodeRecordBatch(b.records, { compression: this.#o.compression, now: b.createdMs });
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
        this.#onError(list, fromWireError(p.error));
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
    this.#acc.settled(batch);
    this.#memory.release(batch.sizeBytes - BATCH_OVERHEAD_BYTES);
  }

  #onError(batches: ProducerBatch[], err: RunnelError): void {
    if (REFRESH_CODES.has(err.code)) this.#refreshLeaders();
    for (const b of batches) {
      if (err.retriable && !this.#closed && b.attempts <= this.#o.retries && Date.now() - b.createdMs < this.#o.deliveryTimeoutMs) {
        const backoff = fullJitterDelay(b.attempts, { minDelayMs: this.#o.retryBackoffMs, maxDelayMs: this.#o.retryBackoffMaxMs });
        this.#acc.requeue(b, backoff);
      } else {
        const where = `${b.topic}-${b.partition}`;
        b.fail(new RunnelError(err.code, `Cannot produce ${b.records.length} record(s) to ${where} after ${b.attempts} attempt(s): ${err.message}`, { cause: err, retriable: err.retriable }));
        this.#acc.settled(b);
        this.#memory.release(b.sizeBytes - BATCH_OVERHEAD_BYTES);
      }
    }
  }

  #afterSettle(): void {
    if (!this.#acc.hasPending) for (const resolve of this.#idle.splice(0)) resolve();
    this.wake();
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

function toRunnelError(err: unknown): RunnelError {
  return err instanceof RunnelError ? err : new RunnelError('UNKNOWN_SERVER_ERROR', err instanceof Error ? err.message : String(err), { cause: err });
}
