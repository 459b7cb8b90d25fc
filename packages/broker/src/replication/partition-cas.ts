import { isMetadataStoreError, settleUncertainWrite, type MetadataStore, type PartitionState, type Versioned } from '@runnel/metadata';
import type { Clock } from './clock.ts';
import type { ReplicationObserver } from './replication-node-api.ts';
import type { ReplicationTiming } from './replication-timing.ts';
import { withTimeout } from './with-timeout.ts';

/** Outcome of {@link casPartition}: whether our write is in the store, and the state as it now is. */
export interface CasOutcome {
  readonly applied: boolean;
  /** The freshest state read or written (undefined when the record is gone). */
  readonly current: Versioned<PartitionState> | undefined;
  /** True when the outcome was first unknown and settled by re-reading (rule 7). */
  readonly settled: boolean;
}

/**
 * One partition-Lease CAS (DESIGN.md §6 rule 7): writes `next` with a fresh `proposalId` against
 * `resourceVersion`. On CONFLICT it re-reads and reports the winner. On an unknown outcome
 * (timeout, 5xx: UNKNOWN_OUTCOME or REQUEST_TIMED_OUT) it NEVER retries the write: it re-reads by
 * consistent GET until a read succeeds and matches the proposalId. Until it returns, the caller
 * must count the proposed ISR members in its maximal ISR (H2).
 */
export async function casPartition(
  ctx: { store: MetadataStore; clock: Clock; timing: ReplicationTiming; newId: () => string; observer?: ReplicationObserver },
  name: string,
  next: Omit<PartitionState, 'proposalId'>,
  resourceVersion: string,
  signal: AbortSignal,
): Promise<CasOutcome> {
  const proposalId = ctx.newId();
  const value: PartitionState = { ...next, proposalId };
  try {
    const written = await withTimeout(ctx.clock, ctx.timing.requestTimeoutMs, `Partition Lease write of ${name}`, signal, () => ctx.store.partitions.update(name, value, resourceVersion));
    ctx.observer?.leaseWrite?.({ lease: 'partition', outcome: 'ok' });
    return { applied: true, current: written, settled: false };
  } catch (err) {
    // Every attempt is a write the API server may have seen (runnel_broker_lease_writes_total), a 409 a conflict.
    ctx.observer?.leaseWrite?.({ lease: 'partition', outcome: isMetadataStoreError(err, 'CONFLICT') ? 'conflict' : 'failed' });
    if (signal.aborted) throw err;
    if (isMetadataStoreError(err, 'CONFLICT') || isMetadataStoreError(err, 'NOT_FOUND')) {
      const current = await readUntilAnswered(ctx, name, signal);
      return { applied: false, current, settled: false };
    }
  }
  for (;;) {
    try {
      const settled = await withTimeout(ctx.clock, ctx.timing.requestTimeoutMs, `Partition Lease read of ${name}`, signal, () =>
        settleUncertainWrite(ctx.store.partitions, name, (v) => v.proposalId === proposalId),
      );
      return { applied: settled.applied, current: settled.current, settled: true };
    } catch (err) {
      if (signal.aborted) throw err;
      await ctx.clock.sleep(ctx.timing.renewPeriodMs / 4, signal);
    }
  }
}

/** A consistent GET, retried (every RP/4) until the store answers or `signal` aborts. */
export async function readUntilAnswered(
  ctx: { store: MetadataStore; clock: Clock; timing: ReplicationTiming },
  name: string,
  signal: AbortSignal,
): Promise<Versioned<PartitionState> | undefined> {
  for (;;) {
    try {
      return await withTimeout(ctx.clock, ctx.timing.requestTimeoutMs, `Partition Lease read of ${name}`, signal, () => ctx.store.partitions.get(name));
    } catch (err) {
      if (signal.aborted) throw err;
      await ctx.clock.sleep(ctx.timing.renewPeriodMs / 4, signal);
    }
  }
}
