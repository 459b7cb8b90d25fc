import { RunnelError, validateBatches } from '@runnel/protocol';
import type { NodeContext } from './node-context.ts';
import type { NodeProduceRequest, NodeProduceResult } from './replication-node-api.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';

/**
 * A produce on the leader (rules 2, 4, 11). Everything up to the append runs synchronously, so
 * appends keep arrival order. Definite failures (nothing written): NOT_LEADER, NOT_ENOUGH_REPLICAS,
 * BROKER_NOT_AVAILABLE (acks=0/1 past the renew deadline), sequence errors. After the append, a
 * failure to commit is REQUEST_TIMED_OUT or NOT_ENOUGH_REPLICAS_AFTER_APPEND (outcome unknown).
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
    const batches = validateBatches(request.records, { maxBatchBytes: p.config.maxBatchBytes });
    if (batches.length === 0) throw new RunnelError('INVALID_REQUEST', `The produce to ${p.name} carries no record batch`);
    const idempotent = batches.filter((b) => b.header.producerId >= 0);
    for (const b of batches) {
      if (b.header.isControl) throw new RunnelError('INVALID_RECORD', `The batch at byte ${b.position} for ${p.name} is a control batch; producers may not write control batches`);
    }
    if (idempotent.length > 0 && idempotent.length !== batches.length) {
      throw new RunnelError('INVALID_REQUEST', `A produce to ${p.name} mixes idempotent and plain batches`);
    }
    const checks = idempotent.map((b) => ({ header: b.header, check: p.producers.check(b.header) }));
    const duplicates = checks.filter((c) => c.check.kind === 'duplicate');
    if (duplicates.length > 0) {
      if (duplicates.length !== checks.length || checks.length !== 1) {
        throw new RunnelError('DUPLICATE_SEQUENCE', `A produce to ${p.name} repeats some but not all of its batches; send one idempotent batch per partition and request`);
      }
      const dup = duplicates[0]!.check;
      return answerDuplicate(p, request, dup.kind === 'duplicate' ? dup.offsets : { baseOffset: -1, lastOffset: -1 }, signal);
    }
    const appended = p.log.append(request.records, { leaderEpoch: p.state.leaderEpoch, assignOffsets: true });
    const offsets = appended.then((r) => ({ baseOffset: r.baseOffset, lastOffset: r.lastOffset }));
    let before = 0;
    for (const c of checks) {
      const skip = before;
      const delta = c.header.lastOffsetDelta;
      // Storage assigns offsets consecutively: this batch starts after the records of the ones before it.
      if (c.check.kind === 'append') c.check.reserve?.(offsets.then((o) => ({ baseOffset: o.baseOffset + skip, lastOffset: o.baseOffset + skip + delta })));
      before += delta + 1;
    }
    return (async () => {
      const result = await appended;
      p.notify();
      const hw = p.advanceHighWatermark();
      if (hw !== undefined) ctx.observer.highWatermark?.({ broker: ctx.self.id, brokerEpoch: ctx.self.brokerEpoch, partition: p.name, leaderEpoch: p.state.leaderEpoch, asLeader: true, highWatermark: hw });
      if (request.acks === 'all') await p.waitForHighWatermark(result.lastOffset, request.timeoutMs, signal);
      return { baseOffset: result.baseOffset, lastOffset: result.lastOffset, logAppendTime: result.logAppendTime };
    })();
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

async function answerDuplicate(
  p: ReplicatedPartition,
  request: NodeProduceRequest,
  offsets: Promise<{ baseOffset: number; lastOffset: number }> | { baseOffset: number; lastOffset: number },
  signal: AbortSignal | undefined,
): Promise<NodeProduceResult> {
  const o = await offsets;
  if (request.acks === 'all') await p.waitForHighWatermark(o.lastOffset, request.timeoutMs, signal);
  return { baseOffset: o.baseOffset, lastOffset: o.lastOffset, logAppendTime: -1 };
}
