/**
 * Protocol timings of DESIGN.md §6 (all on the monotonic {@link Clock}). Clocks decide only how
 * fast failover happens and how stale a read can be, never whether an acks=all write survives.
 */
export interface ReplicationTiming {
  /** RP: the broker Lease is renewed (CAS) this often; followers GET leaders' Leases this often. @default 2000 */
  readonly renewPeriodMs: number;
  /** Timeout of one store request and of one replica RPC beyond its long-poll wait. @default 2000 */
  readonly requestTimeoutMs: number;
  /** RD: past `sendTime + RD` of the last successful renewal, reads and acks=0/1 stop. @default 6000 */
  readonly renewDeadlineMs: number;
  /** LD: a leader whose broker Lease did not change for LD (on the reader's clock) is dead. @default 10000 */
  readonly leaseDurationMs: number;
  /** A follower that has not caught up with the leader's log end for this long leaves the ISR. @default 10000 */
  readonly replicaLagMaxMs: number;
  /** Long-poll wait of a replica fetch. @default 500 */
  readonly replicaFetchWaitMs: number;
}

/** The defaults of DESIGN.md §6. */
export const DEFAULT_REPLICATION_TIMING: ReplicationTiming = {
  renewPeriodMs: 2000,
  requestTimeoutMs: 2000,
  renewDeadlineMs: 6000,
  leaseDurationMs: 10_000,
  replicaLagMaxMs: 10_000,
  replicaFetchWaitMs: 500,
};

/** Fast timings for tests and the local cluster demo (same ratios as the defaults). */
export const FAST_REPLICATION_TIMING: ReplicationTiming = {
  renewPeriodMs: 200,
  requestTimeoutMs: 300,
  renewDeadlineMs: 600,
  leaseDurationMs: 1000,
  replicaLagMaxMs: 1000,
  replicaFetchWaitMs: 100,
};

/**
 * Checks the ordering the protocol relies on (as client-go: LD > RD > RP, and a request must end
 * before the deadline it could extend).
 * @throws RangeError naming the violated relation
 */
export function validateReplicationTiming(t: ReplicationTiming): ReplicationTiming {
  for (const [key, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Invalid replication timing ${key}=${String(value)}: must be a positive number of ms`);
  }
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) throw new RangeError(`Invalid replication timing: leaseDurationMs (${t.leaseDurationMs}) must exceed renewDeadlineMs (${t.renewDeadlineMs})`);
  if (!(t.renewDeadlineMs > t.renewPeriodMs + t.requestTimeoutMs)) {
    throw new RangeError(`Invalid replication timing: renewDeadlineMs (${t.renewDeadlineMs}) must exceed renewPeriodMs + requestTimeoutMs (${t.renewPeriodMs + t.requestTimeoutMs})`);
  }
  return t;
}
