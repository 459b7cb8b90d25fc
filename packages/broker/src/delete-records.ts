import { RunnelError, type AdminHandlers, type DeleteRecordsPartitionResult } from '@runnel/protocol';
import { partitionError, requestError, type BrokerContext } from './broker-context.ts';
import { MAX_PARTITIONS_PER_REQUEST, requireIntInRange } from './request-validation.ts';
import type { PartitionDirectory } from './replication/partition-directory.ts';

/** The offset that means "the high watermark": delete every committed record (Kafka's -1). */
export const DELETE_TO_HIGH_WATERMARK = -1;

/** How long the leader waits for its in-sync followers when the request names no `timeout_ms` (Kafka's default request timeout). */
export const DEFAULT_DELETE_RECORDS_TIMEOUT_MS = 30_000;

/** The longest `timeout_ms` a DeleteRecords request may ask for. */
export const MAX_DELETE_RECORDS_TIMEOUT_MS = 300_000;

/**
 * DeleteRecords on one partition (Kafka's, KIP-107): this broker must lead it (with a valid broker
 * Lease, as for reads); it moves the leader's log start to `offset` (-1: the high watermark) and
 * deletes the whole segments below it. An offset at or below the log start changes nothing. The
 * followers follow it through the `log_start_offset` of their next ReplicaFetch, capped at their
 * own HW, as they follow retention, and report their own log start in the fetch after. As Kafka
 * does, the answer waits (up to `timeoutMs`) until every in-sync follower has reported a log start
 * at or past the offset, and carries the low watermark: the smallest log start over the leader and
 * its in-sync followers.
 *
 * @throws RunnelError INVALID_REQUEST for an offset that is neither ≥ 0 nor -1; OFFSET_OUT_OF_RANGE
 *   for an offset above the high watermark; UNKNOWN_TOPIC, UNKNOWN_PARTITION, NOT_LEADER (with the
 *   leader as hint), LEADER_NOT_AVAILABLE, BROKER_NOT_AVAILABLE, STORAGE_ERROR as the leader lookup
 *   says; REQUEST_TIMED_OUT when a follower has not reported the new log start within `timeoutMs`
 *   (the leader has deleted the records), or when leadership moves during that wait (the outcome
 *   on the next leader is unknown; a retry is safe). Never NOT_LEADER once the log start moved:
 *   clients read that as "nothing was deleted".
 */
export async function deleteRecords(partitions: PartitionDirectory, topic: string, partition: number, offset: number, timeoutMs = DEFAULT_DELETE_RECORDS_TIMEOUT_MS): Promise<{ lowWatermark: number }> {
  const name = `${topic}-${partition}`;
  if (!Number.isSafeInteger(offset) || offset < DELETE_TO_HIGH_WATERMARK) {
    throw new RunnelError('INVALID_REQUEST', `Cannot delete records of ${name} below offset ${String(offset)}: the offset must be 0 or more, or -1 for the high watermark`);
  }
  const p = partitions.leaderForRead(topic, partition);
  if (p instanceof RunnelError) throw p;
  if (p.promotion !== undefined) throw new RunnelError('LEADER_NOT_AVAILABLE', `Cannot delete records of ${name} yet: its leader is still taking over`);
  const hw = p.log.highWatermark;
  const target = offset === DELETE_TO_HIGH_WATERMARK ? hw : offset;
  if (target > hw) {
    throw new RunnelError('OFFSET_OUT_OF_RANGE', `Cannot delete records of ${name} below offset ${target}: it is above the high watermark ${hw} (only committed records can be deleted; -1 means the high watermark)`);
  }
  await p.log.advanceLogStartOffset(target);
  return { lowWatermark: await p.waitForLowWatermark(target, timeoutMs) };
}

/** The Admin service's DeleteRecords handler: each partition answered on its own, in request order. */
export function deleteRecordsHandler(ctx: BrokerContext): Pick<AdminHandlers, 'DeleteRecords'> {
  return {
    DeleteRecords(call, callback) {
      const stop = ctx.metrics.startTimer('DeleteRecords');
      let timeoutMs: number;
      try {
        requireIntInRange('number of partitions', call.request.partitions.length, 1, MAX_PARTITIONS_PER_REQUEST);
        timeoutMs = requireIntInRange('timeout_ms', call.request.timeoutMs, 0, MAX_DELETE_RECORDS_TIMEOUT_MS) || DEFAULT_DELETE_RECORDS_TIMEOUT_MS;
      } catch (err) {
        stop();
        callback(requestError(ctx, 'DeleteRecords', err));
        return;
      }
      void (async () => {
        const results: DeleteRecordsPartitionResult[] = [];
        for (const q of call.request.partitions) {
          try {
            const { lowWatermark } = await deleteRecords(ctx.partitions, q.topic, q.partition, q.offset, timeoutMs);
            ctx.logger.info({ topic: q.topic, partition: q.partition, offset: q.offset, lowWatermark }, 'records deleted');
            results.push({ topic: q.topic, partition: q.partition, lowWatermark });
          } catch (err) {
            results.push({ topic: q.topic, partition: q.partition, lowWatermark: -1, error: partitionError(ctx, 'DeleteRecords', err) });
          }
        }
        stop();
        callback(null, { partitions: results });
      })();
    },
  };
}
