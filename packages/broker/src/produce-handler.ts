import {
  RunnelError,
  type ProducePartition__Output,
  type ProducePartitionResponse,
  type ProduceRequest__Output,
  type ProduceResponse,
} from '@runnel/protocol';
import { partitionError, type BrokerContext } from './broker-context.ts';
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
 * Runs a checked produce request through the partition directory's one produce entry, one call
 * per request partition, in the order of the request. Each call issues its append synchronously
 * (validating the batches once: framing and CRC, no record decoding), so calls made in arrival
 * order keep per-partition order. Never rejects: every partition failure is in that partition's
 * `error`.
 */
export function runProduce(ctx: BrokerContext, rpc: RpcName, request: ProduceRequest__Output, checked: CheckedProduce): Promise<ProduceResponse> {
  const partitions = request.partitions.map((p) => producePartition(ctx, rpc, p, checked));
  return Promise.all(partitions).then((results) => ({ correlationId: request.correlationId, partitions: results }));
}

async function producePartition(ctx: BrokerContext, rpc: RpcName, p: ProducePartition__Output, checked: CheckedProduce): Promise<ProducePartitionResponse> {
  const base = { topic: p.topic, partition: p.partition, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
  const produced = ctx.partitions.produce({ topic: p.topic, partition: p.partition, records: p.records, acks: checked.acks, timeoutMs: checked.timeoutMs }, ctx.shutdownSignal);
  if (checked.acks === 'none') {
    // Nobody waits for the answer; a failure is still counted.
    produced.catch((err: unknown) => partitionError(ctx, rpc, err));
    return { ...base };
  }
  try {
    const result = await produced;
    return { topic: p.topic, partition: p.partition, baseOffset: result.baseOffset, logAppendTime: result.logAppendTime, logStartOffset: result.logStartOffset };
  } catch (err) {
    return { ...base, logStartOffset: ctx.partitions.get(p.topic, p.partition)?.log.logStartOffset ?? -1, error: partitionError(ctx, rpc, err) };
  }
}
