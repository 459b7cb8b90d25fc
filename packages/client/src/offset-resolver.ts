import { fromWireError, RunnelError, type ListOffsetsPartition, type ListOffsetsResponse__Output } from '@runnel/protocol';
import { unaryCall, type BrokerConnections } from './broker-connections.ts';
import type { ClusterMetadata } from './cluster-metadata.ts';

/** Where to position a consumer: the earliest or latest offset, an exact offset, or the first record at or after a timestamp (ms). */
export type SeekTarget = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

/**
 * Turns seek targets into offsets with ListOffsets requests to each partition's leader.
 * A timestamp after the last record resolves to the log end offset (as Kafka consumers do).
 */
export class OffsetResolver {
  readonly #metadata: ClusterMetadata;
  readonly #connections: BrokerConnections;
  readonly #timeoutMs: number;

  constructor(metadata: ClusterMetadata, connections: BrokerConnections, timeoutMs: number) {
    this.#metadata = metadata;
    this.#connections = connections;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Offsets keyed by "topic-partition". Throws the first error (retriable ones after a metadata
   * refresh has been started) so the caller's back-off applies.
   */
  async resolve(items: ReadonlyArray<{ topic: string; partition: number; target: SeekTarget }>, signal?: AbortSignal): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const byLeader = new Map<string, ListOffsetsPartition[]>();
    const again: Array<{ topic: string; partition: number; target: SeekTarget }> = [];
    for (const item of items) {
      const key = `${item.topic}-${item.partition}`;
      if (typeof item.target === 'object' && 'offset' in item.target) {
        out.set(key, item.target.offset);
        continue;
      }
      const topic = await this.#metadata.requireTopic(item.topic, signal);
      if (item.partition >= topic.partitions.length) {
        throw new RunnelError('UNKNOWN_PARTITION', `Partition ${item.partition} of ${item.topic} does not exist (the topic has ${topic.partitions.length})`);
      }
      const leader = this.#metadata.leaderAddress(item.topic, item.partition);
      if (leader === undefined) throw new RunnelError('LEADER_NOT_AVAILABLE', `${key} has no leader right now`);
      const spec = item.target === 'earliest' ? 'OFFSET_SPEC_EARLIEST' : item.target === 'latest' ? 'OFFSET_SPEC_LATEST' : 'OFFSET_SPEC_TIMESTAMP';
      const timestamp = typeof item.target === 'object' && 'timestamp' in item.target ? item.target.timestamp : 0;
      const list = byLeader.get(leader) ?? [];
      list.push({ topic: item.topic, partition: item.partition, spec, timestamp });
      byLeader.set(leader, list);
    }
    for (const [address, partitions] of byLeader) {
      const { log } = this.#connections.get(address);
      const response = await unaryCall<ListOffsetsResponse__Output>((o, cb) => log.ListOffsets({ partitions }, o, cb), { timeoutMs: this.#timeoutMs, signal, what: `ListOffsets on broker ${address}` });
      for (const p of response.partitions) {
        if (p.error) throw fromWireError(p.error);
        const asked = partitions.find((x) => x.topic === p.topic && x.partition === p.partition);
        if (asked?.spec === 'OFFSET_SPEC_TIMESTAMP' && p.offset < 0) again.push({ topic: p.topic, partition: p.partition, target: 'latest' });
        else out.set(`${p.topic}-${p.partition}`, p.offset);
      }
    }
    if (again.length > 0) for (const [k, v] of await this.resolve(again, signal)) out.set(k, v);
    return out;
  }
}
