import { RunnelError, batchSizeAt, decodeRecords, encodeRecordBatch, readBatchHeader } from '@runnel/protocol';
import type { PartitionDirectory } from '../replication/partition-directory.ts';
import { OFFSETS_TOPIC } from './coordinator-partition.ts';
import type { OffsetsLog } from './group-coordinator.ts';
import type { GroupRecord } from './group-records.ts';

/** Records per batch: keeps a large group's write well under max.message.bytes. */
const RECORDS_PER_BATCH = 500;

/** How long a group write waits for acks=all. */
const APPEND_TIMEOUT_MS = 30_000;

/** How long a new leader waits for its log end to be committed before replaying. */
const LOAD_TIMEOUT_MS = 30_000;

const READ_BYTES = 1 << 20;

/** How long a request waits for this broker's promotion to leader of an offsets partition. */
const SETTLE_TIMEOUT_MS = 5_000;

/**
 * The offsets topic over the broker's one partition directory: writes are the normal produce path
 * with acks=all (answered past the HW), reads the normal committed-only fetch.
 */
export class DirectoryOffsetsLog implements OffsetsLog {
  readonly #directory: PartitionDirectory;
  readonly #partitionCount: () => number | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(directory: PartitionDirectory, partitionCount: () => number | undefined, signal?: AbortSignal) {
    this.#directory = directory;
    this.#partitionCount = partitionCount;
    this.#signal = signal;
  }

  partitionCount(): number | undefined {
    return this.#partitionCount();
  }

  leaderEpoch(partition: number): number | RunnelError {
    const p = this.#directory.leaderForRead(OFFSETS_TOPIC, partition);
    if (p instanceof RunnelError) return p;
    if (p.promotion !== undefined) return new RunnelError('LEADER_NOT_AVAILABLE', `${p.name} is becoming leader here`);
    return p.state.leaderEpoch;
  }

  async settle(partition: number): Promise<void> {
    const p = this.#directory.get(OFFSETS_TOPIC, partition);
    const promotion = p?.promotion;
    if (promotion === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([promotion.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  async append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    const batches: Buffer[] = [];
    const now = Date.now();
    for (let i = 0; i < records.length; i += RECORDS_PER_BATCH) {
      batches.push(
        encodeRecordBatch(
          records.slice(i, i + RECORDS_PER_BATCH).map((r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) })),
          { now },
        ),
      );
    }
    await this.#directory.produce({ topic: OFFSETS_TOPIC, partition, records: Buffer.concat(batches), acks: 'all', timeoutMs: APPEND_TIMEOUT_MS }, this.#signal);
  }

  async readAll(partition: number): Promise<GroupRecord[]> {
    const p = this.#directory.leaderForRead(OFFSETS_TOPIC, partition);
    if (p instanceof RunnelError) throw p;
    const end = p.log.logEndOffset;
    // A new leader's log may hold records it has not committed yet (acknowledged by the old
    // leader, among them): replay only once they are all committed.
    if (end > 0) await p.waitForHighWatermark(end - 1, LOAD_TIMEOUT_MS, this.#signal);
    const out: GroupRecord[] = [];
    let offset = p.log.logStartOffset;
    while (offset < end) {
      const res = await this.#directory.fetch({ topic: OFFSETS_TOPIC, partition, offset, maxBytes: READ_BYTES });
      if (res.error !== undefined) throw res.error;
      if (res.records.length === 0) break;
      for (const r of decodeRecords(res.records, offset)) {
        if (r.offset >= end) break;
        if (r.key === null) throw new RunnelError('STORAGE_ERROR', `Record ${r.offset} of ${p.name} has no key: not a consumer group record`);
        out.push({ key: r.key.toString('utf8'), value: r.value === null ? null : r.value.toString('utf8') });
      }
      // Advance by batch, not by record: compaction leaves batches with gaps.
      let position = 0;
      for (;;) {
        const size = batchSizeAt(res.records, position);
        if (size < 0 || position + size > res.records.length) break;
        const header = readBatchHeader(res.records, position);
        offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
        position += size;
      }
    }
    return out;
  }
}
