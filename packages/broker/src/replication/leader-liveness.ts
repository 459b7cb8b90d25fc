import { brokerRegistrationName, type BrokerRegistration, type MetadataStore, type ReplicaIdentity } from '@runnel/metadata';
import type { Clock } from './clock.ts';
import type { ReplicationTiming } from './replication-timing.ts';
import { withTimeout } from './with-timeout.ts';

interface Observed {
  rv: string | undefined;
  value: BrokerRegistration | undefined;
  /** When this reader last saw the Lease change (its own clock). */
  changedAt: number;
}

/**
 * Judges whether a leader is dead (DESIGN.md §6 rule 8) from direct GETs of its broker Lease,
 * never from a watch cache (H1): dead when the Lease shows another incarnation (a new brokerEpoch
 * or a release), or when its resourceVersion has not changed for LD on THIS broker's clock.
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
      return; // an unanswered read proves nothing either way
    }
    const now = this.#clock.now();
    const seen = this.#observed.get(brokerId);
    if (seen === undefined || seen.rv !== got?.resourceVersion) this.#observed.set(brokerId, { rv: got?.resourceVersion, value: got?.value, changedAt: now });
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
    return this.#clock.now() - seen.changedAt >= this.#timing.leaseDurationMs;
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
      if (seen === undefined || seen.value === undefined || seen.value.released === true) continue;
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
