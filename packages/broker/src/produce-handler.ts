import {
  RunnelError,
  validateBatches,
  type ProducePartition__Output,
  type ProducePartitionResponse,
  type ProduceRequest__Output,
  type ProduceResponse,
} from '@runnel/protocol';
import { inPartition, partitionError, type BrokerContext } from './broker-context.ts';
import type { RpcName } from './broker-metrics.ts';
import {
  DEFAULT_PRODUCE_TIMEOUT_MS,
  MAX_PARTITIONS_PER_REQUEST,
  MAX_PRODUCE_TIMEOUT_MS,
  requireIntInRange,
  requireNonEmpty,
} from './request-validation.ts';

/** The acks levels of the wire, normalized (UNSPECIFIED means all). */
export type AcksLevel = 'none' | 'leader' | 'all';

const ACKS: Record<string, AcksLevel> = { ACKS_UNSPECIFIED: 'all', ACKS_NONE: 'none', ACKS_LEADER: 'leader', ACKS_ALL: 'all' };

/** A produce request checked at the edge. */
export interface CheckedProduce {
  readonly acks: AcksLevel;
  readonly timeoutMs: number;
}

/**
 * Checks the whole-request fields of a produce request.
 * @throws RunnelError INVALID_REQUEST naming the field
 */
export function checkProduceRequest(request: ProduceRequest__Output): CheckedProduce {
  const acks = ACKS[String(request.acks)];
  if (acks === undefined) throw new RunnelError('INVALID_REQUEST', `Invalid acks ${String(request.acks)}: expected ACKS_NONE, ACKS_LEADER or ACKS_ALL`);
  requireNonEmpty('partitions', request.partitions);
  requireIntInRange('number of partitions', request.partitions.length, 1, MAX_PARTITIONS_PER_REQUEST);
  const timeoutMs = requireIntInRange('timeout_ms', request.timeoutMs, 0, MAX_PRODUCE_TIMEOUT_MS);
  return { acks, timeoutMs: timeoutMs === 0 ? DEFAULT_PRODUCE_TIMEOUT_MS : timeoutMs };
}

/**
 * Runs a checked produce request: validates each partition's batches (framing and CRC only, no
 * record decoding), appends them with one storage call per partition, and waits as `acks` says.
 * Appends are issued synchronously, in the order of the request, before this function first
 * yields, so calls made in arrival order keep per-partition order. Never rejects: every
 * partition failure is in that partition's `error`.
 */
export function runProduce(ctx: BrokerContext, rpc: RpcName, request: ProduceRequest__Output, checked: CheckedProduce): Promise<ProduceResponse> {
  const partitions = request.partitions.map((p) => producePartition(ctx, rpc, p, checked));
  return Promise.all(partitions).then((results) => ({ correlationId: request.correlationId, partitions: results }));
}

async function producePartition(ctx: BrokerContext, rpc: RpcName, p: ProducePartition__Output, checked: CheckedProduce): Promise<ProducePartitionResponse> {
  const base = { topic: p.topic, partition: p.partition, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
  const replica = ctx.registry.leaderFor(p.topic, p.partition);
  if (replica instanceof RunnelError) return { ...base, error: partitionError(ctx, rpc, replica) };
  let recordCount = 0;
  try {
    const batches = validateBatches(p.records, { maxBatchBytes: replica.config.maxBatchBytes });
    if (batches.length === 0) throw new RunnelError('INVALID_REQUEST', 'the request carries no record batch');
    for (const batch of batches) {
      if (batch.header.isControl) throw new RunnelError('INVALID_RECORD', `the batch at byte ${batch.position} is a control batch; producers may not write control batches`);
      recordCount += batch.header.recordCount;
    }
  } catch (err) {
    const named = err instanceof RunnelError && err.code === 'RECORD_TOO_LARGE'
      ? new RunnelError(err.code, `${err.message} (the topic's max.message.bytes)`, { cause: err })
      : err;
    return { ...base, logStartOffset: replica.log.logStartOffset, error: partitionError(ctx, rpc, inPartition(replica.name, 'Cannot append to', named)) };
  }
  try {
    const appended = replica.append(p.records, recordCount);
    if (checked.acks === 'none') {
      // Nobody waits for the answer; a failure is still counted.
      appended.catch((err: unknown) => partitionError(ctx, rpc, err));
      return { ...base };
    }
    const result = await appended;
    if (checked.acks === 'all') await replica.waitForHighWatermark(result.lastOffset, checked.timeoutMs, ctx.shutdownSignal);
    return {
      topic: p.topic,
      partition: p.partition,
      baseOffset: result.baseOffset,
      logAppendTime: replica.config.timestampType === 'logAppend' ? result.logAppendTime : -1,
      logStartOffset: replica.log.logStartOffset,
    };
  } catch (err) {
    return { ...base, logStartOffset: replica.log.logStartOffset, error: partitionError(ctx, rpc, inPartition(replica.name, 'Cannot append to', err)) };
  }
}
