import { readBatchHeader } from '@runnel/protocol';
import { readUntilAnswered } from './partition-cas.ts';
import type { NodeContext } from './node-context.ts';
import type { ReplicaFetchPartitionResponse } from './replica-transport.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';
import { withTimeout } from './with-timeout.ts';

/** One partition of a replica fetch as sent: the log it was asked for. */
interface Sent {
  p: ReplicatedPartition;
  generation: number;
  epoch: number;
  fetchOffset: number;
  lastFetchedEpoch: number;
}

/** The base offset of the first batch in `records`. */
function firstBaseOffset(records: Buffer): number {
  return readBatchHeader(records, 0).baseOffset;
}

/** Bytes per partition per replica fetch. */
const PARTITION_FETCH_BYTES = 8 << 20;

/**
 * Fetches, from one leader broker, every partition this broker follows there, in one epoch-tagged
 * long-poll request (rule 3). A partition's response is applied only if nothing changed since the
 * request was sent (same fetch generation: no failover, epoch change or truncation in between), and
 * under the partition's lane so it never interleaves with a failover. Ends when no partition is
 * followed from this leader any more.
 */
export class ReplicaFetcher {
  readonly #ctx: NodeContext;
  readonly #leaderId: number;

  constructor(ctx: NodeContext, leaderId: number) {
    this.#ctx = ctx;
    this.#leaderId = leaderId;
  }

  #followed(): ReplicatedPartition[] {
    return [...this.#ctx.partitions.values()].filter((p) => p.role === 'follower' && !p.closed && p.fetching && p.state.holder?.id === this.#leaderId && p.state.holder.id !== this.#ctx.self.id);
  }

  /** Never rejects. */
  async run(): Promise<void> {
    const ctx = this.#ctx;
    const { clock, timing, transport } = ctx.options;
    // A broker shutting down stops following: leaders then hand over to brokers that stay.
    const stop = AbortSignal.any([ctx.signal, ctx.draining]);
    while (!stop.aborted) {
      const followed = this.#followed();
      if (followed.length === 0) return;
      const sent = followed.map((p) => ({ p, generation: p.fetchGeneration, epoch: p.state.leaderEpoch, fetchOffset: p.log.logEndOffset, lastFetchedEpoch: p.log.leaderEpochs.latestEpoch }));
      const request = {
        replicaId: ctx.self.id,
        brokerEpoch: ctx.self.brokerEpoch,
        maxWaitMs: timing.replicaFetchWaitMs,
        maxBytes: 8 << 20,
        partitions: sent.map(({ p, fetchOffset, lastFetchedEpoch }) => ({
          topic: p.topic,
          partition: p.partition,
          topicId: p.topicId,
          leaderEpoch: p.state.leaderEpoch,
          lastFetchedEpoch,
          // Appends resolve only once durable per the topic's mode, and the next fetch waits for them,
          // so the log end sent here is flushed in fsync durability (rule 4).
          fetchOffset,
          maxBytes: PARTITION_FETCH_BYTES,
          logStartOffset: p.log.logStartOffset,
        })),
      };
      let response;
      try {
        response = await withTimeout(clock, timing.replicaFetchWaitMs + timing.requestTimeoutMs, `Replica fetch from broker ${this.#leaderId}`, stop, (signal) => transport.fetch(this.#leaderId, request, signal));
      } catch {
        if (stop.aborted) return;
        await clock.sleep(timing.renewPeriodMs / 4, stop).catch(() => undefined);
        continue;
      }
      let backoff = false;
      await Promise.all(sent.map(async (s, i) => {
        const { p } = s;
        const r = response.partitions[i];
        if (r === undefined || r.topic !== p.topic || r.partition !== p.partition) return;
        const outcome = await p.exclusive(() => this.#apply(s, r)).catch((err: unknown) => {
          ctx.logger.warn({ err, partition: p.name }, 'could not apply a replica fetch response');
          return 'backoff' as const;
        });
        if (outcome === 'backoff') backoff = true;
      }));
      if (backoff) await clock.sleep(timing.renewPeriodMs / 4, stop).catch(() => undefined);
    }
  }

  /**
   * Applies one partition's answer: truncate on divergence, else persist epochs and append (rule 3).
   * The answer is about the log as it was sent (its end and latest epoch). Appends of this replica's
   * time as leader that were still being written then are waited for first: one that landed since
   * changed the log, so the answer is dropped and the next fetch asks again from the new end (where
   * the leader finds the divergence, if any).
   */
  async #apply(sent: Sent, r: ReplicaFetchPartitionResponse): Promise<'ok' | 'backoff'> {
    const ctx = this.#ctx;
    const { p, generation, epoch } = sent;
    const late = (): boolean => p.fetchGeneration !== generation || p.state.leaderEpoch !== epoch || p.role !== 'follower' || p.closed || !p.fetching;
    // Late answer: a failover, epoch change or close happened since the request was sent.
    if (late()) return 'ok';
    await p.settleAppends();
    if (late() || p.log.logEndOffset !== sent.fetchOffset || p.log.leaderEpochs.latestEpoch !== sent.lastFetchedEpoch) return 'ok';
    if (r.error !== undefined) {
      const code = r.error.code;
      if (code === 'OFFSET_OUT_OF_RANGE' && r.logStartOffset > sent.fetchOffset) {
        // Retention on the leader passed our log end while we lagged: what we would fetch next is
        // gone everywhere, so restart empty at the leader's log start (Kafka's truncateFullyAndStartAt).
        ctx.logger.warn({ partition: p.name, from: p.log.logEndOffset, to: r.logStartOffset }, 'the leader\'s log start passed this follower\'s log end: restarting the log there');
        await p.restartAt(r.logStartOffset);
        return 'ok';
      }
      // INVALID_REQUEST: the leader no longer lists this broker as a replica (reassigned away).
      if (code === 'FENCED_LEADER_EPOCH' || code === 'NOT_LEADER' || code === 'UNKNOWN_TOPIC' || code === 'LEADER_NOT_AVAILABLE' || code === 'INVALID_REQUEST') {
        // Our view is stale (rule 9): re-read the partition Lease directly (the watch may be stalled).
        const fresh = await readUntilAnswered(ctx.options, `${p.topic}-${p.partition}`, ctx.signal);
        if (fresh !== undefined && fresh.value.topicId === p.topicId) {
          p.applyState(fresh);
          // Outside this lane: deleting the replica waits for the lane.
          ctx.dropIfRemoved(p);
        }
        const leader = p.state.holder?.id;
        if (leader !== undefined && leader !== this.#leaderId && leader !== ctx.self.id) ctx.wakeFetcher(leader);
      }
      return 'backoff';
    }
    if (r.divergingEpoch !== undefined) {
      const local = p.log.leaderEpochs.endOffsetFor(r.divergingEpoch.epoch, p.log.logEndOffset);
      // Truncate to the smaller of the two ends of the last common epoch (KIP-279); the next fetch iterates if needed.
      const leaderEnd = r.divergingEpoch.endOffset;
      const target = Math.max(p.log.logStartOffset, local.endOffset < 0 ? leaderEnd : Math.min(local.endOffset, leaderEnd));
      ctx.logger.warn({ partition: p.name, from: p.log.logEndOffset, to: target, divergingEpoch: r.divergingEpoch }, 'log diverges from the leader: truncating before appending');
      await p.truncateTo(target);
      return 'ok';
    }
    const overlap = r.records.length > 0 ? firstBaseOffset(r.records) : undefined;
    if (overlap !== undefined && overlap < sent.fetchOffset && p.log.logEndOffset === p.log.logStartOffset) {
      // An empty log (restarted at the leader's log start) whose start lies inside the leader's
      // batch: restart at that batch, so it can be copied whole; the log start follows the leader's below.
      await p.restartAt(overlap);
      return 'ok';
    }
    if (overlap !== undefined && overlap < sent.fetchOffset) {
      // The leader's batch holding our log end starts below it: our batches there are not the leader's
      // (copies keep the leader's batch boundaries) although our epoch cache did not show it. Cut to
      // the leader's batch and fetch it again.
      const target = Math.max(p.log.logStartOffset, overlap);
      ctx.logger.warn({ partition: p.name, from: p.log.logEndOffset, to: target }, 'the leader\'s batch starts below the log end: truncating before appending');
      await p.truncateTo(target);
      return 'ok';
    }
    if (r.records.length > 0) await p.appendFromLeader(r.records);
    const hw = p.followHighWatermark(r.highWatermark);
    if (hw !== undefined) ctx.observer.highWatermark?.({ broker: ctx.self.id, brokerEpoch: ctx.self.brokerEpoch, partition: p.name, leaderEpoch: p.state.leaderEpoch, asLeader: false, highWatermark: hw });
    // Follow the leader's log start (capped at our HW by the log): retention decided there applies here.
    const deleted = await p.followLogStart(r.logStartOffset);
    if (deleted > 0) ctx.logger.info({ partition: p.name, deletedSegments: deleted, logStartOffset: p.log.logStartOffset }, 'followed the leader\'s log start');
    return 'ok';
  }
}

