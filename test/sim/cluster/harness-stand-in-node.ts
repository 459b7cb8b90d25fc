/**
 * NOT THE SYSTEM UNDER TEST. A trivial single-replica broker used only to test the simulation
 * harness end to end (cluster, workload, nemesis, drain, checkers) independently of the real
 * replication code: each partition (RF=1) is led by its only replica, which claims it by CAS on
 * start, appends to a real PartitionLog on the simulated disk and commits what is fsynced.
 *
 * `bug: 'ack-before-fsync'` plants a durability bug (acks=all answered once written, before the
 * fsync) so a test can show that crashes plus the checker catch a lost acknowledged write.
 */
import { RunnelError, decodeRecords } from '@runnel/protocol';
import { isMetadataStoreError, partitionStateName } from '@runnel/metadata';
import { PartitionLog, defaultLogConfig } from '@runnel/storage';
import type { ReplicaRecord } from '../invariants/white-box-invariants.ts';
import type { SimFetchRequest, SimNode, SimNodeFactory, SimNodeParts, SimProduceRequest, SimReplicaStatus } from './sim-node.ts';

/** Options of {@link harnessStandInFactory}. */
export interface HarnessStandInOptions {
  readonly bug?: 'ack-before-fsync';
}

interface Led {
  readonly log: PartitionLog;
  readonly epoch: number;
}

class HarnessStandInNode implements SimNode {
  readonly #parts: SimNodeParts;
  readonly #options: HarnessStandInOptions;
  readonly #led = new Map<string, Led>();

  constructor(parts: SimNodeParts, options: HarnessStandInOptions) {
    this.#parts = parts;
    this.#options = options;
  }

  async start(): Promise<void> {
    const { store, network, process, endpointOf, brokerId } = this.#parts;
    network.register(endpointOf(brokerId), process, this);
    const { items } = await this.#retry(() => store.topics.list());
    for (const { value: topic } of items) {
      for (let p = 0; p < topic.partitions; p++) {
        if (topic.assignments[p]?.[0] === brokerId) await this.#claim(topic.name, p);
      }
    }
  }

  /** Store calls fail under injected faults; the stand-in simply retries. */
  async #retry<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isMetadataStoreError(err)) throw err;
        await this.#parts.clock.sleep(this.#parts.timing.renewPeriodMs);
      }
    }
  }

  async #claim(topic: string, partition: number): Promise<void> {
    const { store, brokerId, process } = this.#parts;
    const name = partitionStateName(topic, partition);
    const me = { id: brokerId, brokerEpoch: process.incarnation };
    for (;;) {
      const current = await this.#retry(() => store.partitions.get(name));
      if (current === undefined) return;
      if (current.value.holder?.id === me.id && current.value.holder.brokerEpoch === me.brokerEpoch) {
        await this.#open(topic, partition, current.value.leaderEpoch);
        return;
      }
      const log = await this.#openLog(topic, partition);
      const epoch = current.value.leaderEpoch + 1;
      try {
        await store.partitions.update(name, { ...current.value, holder: me, leaderEpoch: epoch, isr: [me], epochStartOffset: log.logEndOffset }, current.resourceVersion);
      } catch (err) {
        await log.close();
        // CONFLICT or an unknown outcome: re-read (the next loop sees our own write if it landed).
        if (!isMetadataStoreError(err)) throw err;
        continue;
      }
      await log.close();
      await this.#open(topic, partition, epoch);
      return;
    }
  }

  #openLog(topic: string, partition: number): Promise<PartitionLog> {
    const durability = this.#options.bug === 'ack-before-fsync' ? 'replicated' : 'fsync';
    const quiet = { warn: () => undefined, error: () => undefined, info: () => undefined };
    return PartitionLog.open({
      dir: `${this.#parts.dataDir}/${topic}-${partition}`, config: { ...defaultLogConfig, durability, flushIntervalMs: 2 ** 30, segmentBytes: 64 * 1024 },
      io: this.#parts.io, logger: quiet, highWatermarkCheckpointMs: 2 ** 30,
    });
  }

  async #open(topic: string, partition: number, epoch: number): Promise<void> {
    const log = await this.#openLog(topic, partition);
    // Everything recovered is committed: this replica is the only one.
    log.highWatermark = log.logEndOffset;
    this.#led.set(partitionStateName(topic, partition), { log, epoch });
  }

  async produce(request: SimProduceRequest): Promise<{ baseOffset: number }> {
    const name = partitionStateName(request.topic, request.partition);
    const led = this.#led.get(name);
    if (led === undefined) throw new RunnelError('NOT_LEADER', `Broker ${this.#parts.brokerId} does not lead ${name}`);
    const { baseOffset, lastOffset } = await led.log.append(request.records, { leaderEpoch: led.epoch, assignOffsets: true });
    const committed = this.#options.bug === 'ack-before-fsync' ? led.log.logEndOffset : led.log.flushedOffset;
    if (committed > led.log.highWatermark) {
      led.log.highWatermark = committed;
      this.#parts.observeHighWatermark({ broker: this.#parts.brokerId, brokerEpoch: this.#parts.process.incarnation, partition: name, leaderEpoch: led.epoch, asLeader: true, highWatermark: committed });
    }
    if (request.acks === 'all' && led.log.highWatermark <= lastOffset) throw new RunnelError('REQUEST_TIMED_OUT', `Offset ${lastOffset} of ${name} is not committed`);
    return { baseOffset };
  }

  async fetch(request: SimFetchRequest): Promise<{ records: Buffer; highWatermark: number }> {
    const name = partitionStateName(request.topic, request.partition);
    const led = this.#led.get(name);
    if (led === undefined) throw new RunnelError('NOT_LEADER', `Broker ${this.#parts.brokerId} does not lead ${name}`);
    const hw = led.log.highWatermark;
    const { records } = await led.log.read(request.offset, { maxBytes: request.maxBytes, maxOffset: hw });
    return { records, highWatermark: hw };
  }

  status(topic: string, partition: number): SimReplicaStatus | undefined {
    const led = this.#led.get(partitionStateName(topic, partition));
    return led === undefined ? undefined : { role: 'leader', leaderEpoch: led.epoch, highWatermark: led.log.highWatermark, logEndOffset: led.log.logEndOffset, logStartOffset: led.log.logStartOffset };
  }

  async replicaLog(topic: string, partition: number, range?: { readonly from: number; readonly to: number }): Promise<ReplicaRecord[] | undefined> {
    const led = this.#led.get(partitionStateName(topic, partition));
    if (led === undefined) return undefined;
    const out: ReplicaRecord[] = [];
    const end = Math.min(led.log.logEndOffset, range?.to ?? Infinity);
    for (let next = Math.max(led.log.logStartOffset, range?.from ?? 0); next < end;) {
      const { records } = await led.log.read(next, { maxBytes: 2 ** 30, maxOffset: end });
      if (records.length === 0) break;
      for (const r of decodeRecords(records, next)) {
        if (r.offset < end) out.push({ offset: r.offset, leaderEpoch: r.leaderEpoch, value: r.value?.toString() ?? '' });
        next = r.offset + 1;
      }
    }
    return out;
  }
}

/** Builds the stand-in (see the file comment: never the system under test). */
export function harnessStandInFactory(options: HarnessStandInOptions = {}): SimNodeFactory {
  return (parts) => new HarnessStandInNode(parts, options);
}
