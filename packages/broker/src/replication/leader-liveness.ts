import { brokerRegistrationName, type BrokerRegistration, type MetadataStore, type ReplicaIdentity } from '@runnel/metadata';
import type { Clock } from './clock.ts';
import type { ReplicationTiming } from './replication-timing.ts';
import { withTimeout } from './with-timeout.ts';

interface Observed {
  rv: string | undefined;
  value: BrokerRegistration | undefined;
  /** When this reader last saw the Lease change (its own clock), or the start of a fresh window after failed reads. */
  changedAt: number;
  /** The last read of it failed: this reader cannot tell now whether it changed. */
  unread: boolean;
  /** Judged dead on this version (unchanged for LD): stays so until a read shows a change. */
  expired: boolean;
}

/**
 * Judges whether a leader is dead (DESIGN.md §6 rule 8) from direct GETs of its broker Lease,
 * never from a watch cache (H1): dead when the Lease shows another incarnation (a new brokerEpoch
 * or a release), or when its resourceVersion has not changed for LD on THIS broker's clock.
 *
 * A reader whose own reads fail judges nothing new (test/chaos/FINDINGS.md 4): while its last read
 * failed it does not declare the leader dead, and the first read that succeeds after failures
 * leaves the leader RP + a request timeout from then before its Lease can count as expired. An
 * API server that was paused (or this broker cut off from it) stopped the leader's renewals too,
 * so "unchanged for LD" measured across the gap would fail over live leaders by the thousand;
 * the leader's next renewal lands within that allowance. A judgment already made stays until a
 * read shows a change. Only how soon a dead leader is replaced changes: a later judgment is never
 * less safe (the old leader stopped serving RD after its last renewal, before any judgment).
 */
export class LeaderLiveness {
  readonly #observed = new Map<number, Observed>();
  readonly #store: MetadataStore;
  readonly #clock: Clock;
  readonly #timing: ReplicationTiming;

  constructor(store: MetadataStore, clock: Clock, timing: ReplicationTiming) {
    this.#store = store;
    this.#clock = clock;
    this.#timing = timing;
  }

  /** GETs the broker Lease of `brokerId` and notes whether it changed. Errors leave the record as it was. */
  async refresh(brokerId: number, signal: AbortSignal): Promise<void> {
    let got;
    try {
      got = await withTimeout(this.#clock, this.#timing.requestTimeoutMs, `Broker Lease read of broker ${brokerId}`, signal, () => this.#store.brokers.get(brokerRegistrationName(brokerId)));
    } catch {
      // An unanswered read proves nothing either way: no new judgment until a read succeeds.
      const seen = this.#observed.get(brokerId);
      if (seen !== undefined) seen.unread = true;
      return;
    }
    const now = this.#clock.now();
    const seen = this.#observed.get(brokerId);
    if (seen === undefined || seen.rv !== got?.resourceVersion) {
      this.#observed.set(brokerId, { rv: got?.resourceVersion, value: got?.value, changedAt: now, unread: false, expired: false });
      return;
    }
    if (seen.unread) {
      seen.unread = false;
      // After a gap in this reader's view: the leader's renewals may have failed as long; give it room to land one.
      const allowance = this.#timing.renewPeriodMs + this.#timing.requestTimeoutMs;
      seen.changedAt = Math.max(seen.changedAt, now - this.#timing.leaseDurationMs + allowance);
    }
  }

  /** The live incarnation's brokerEpoch as last read, or undefined (unknown, absent or released). */
  liveEpoch(brokerId: number): number | undefined {
    const v = this.#observed.get(brokerId)?.value;
    return v === undefined || v.released === true ? undefined : v.brokerEpoch;
  }

  /** Whether `holder` is dead per rule 8, as of the last refresh. Unknown = alive. */
  isDead(holder: ReplicaIdentity): boolean {
    const seen = this.#observed.get(holder.id);
    if (seen === undefined) return false;
    if (seen.value !== undefined && (seen.value.brokerEpoch !== holder.brokerEpoch || seen.value.released === true)) return true;
    if (seen.expired) return true;
    if (seen.unread || this.#clock.now() - seen.changedAt < this.#timing.leaseDurationMs) return false;
    seen.expired = true;
    return true;
  }

  /**
   * The earliest moment at which one of `brokerIds`, alive as last read, will have had an unchanged
   * broker Lease for LD (it is then dead unless a read at that moment shows a change), or undefined.
   */
  nextExpiryAt(brokerIds: Iterable<number>): number | undefined {
    const now = this.#clock.now();
    let next: number | undefined;
    for (const id of brokerIds) {
      const seen = this.#observed.get(id);
      if (seen === undefined || seen.value === undefined || seen.value.released === true || seen.expired) continue;
      const at = seen.changedAt + this.#timing.leaseDurationMs;
      if (at > now && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Forgets everything (after a restart of the reader nothing carries over anyway). */
  clear(): void {
    this.#observed.clear();
  }
}
