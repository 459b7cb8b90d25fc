import { RunnelError, validateBatches, type ValidatedBatch } from '@runnel/protocol';
import type { NodeContext } from './node-context.ts';
import type { NodeProduceRequest, NodeProduceResult } from './replication-node-api.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';

/**
 * The batches of a produce, validated once (framing and CRC, size against the topic's
 * `max.message.bytes`, no control batch, no mix of idempotent and plain batches), with their
 * record count. Nothing is decoded beyond the batch headers.
 * @throws RunnelError CORRUPT_BATCH, RECORD_TOO_LARGE, INVALID_RECORD or INVALID_REQUEST
 */
export function checkBatches(p: ReplicatedPartition, records: Buffer): { batches: ValidatedBatch[]; recordCount: number } {
  let batches: ValidatedBatch[];
  try {
    batches = validateBatches(records, { maxBatchBytes: p.config.maxBatchBytes });
  } catch (err) {
    if (err instanceof RunnelError && err.code === 'RECORD_TOO_LARGE') throw new RunnelError(err.code, `${err.message} (the topic's max.message.bytes)`, { cause: err });
    throw err;
  }
  if (batches.length === 0) throw new RunnelError('INVALID_REQUEST', 'the request carries no record batch');
  let recordCount = 0;
  let idempotent = 0;
  for (const b of batches) {
    if (b.header.isControl) throw new RunnelError('INVALID_RECORD', `the batch at byte ${b.position} is a control batch; producers may not write control batches`);
    if (b.header.producerId >= 0) idempotent++;
    recordCount += b.header.recordCount;
  }
  if (idempotent > 0 && idempotent !== batches.length) throw new RunnelError('INVALID_REQUEST', 'the request mixes idempotent and plain batches');
  return { batches, recordCount };
}

/**
 * A produce on the leader (rules 2, 4, 11), after the partition was looked up. Everything up to
 * the append runs synchronously, so appends keep arrival order. Definite failures (nothing
 * written): NOT_LEADER, NOT_ENOUGH_REPLICAS, BROKER_NOT_AVAILABLE (acks=0/1 past the renew
 * deadline), invalid batches, sequence errors. After the append, a failure to commit is
 * REQUEST_TIMED_OUT or NOT_ENOUGH_REPLICAS_AFTER_APPEND (outcome unknown).
 */
export function leaderProduce(ctx: NodeContext, p: ReplicatedPartition, request: NodeProduceRequest, signal?: AbortSignal): Promise<NodeProduceResult> {
  try {
    const notLeader = p.notLeaderError(ctx.self.id);
    if (notLeader !== undefined) throw notLeader;
    if (p.handingOver) throw new RunnelError('NOT_LEADER', `Partition ${p.name} is being handed over by broker ${ctx.self.id}; retry on the new leader`, { leaderHint: -1 });
    if (request.acks !== 'all' && !ctx.lease.valid) {
      throw new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${ctx.self.id} takes no acks=0/1 writes for ${p.name}: its broker Lease renewal is overdue`);
    }
    if (p.state.isr.length < p.minIsr) {
      throw new RunnelError('NOT_ENOUGH_REPLICAS', `Partition ${p.name} has ${p.state.isr.length} in-sync replica(s); min.insync.replicas is ${p.minIsr}; nothing was written`);
    }
    const { batches, recordCount } = checkBatches(p, request.records);
    const checks = batches[0]!.header.producerId < 0 ? [] : batches.map((b) => ({ header: b.header, check: p.producers.check(b.header) }));
    const duplicates = checks.filter((c) => c.check.kind === 'duplicate');
    if (duplicates.length > 0) {
      if (duplicates.length !== checks.length || checks.length !== 1) {
        throw new RunnelError('DUPLICATE_SEQUENCE', `A produce to ${p.name} repeats some but not all of its batches; send one idempotent batch per partition and request`);
      }
      const dup = duplicates[0]!.check;
      return answerDuplicate(p, request, dup.kind === 'duplicate' ? dup.offsets : { baseOffset: -1, lastOffset: -1 }, signal);
    }
    // Followers may copy the batches once written: their fsync then overlaps the leader's (the HW still counts only flushed data here).
    const appended = p.trackAppend(p.log.append(request.records, { leaderEpoch: p.state.leaderEpoch, assignOffsets: true, onWritten: () => p.notify() }));
    let before = 0;
    // Only idempotent batches need their offsets reserved (the table handles a failed append).
    const offsets = checks.length === 0 ? undefined : appended.then((r) => ({ baseOffset: r.baseOffset, lastOffset: r.lastOffset }));
    for (const c of checks) {
      const skip = before;
      const delta = c.header.lastOffsetDelta;
      // Storage assigns offsets consecutively: this batch starts after the records of the ones before it.
      if (c.check.kind === 'append' && offsets !== undefined) c.check.reserve?.(offsets.then((o) => ({ baseOffset: o.baseOffset + skip, lastOffset: o.baseOffset + skip + delta })));
      before += delta + 1;
    }
    return (async () => {
      const result = await appended;
      const counters = ctx.counters(p.topic);
      counters?.bytesIn.inc(request.records.length);
      counters?.recordsIn.inc(recordCount);
      p.notify();
      const hw = p.advanceHighWatermark();
      if (hw !== undefined) ctx.observer.highWatermark?.({ broker: ctx.self.id, brokerEpoch: ctx.self.brokerEpoch, partition: p.name, leaderEpoch: p.state.leaderEpoch, asLeader: true, highWatermark: hw });
      if (request.acks === 'all') await p.waitForHighWatermark(result.lastOffset, request.timeoutMs, signal);
      return { baseOffset: result.baseOffset, lastOffset: result.lastOffset, logAppendTime: logAppendTime(p, result.logAppendTime), logStartOffset: p.log.logStartOffset };
    })();
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** The broker's append time when the topic stamps it (`message.timestamp.type=LogAppendTime`), else -1. */
function logAppendTime(p: ReplicatedPartition, time: number): number {
  return p.config.timestampType === 'logAppend' ? time : -1;
}

async function answerDuplicate(
  p: ReplicatedPartition,
  request: NodeProduceRequest,
  offsets: Promise<{ baseOffset: number; lastOffset: number }> | { baseOffset: number; lastOffset: number },
  signal: AbortSignal | undefined,
): Promise<NodeProduceResult> {
  const o = await offsets;
  if (request.acks === 'all') await p.waitForHighWatermark(o.lastOffset, request.timeoutMs, signal);
  return { baseOffset: o.baseOffset, lastOffset: o.lastOffset, logAppendTime: -1, logStartOffset: p.log.logStartOffset };
}
