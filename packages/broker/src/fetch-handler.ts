import {
  RunnelError,
  type FetchPartition__Output,
  type FetchPartitionResponse,
  type FetchRequest__Output,
  type FetchResponse,
} from '@runnel/protocol';
import { batchStats } from './batch-stats.ts';
import { partitionError, type BrokerContext } from './broker-context.ts';
import type { RpcName } from './broker-metrics.ts';
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_PARTITION_FETCH_MAX_BYTES, MAX_FETCH_RESPONSE_BYTES } from './grpc-limits.ts';
import type { PartitionReplica } from './partition-replica.ts';
import { MAX_FETCH_WAIT_MS, MAX_PARTITIONS_PER_REQUEST, requireIntInRange, requireNonEmpty } from './request-validation.ts';

/**
 * Checks a fetch partition's leader epoch (KIP-320): an older epoch than the leader's means the
 * client follows a deposed leader (FENCED_LEADER_EPOCH), a newer one that this broker is behind
 * (UNKNOWN_LEADER_EPOCH); -1 skips the check.
 */
export function checkLeaderEpoch(replica: PartitionReplica, requested: number): RunnelError | undefined {
  if (requested < 0 || requested === replica.leaderEpoch) return undefined;
  if (requested < replica.leaderEpoch) {
    return new RunnelError('FENCED_LEADER_EPOCH', `Fetch from ${replica.name} at leader epoch ${requested} is fenced: the current leader epoch is ${replica.leaderEpoch}`, {
      leaderHint: replica.leaderId,
    });
  }
  return new RunnelError('UNKNOWN_LEADER_EPOCH', `Fetch from ${replica.name} at leader epoch ${requested}: this broker knows only epoch ${replica.leaderEpoch} so far`);
}

/** The OFFSET_OUT_OF_RANGE error for `offset`, or undefined when the log holds it (or it is the log end). */
export function checkOffsetInRange(replica: PartitionReplica, offset: number): RunnelError | undefined {
  const { logStartOffset, logEndOffset } = replica.log;
  if (offset >= logStartOffset && offset <= logEndOffset) return undefined;
  return new RunnelError(
    'OFFSET_OUT_OF_RANGE',
    `Offset ${offset} is out of range for ${replica.name}: the log holds offsets ${logStartOffset}..${logEndOffset - 1} (log end ${logEndOffset})`,
  );
}

interface CheckedFetch {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
}

function checkFetchRequest(request: FetchRequest__Output): CheckedFetch {
  requireNonEmpty('partitions', request.partitions);
  requireIntInRange('number of partitions', request.partitions.length, 1, MAX_PARTITIONS_PER_REQUEST);
  const maxWaitMs = requireIntInRange('max_wait_ms', request.maxWaitMs, 0, MAX_FETCH_WAIT_MS);
  const minBytes = requireIntInRange('min_bytes', request.minBytes, 0, 2 ** 31 - 1);
  const maxBytes = requireIntInRange('max_bytes', request.maxBytes, 0, 2 ** 31 - 1);
  for (const p of request.partitions) {
    requireIntInRange(`offset of ${p.topic}-${p.partition}`, p.offset, 0, Number.MAX_SAFE_INTEGER);
    requireIntInRange(`max_bytes of ${p.topic}-${p.partition}`, p.maxBytes, 0, 2 ** 31 - 1);
  }
  const effectiveMax = Math.min(maxBytes === 0 ? DEFAULT_FETCH_MAX_BYTES : maxBytes, MAX_FETCH_RESPONSE_BYTES);
  // A min_bytes above what one response may carry would wait for nothing: cap it there.
  return { maxWaitMs, minBytes: Math.min(minBytes, effectiveMax), maxBytes: effectiveMax };
}

/**
 * Reads one partition up to its high watermark (never uncommitted data), at most `budget` bytes
 * unless nothing was read yet (then at least one whole batch, as Kafka does).
 */
export async function readPartition(
  ctx: BrokerContext,
  rpc: RpcName,
  p: { topic: string; partition: number; offset: number; maxBytes: number; currentLeaderEpoch: number },
  budget: number,
  mustProgress: boolean,
): Promise<FetchPartitionResponse & { bytes: number }> {
  const base = { topic: p.topic, partition: p.partition, highWatermark: -1, logStartOffset: -1, logEndOffset: -1, records: EMPTY, bytes: 0 };
  const replica = ctx.registry.leaderFor(p.topic, p.partition);
  if (replica instanceof RunnelError) return { ...base, error: partitionError(ctx, rpc, replica) };
  const log = replica.log;
  const state = { ...base, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset };
  const problem = checkLeaderEpoch(replica, p.currentLeaderEpoch) ?? checkOffsetInRange(replica, p.offset);
  if (problem !== undefined) return { ...state, error: partitionError(ctx, rpc, problem) };
  const hw = log.highWatermark;
  if (p.offset >= hw || (budget <= 0 && !mustProgress)) return state;
  const maxBytes = Math.max(1, Math.min(p.maxBytes === 0 ? DEFAULT_PARTITION_FETCH_MAX_BYTES : p.maxBytes, budget));
  try {
    const { records } = await log.read(p.offset, { maxBytes, maxOffset: hw });
    if (records.length === 0) {
      // Committed offsets must be readable; answering empty would stall the consumer (and spin a tail) silently.
      throw new RunnelError('STORAGE_ERROR', `Cannot read offset ${p.offset} of ${replica.name}: the log returned no batch below the high watermark ${hw}`);
    }
    // Storage returns at least one whole batch; only the first partition with data may exceed the budget.
    if (!mustProgress && records.length > budget) return state;
    const { recordCount } = batchStats(records);
    replica.counters.bytesOut.inc(records.length);
    replica.counters.recordsOut.inc(recordCount);
    return { ...state, records, bytes: records.length };
  } catch (err) {
    return { ...state, error: partitionError(ctx, rpc, err) };
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Serves a Fetch: reads every partition; if fewer than `min_bytes` are available and no partition
 * failed, waits until an append moves the HW of one of them (woken by the partitions, never by
 * polling), `max_wait_ms` passes, the call is cancelled or the broker shuts down; then reads again.
 * `max_bytes` bounds the whole response; the first partition with data may exceed it by one batch.
 * @throws RunnelError INVALID_REQUEST for malformed whole-request fields
 */
export async function serveFetch(ctx: BrokerContext, request: FetchRequest__Output, signal: AbortSignal): Promise<FetchResponse> {
  const checked = checkFetchRequest(request);
  const deadline = performance.now() + checked.maxWaitMs;
  for (;;) {
    const partitions = await readAll(ctx, request.partitions, checked.maxBytes);
    const total = partitions.reduce((sum, p) => sum + p.bytes, 0);
    const failed = partitions.some((p) => p.error != null);
    const remaining = deadline - performance.now();
    if (total >= checked.minBytes || failed || remaining <= 0 || signal.aborted || ctx.shutdownSignal.aborted) {
      return { partitions: partitions.map(({ bytes: _bytes, ...rest }) => rest) };
    }
    await waitForAppend(ctx, request.partitions, remaining, signal);
  }
}

async function readAll(ctx: BrokerContext, partitions: FetchPartition__Output[], maxBytes: number): Promise<Array<FetchPartitionResponse & { bytes: number }>> {
  const out: Array<FetchPartitionResponse & { bytes: number }> = [];
  let budget = maxBytes;
  for (const p of partitions) {
    const result = await readPartition(ctx, 'Fetch', p, budget, budget === maxBytes);
    budget -= result.bytes;
    out.push(result);
  }
  return out;
}

/** Resolves when any of the partitions' HW moves (or role changes), after `timeoutMs`, or on abort. */
function waitForAppend(ctx: BrokerContext, partitions: FetchPartition__Output[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const unlisteners: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const u of unlisteners) u();
      signal.removeEventListener('abort', done);
      ctx.shutdownSignal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    for (const p of partitions) {
      const replica = ctx.registry.get(p.topic, p.partition);
      if (replica !== undefined) unlisteners.push(replica.listen(done));
    }
    signal.addEventListener('abort', done, { once: true });
    ctx.shutdownSignal.addEventListener('abort', done, { once: true });
  });
}
