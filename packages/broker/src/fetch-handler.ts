import {
  type FetchPartition__Output,
  type FetchPartitionResponse,
  type FetchRequest__Output,
  type FetchResponse,
} from '@runnel/protocol';
import { partitionError, type BrokerContext } from './broker-context.ts';
import type { RpcName } from './broker-metrics.ts';
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_PARTITION_FETCH_MAX_BYTES, MAX_FETCH_RESPONSE_BYTES } from './grpc-limits.ts';
import { MAX_FETCH_WAIT_MS, MAX_PARTITIONS_PER_REQUEST, requireIntInRange, requireNonEmpty } from './request-validation.ts';
import { leaseFrom, readBuffers } from './read-buffers.ts';

export { ReadBuffers, readBuffers } from './read-buffers.ts';

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
 * Reads one partition through the partition directory's one fetch entry: committed data only, at
 * most `budget` bytes unless nothing was read yet (then at least one whole batch, as Kafka does).
 * With `leased`, large reads go into a buffer from {@link readBuffers} that is appended to
 * `leased`: the caller gives it back once the response is serialized.
 */
export async function readPartition(
  ctx: BrokerContext,
  rpc: RpcName,
  p: { topic: string; partition: number; offset: number; maxBytes: number; currentLeaderEpoch: number },
  budget: number,
  mustProgress: boolean,
  leased?: Buffer[],
): Promise<FetchPartitionResponse & { bytes: number }> {
  const maxBytes = Math.min(p.maxBytes === 0 ? DEFAULT_PARTITION_FETCH_MAX_BYTES : p.maxBytes, budget);
  const read = await ctx.partitions.fetch({
    topic: p.topic,
    partition: p.partition,
    offset: p.offset,
    maxBytes,
    currentLeaderEpoch: p.currentLeaderEpoch,
    strict: !mustProgress,
    ...(leased === undefined ? {} : { allocate: leaseFrom(leased) }),
  });
  const { error, records, ...positions } = read;
  const response = { topic: p.topic, partition: p.partition, ...positions, records: records.length > 0 ? records : EMPTY, bytes: records.length };
  if (error !== undefined) return { ...response, error: partitionError(ctx, rpc, error) };
  return response;
}

const EMPTY = Buffer.alloc(0);

/**
 * Serves a Fetch: reads every partition; if fewer than `min_bytes` are available and no partition
 * failed, waits until an append moves the HW of one of them (woken by the partitions, never by
 * polling), `max_wait_ms` passes, the call is cancelled or the broker shuts down; then reads again.
 * `max_bytes` bounds the whole response; the first partition with data may exceed it by one batch.
 * Records may be views of buffers appended to `leased` (see {@link readPartition}).
 * @throws RunnelError INVALID_REQUEST for malformed whole-request fields
 */
export async function serveFetch(ctx: BrokerContext, request: FetchRequest__Output, signal: AbortSignal, leased: Buffer[] = [], rpc: RpcName = 'Fetch'): Promise<FetchResponse> {
  const checked = checkFetchRequest(request);
  const started = performance.now();
  const deadline = started + checked.maxWaitMs;
  let waitedMs = 0;
  for (;;) {
    const partitions = await readAll(ctx, rpc, request.partitions, checked.maxBytes, leased);
    const total = partitions.reduce((sum, p) => sum + p.bytes, 0);
    const failed = partitions.some((p) => p.error != null);
    const remaining = deadline - performance.now();
    const response = { partitions: partitions.map(({ bytes: _bytes, ...rest }) => rest) };
    if (total >= checked.minBytes || failed || remaining <= 0 || signal.aborted || ctx.shutdownSignal.aborted) {
      ctx.metrics.observeFetchServe((performance.now() - started - waitedMs) / 1000);
      return response;
    }
    const waitStarted = performance.now();
    await waitForAppend(ctx, request.partitions, remaining, signal);
    waitedMs += performance.now() - waitStarted;
    // A broker shutting down answers with what it read (its partitions are being closed); its
    // buffers stay leased until the caller has serialized it.
    if (ctx.shutdownSignal.aborted) return response;
    // What was read is dropped: read again after the wait.
    readBuffers.release(leased.splice(0));
  }
}

async function readAll(ctx: BrokerContext, rpc: RpcName, partitions: FetchPartition__Output[], maxBytes: number, leased: Buffer[]): Promise<Array<FetchPartitionResponse & { bytes: number }>> {
  const out: Array<FetchPartitionResponse & { bytes: number }> = [];
  let budget = maxBytes;
  for (const p of partitions) {
    const result = await readPartition(ctx, rpc, p, budget, budget === maxBytes, leased);
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
      const replica = ctx.partitions.get(p.topic, p.partition);
      if (replica !== undefined) unlisteners.push(replica.listen(done));
    }
    signal.addEventListener('abort', done, { once: true });
    ctx.shutdownSignal.addEventListener('abort', done, { once: true });
  });
}
