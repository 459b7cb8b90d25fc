import { RunnelError, toWireError } from '@runnel/protocol';
import type { NodeContext } from './node-context.ts';
import { leaseFrom } from '../read-buffers.ts';
import type { ReplicaFetchPartitionRequest, ReplicaFetchPartitionResponse, ReplicaFetchRequest, ReplicaFetchResponse } from './replica-transport.ts';

const EMPTY = Buffer.alloc(0);
/** The reason a woken long poll cancels its timer with (a given reason spares creating a DOMException per wake). */
const WOKEN = new Error('woken');
/** Cap of one replica fetch response. */
const MAX_REPLICA_FETCH_BYTES = 8 << 20;

/**
 * The leader's side of ReplicaFetch (rules 3–6, KIP-320/595): checks topic id and epoch, answers
 * divergence with the diverging epoch and its end offset, records the follower's position (from
 * `fetchOffset` only), advances the HW, may propose an ISR expansion, and long-polls up to
 * `maxWaitMs` when the follower is caught up. With `leased` (a transport that serializes the
 * answer before it gives them back), large reads go into pooled buffers noted there.
 */
export async function serveReplicaFetch(ctx: NodeContext, request: ReplicaFetchRequest, signal: AbortSignal, leased?: Buffer[]): Promise<ReplicaFetchResponse> {
  const first = request.partitions.map((q) => check(ctx, request, q));
  const waiting = first.every((r) => r.kind === 'caught-up');
  if (waiting && request.maxWaitMs > 0 && first.length > 0) await waitForData(ctx, request, signal);
  const budget = { left: Math.min(request.maxBytes > 0 ? request.maxBytes : MAX_REPLICA_FETCH_BYTES, MAX_REPLICA_FETCH_BYTES) };
  const partitions: ReplicaFetchPartitionResponse[] = [];
  for (const [i, q] of request.partitions.entries()) {
    const checked = first[i]!;
    if (checked.kind === 'answer') partitions.push(checked.response);
    else partitions.push(await read(ctx, q, budget, leased));
  }
  return { partitions };
}

type Checked = { kind: 'answer'; response: ReplicaFetchPartitionResponse } | { kind: 'caught-up' } | { kind: 'read' };

function base(q: ReplicaFetchPartitionRequest): ReplicaFetchPartitionResponse {
  return { topic: q.topic, partition: q.partition, highWatermark: -1, logStartOffset: -1, logEndOffset: -1, records: EMPTY };
}

function check(ctx: NodeContext, request: ReplicaFetchRequest, q: ReplicaFetchPartitionRequest): Checked {
  const fail = (err: RunnelError): Checked => ({ kind: 'answer', response: { ...base(q), error: toWireError(err) } });
  const self = ctx.self.id;
  const p = ctx.partitions.get(`${q.topic}-${q.partition}`);
  if (p === undefined || p.topicId !== q.topicId) return fail(new RunnelError('UNKNOWN_TOPIC', `Broker ${self} hosts no replica of ${q.topic}-${q.partition} with topic id ${q.topicId}`));
  const notLeader = p.notLeaderError(self);
  if (notLeader !== undefined) return fail(notLeader);
  const epoch = p.state.leaderEpoch;
  if (q.leaderEpoch < epoch) return fail(new RunnelError('FENCED_LEADER_EPOCH', `Replica fetch of ${p.name} at leader epoch ${q.leaderEpoch} is fenced: the current epoch is ${epoch}`, { leaderHint: self }));
  if (q.leaderEpoch > epoch) return fail(new RunnelError('UNKNOWN_LEADER_EPOCH', `Replica fetch of ${p.name} at leader epoch ${q.leaderEpoch}: broker ${self} knows only epoch ${epoch}`));
  if (!p.state.replicas.includes(request.replicaId) || request.replicaId === self) {
    return fail(new RunnelError('INVALID_REQUEST', `Broker ${request.replicaId} is not a follower replica of ${p.name} (replicas ${p.state.replicas.join(',')})`));
  }
  const log = p.log;
  const leo = log.logEndOffset;
  const state = { ...base(q), highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: leo };
  if (q.fetchOffset < log.logStartOffset) {
    // The follower fell behind retention: it restarts at this log start (carried in the answer).
    // Checked before divergence: the epochs it would compare may be gone with the deleted segments.
    return { kind: 'answer', response: { ...state, error: toWireError(new RunnelError('OFFSET_OUT_OF_RANGE', `Replica fetch of ${p.name} at ${q.fetchOffset} is below the log start ${log.logStartOffset}`)) } };
  }
  // Divergence (KIP-101/279/595): the follower's last epoch must end at or after its fetch offset here.
  if (q.lastFetchedEpoch >= 0 && q.fetchOffset > 0) {
    const end = log.leaderEpochs.endOffsetFor(q.lastFetchedEpoch, leo);
    if (end.epoch !== q.lastFetchedEpoch || end.endOffset < q.fetchOffset) {
      return { kind: 'answer', response: { ...state, divergingEpoch: end.epoch < 0 ? { epoch: -1, endOffset: log.logStartOffset } : end } };
    }
  }
  if (q.fetchOffset > leo) return { kind: 'answer', response: { ...state, divergingEpoch: { epoch: log.leaderEpochs.latestEpoch, endOffset: leo } } };
  p.recordFetch(request.replicaId, request.brokerEpoch, q.fetchOffset, q.logStartOffset);
  const hw = p.advanceHighWatermark();
  if (hw !== undefined) ctx.observer.highWatermark?.({ broker: self, brokerEpoch: ctx.self.brokerEpoch, partition: p.name, leaderEpoch: epoch, asLeader: true, highWatermark: hw });
  ctx.isr.maybeExpand(p, request.replicaId, request.brokerEpoch);
  return q.fetchOffset >= leo && q.fetchOffset >= log.highWatermark ? { kind: 'caught-up' } : { kind: 'read' };
}

/** Waits until a requested partition gets data (or its HW moves), `maxWaitMs` passes or `signal` aborts. */
async function waitForData(ctx: NodeContext, request: ReplicaFetchRequest, signal: AbortSignal): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort(WOKEN);
  signal.addEventListener('abort', stop, { once: true });
  ctx.signal.addEventListener('abort', stop, { once: true });
  const unlisten: Array<() => void> = [];
  for (const q of request.partitions) {
    const p = ctx.partitions.get(`${q.topic}-${q.partition}`);
    if (p !== undefined) unlisten.push(p.listen(stop));
  }
  try {
    await ctx.options.clock.sleep(request.maxWaitMs, controller.signal);
  } catch {
    // woken early
  } finally {
    for (const u of unlisten) u();
    signal.removeEventListener('abort', stop);
    ctx.signal.removeEventListener('abort', stop);
  }
}

async function read(ctx: NodeContext, q: ReplicaFetchPartitionRequest, budget: { left: number }, leased: Buffer[] | undefined): Promise<ReplicaFetchPartitionResponse> {
  const p = ctx.partitions.get(`${q.topic}-${q.partition}`)!;
  const log = p.log;
  const state = { ...base(q), highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset };
  if (p.role !== 'leader' || q.fetchOffset >= log.logEndOffset) return state;
  try {
    const maxBytes = Math.max(1, Math.min(q.maxBytes > 0 ? q.maxBytes : budget.left, budget.left));
    const { records } = await log.read(q.fetchOffset, { maxBytes, ...(leased === undefined ? {} : { allocate: leaseFrom(leased) }) });
    budget.left -= records.length;
    return { ...state, records };
  } catch (err) {
    return { ...state, error: toWireError(err) };
  }
}
