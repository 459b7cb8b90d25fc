/**
 * The black-box workload of a simulation run, recorded as a history for the S1–S5 checker:
 * producers send unique values (mostly acks=all, some acks=1) one at a time to the partition's
 * leader as the metadata names it; consumers read each partition from their position up to the
 * high watermark (jumping to the log start when their position was deleted); an admin process
 * (when `deleteIntervalMs` is set) sends DeleteRecords at random committed offsets; after healing,
 * the drain reads every partition from its leader's log start. Clients are processes of their own
 * on the simulated network (their requests and replies can be lost).
 */
import { decodeRecords, encodeRecordBatch, RunnelError } from '@runnel/protocol';
import { partitionStateName } from '@runnel/metadata';
import type { HistoryRecorder, ObservedRecord } from '../../support/history/index.ts';
import { SimProcess } from '../harness/sim-scheduler.ts';
import { VirtualClock } from '../harness/virtual-clock.ts';
import { SimCluster } from './sim-cluster.ts';
import { DEFINITE_DELETE_FAILURES, DEFINITE_SEND_FAILURES, type SimNode } from './sim-node.ts';

/** Options of {@link SimWorkload}. */
export interface SimWorkloadOptions {
  readonly producers: number;
  /** Fraction of sends with acks=all (the rest use acks=1). @default 0.85 */
  readonly acksAllRate?: number;
  /** Pause between two sends of one producer, virtual ms. @default [0, 20] */
  readonly sendIntervalMs?: readonly [number, number];
  /** Pause between two reads of a consumer. @default [5, 40] */
  readonly readIntervalMs?: readonly [number, number];
  /** The broker's produce timeout (acks=all wait). */
  readonly produceTimeoutMs: number;
  /**
   * Producers (of `producers`) that are idempotent: acks=all only, producer id + sequence per
   * partition, and retries of the same batch (same sequence) across failures and leader changes
   * until acknowledged or `maxAttempts` fail — the retries that S3 (no duplicates) is about.
   * @default 0
   */
  readonly idempotentProducers?: number;
  /** Attempts of one idempotent send. @default 5 */
  readonly maxAttempts?: number;
  /**
   * Pause between two DeleteRecords of the admin process, virtual ms; undefined: no deletes. Each
   * asks the leader the metadata names for a random offset in the lower third of its log start..HW
   * (sometimes just above the HW, which must fail OFFSET_OUT_OF_RANGE and delete nothing).
   */
  readonly deleteIntervalMs?: readonly [number, number];
}

const errorCode = (err: unknown): string => (err instanceof RunnelError ? err.code : String(err));

/** Producers, consumers and the final drain. */
export class SimWorkload {
  readonly #cluster: SimCluster;
  readonly #history: HistoryRecorder;
  readonly #options: SimWorkloadOptions;
  #running = false;
  #loops: Array<Promise<void>> = [];
  #sent = 0;

  constructor(cluster: SimCluster, history: HistoryRecorder, options: SimWorkloadOptions) {
    this.#cluster = cluster;
    this.#history = history;
    this.#options = options;
  }

  /** Starts the producer and consumer loops (they run as simulated processes). */
  start(): void {
    this.#running = true;
    // A loop that throws is a bug in the workload: it fails the run instead of silently stopping.
    const spawn = (loop: Promise<void>): void => void this.#loops.push(loop.catch((err: unknown) => this.#cluster.scheduler.fail(err)));
    const idempotent = this.#options.idempotentProducers ?? 0;
    for (let i = 1; i <= this.#options.producers; i++) {
      const client = new SimProcess(`producer-${i}`, 1);
      spawn(i <= idempotent ? this.#idempotentProducer(client) : this.#producer(client));
    }
    if (this.#options.deleteIntervalMs !== undefined) spawn(this.#deleter(new SimProcess('admin', 1), this.#options.deleteIntervalMs));
    for (const t of this.#cluster.topics) {
      for (let p = 0; p < t.partitions; p++) spawn(this.#consumer(new SimProcess(`consumer-${t.name}-${p}`, 1), t.name, p));
    }
  }

  /** Stops issuing operations; resolves when every loop has finished its current operation. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** The leader the metadata names (clients learn it from metadata; it may be stale or absent). */
  async #leaderOf(topic: string, partition: number): Promise<number | undefined> {
    const record = await this.#cluster.store.inner.partitions.get(partitionStateName(topic, partition));
    return record?.value.holder?.id;
  }

  #call<R>(client: SimProcess, broker: number, label: string, fn: (node: SimNode) => Promise<R>): Promise<R> {
    return this.#cluster.network.call<SimNode, R>(client, SimCluster.endpoint(broker), label, fn, { timeoutMs: this.#options.produceTimeoutMs * 2 });
  }

  async #producer(client: SimProcess): Promise<void> {
    const clock = new VirtualClock(this.#cluster.scheduler, client);
    const random = this.#cluster.scheduler.random;
    const [minWait, maxWait] = this.#options.sendIntervalMs ?? [0, 20];
    const topics = this.#cluster.topics;
    while (this.#running) {
      await clock.sleep(random.int(minWait, maxWait));
      if (!this.#running) break;
      const topic = random.pick(topics);
      const partition = random.int(0, topic.partitions - 1);
      const acks = random.chance(this.#options.acksAllRate ?? 0.85) ? 'all' : 'leader';
      const value = `${client.name}:${++this.#sent}`;
      const leader = (await this.#leaderOf(topic.name, partition)) ?? random.pick(this.#cluster.brokerIds);
      const records = encodeRecordBatch([{ key: null, value: Buffer.from(value) }], { now: clock.wallNow() });
      const op = this.#history.invokeSend(client.name, partitionStateName(topic.name, partition), value, acks);
      try {
        const { baseOffset } = await this.#call(client, leader, 'produce', (node) =>
          node.produce({ topic: topic.name, partition, records, acks, timeoutMs: this.#options.produceTimeoutMs }));
        op.ok(baseOffset);
      } catch (err) {
        const code = errorCode(err);
        if (DEFINITE_SEND_FAILURES.has(code)) op.fail(code);
        else op.info(code);
      }
    }
  }

  /** One idempotent producer: each value is one batch, retried with its sequence until acknowledged. */
  async #idempotentProducer(client: SimProcess): Promise<void> {
    const clock = new VirtualClock(this.#cluster.scheduler, client);
    const random = this.#cluster.scheduler.random;
    const [minWait, maxWait] = this.#options.sendIntervalMs ?? [0, 20];
    const maxAttempts = this.#options.maxAttempts ?? 5;
    const backoff = this.#options.produceTimeoutMs / 4;
    let producer: { producerId: number; producerEpoch: number } | undefined;
    let sequences = new Map<string, number>();
    while (this.#running) {
      await clock.sleep(random.int(minWait, maxWait));
      if (!this.#running) break;
      if (producer === undefined) {
        const broker = random.pick(this.#cluster.brokerIds);
        producer = await this.#call(client, broker, 'init producer id', (node) => {
          if (node.initProducerId === undefined) throw new Error('this node has no idempotent producer');
          return Promise.resolve(node.initProducerId());
        }).catch(() => undefined);
        sequences = new Map();
        continue;
      }
      const topic = random.pick(this.#cluster.topics);
      const partition = random.int(0, topic.partitions - 1);
      const name = partitionStateName(topic.name, partition);
      const sequence = sequences.get(name) ?? 0;
      const value = `${client.name}:${++this.#sent}`;
      const records = encodeRecordBatch([{ key: null, value: Buffer.from(value) }], { now: clock.wallNow(), ...producer, baseSequence: sequence });
      const op = this.#history.invokeSend(client.name, name, value, 'all');
      let uncertain = false;
      let lastError = '';
      let acked: number | undefined;
      for (let attempt = 1; attempt <= maxAttempts && acked === undefined; attempt++) {
        if (attempt > 1) await clock.sleep(backoff);
        const leader = (await this.#leaderOf(topic.name, partition)) ?? random.pick(this.#cluster.brokerIds);
        try {
          const { baseOffset } = await this.#call(client, leader, 'produce', (node) =>
            node.produce({ topic: topic.name, partition, records, acks: 'all', timeoutMs: this.#options.produceTimeoutMs }));
          acked = baseOffset;
        } catch (err) {
          lastError = errorCode(err);
          if (!DEFINITE_SEND_FAILURES.has(lastError)) uncertain = true;
          // A sequence error will not go away by retrying the same batch.
          if (lastError === 'OUT_OF_ORDER_SEQUENCE' || lastError === 'INVALID_PRODUCER_EPOCH' || lastError === 'UNKNOWN_PRODUCER_ID') break;
        }
      }
      if (acked !== undefined) {
        op.ok(acked);
        sequences.set(name, sequence + 1);
        continue;
      }
      if (uncertain) op.info(lastError);
      else op.fail(lastError);
      // The fate of this sequence is unknown or it was refused: start over with a new producer id.
      producer = undefined;
    }
  }

  /** The admin process: DeleteRecords at random offsets, recorded as `delete` operations. */
  async #deleter(client: SimProcess, [minWait, maxWait]: readonly [number, number]): Promise<void> {
    const clock = new VirtualClock(this.#cluster.scheduler, client);
    const random = this.#cluster.scheduler.random;
    while (this.#running) {
      await clock.sleep(random.int(minWait, maxWait));
      if (!this.#running) break;
      const topic = random.pick(this.#cluster.topics);
      const partition = random.int(0, topic.partitions - 1);
      const leader = await this.#leaderOf(topic.name, partition);
      if (leader === undefined) continue;
      // What ListOffsets (earliest, latest) would tell: the log start and HW of the broker asked.
      const offsets = await this.#call(client, leader, 'list offsets', (node) => Promise.resolve(node.status(topic.name, partition))).catch(() => undefined);
      if (offsets === undefined) continue;
      const { logStartOffset: start, highWatermark: hw } = offsets;
      const offset = random.chance(0.1) ? hw + random.int(1, 3) : start + random.int(0, Math.max(0, Math.floor((hw - start) / 3)));
      await this.deleteRecords(client, leader, topic.name, partition, offset);
    }
  }

  /** One recorded DeleteRecords through the network; the log start reached, or undefined when it failed. */
  async deleteRecords(client: SimProcess, broker: number, topic: string, partition: number, offset: number): Promise<number | undefined> {
    const op = this.#history.invokeDelete(client.name, partitionStateName(topic, partition), offset);
    try {
      const { lowWatermark } = await this.#call(client, broker, 'delete records', (node) => {
        if (node.deleteRecords === undefined) throw new Error('this node has no DeleteRecords');
        return node.deleteRecords(topic, partition, offset);
      });
      op.ok(lowWatermark);
      return lowWatermark;
    } catch (err) {
      const code = errorCode(err);
      if (DEFINITE_DELETE_FAILURES.has(code)) op.fail(code);
      else op.info(code);
      return undefined;
    }
  }

  async #consumer(client: SimProcess, topic: string, partition: number): Promise<void> {
    const clock = new VirtualClock(this.#cluster.scheduler, client);
    const random = this.#cluster.scheduler.random;
    const [minWait, maxWait] = this.#options.readIntervalMs ?? [5, 40];
    let position = 0;
    while (this.#running) {
      await clock.sleep(random.int(minWait, maxWait));
      if (!this.#running) break;
      const leader = await this.#leaderOf(topic, partition);
      if (leader === undefined) continue;
      const read = await this.#read(client, leader, topic, partition, position, 'read');
      if (read === 'deleted') {
        // auto.offset.reset=earliest: the position was deleted, continue from the log start.
        const status = await this.#call(client, leader, 'list offsets', (node) => Promise.resolve(node.status(topic, partition))).catch(() => undefined);
        if (status !== undefined && status.logStartOffset > position) position = status.logStartOffset;
        continue;
      }
      const last = read?.at(-1);
      if (last !== undefined) position = last.offset + 1;
    }
  }

  /** One recorded read through the network; undefined when it failed, 'deleted' when OFFSET_OUT_OF_RANGE. */
  async #read(client: SimProcess, broker: number, topic: string, partition: number, offset: number, kind: 'read' | 'drain'): Promise<ObservedRecord[] | 'deleted' | undefined> {
    const op = this.#history.invokeRead(client.name, partitionStateName(topic, partition), offset, kind);
    try {
      const { records } = await this.#call(client, broker, 'fetch', (node) => node.fetch({ topic, partition, offset, maxBytes: 64 * 1024 }));
      const observed = decodeRecords(records, offset).map((r) => ({ offset: r.offset, value: r.value?.toString() ?? '' }));
      op.ok(observed);
      return observed;
    } catch (err) {
      op.fail(errorCode(err));
      return errorCode(err) === 'OFFSET_OUT_OF_RANGE' ? 'deleted' : undefined;
    }
  }

  /**
   * The final read of every partition from its leader, from its log start up to the high watermark.
   * Returns the partitions that could not be drained (no leader, or reads kept failing).
   */
  async drain(): Promise<string[]> {
    const client = new SimProcess('drain', 1);
    const undrained: string[] = [];
    for (const t of this.#cluster.topics) {
      for (let p = 0; p < t.partitions; p++) {
        const leader = await this.#leaderOf(t.name, p);
        const node = leader === undefined ? undefined : this.#cluster.node(leader);
        const status = node?.status(t.name, p);
        if (leader === undefined || status?.role !== 'leader') {
          undrained.push(partitionStateName(t.name, p));
          continue;
        }
        let offset = status.logStartOffset;
        let failures = 0;
        while (offset < status.highWatermark && failures < 10) {
          const read = await this.#read(client, leader, t.name, p, offset, 'drain');
          if (read === undefined || read === 'deleted') failures++;
          else if (read.length === 0) break;
          else offset = read.at(-1)!.offset + 1;
        }
        if (offset < status.highWatermark) undrained.push(partitionStateName(t.name, p));
      }
    }
    return undrained;
  }
}
