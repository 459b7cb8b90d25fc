import { RunnelError } from '@runnel/protocol';
import { brokerRegistrationName, isMetadataStoreError, type BrokerRegistration, type MetadataStore, type Versioned } from '@runnel/metadata';
import type { Clock } from './clock.ts';
import type { ReplicationLogger, ReplicationObserver } from './replication-node-api.ts';
import type { ReplicationTiming } from './replication-timing.ts';
import { withTimeout } from './with-timeout.ts';

/** Options of {@link BrokerLease}. */
export interface BrokerLeaseOptions {
  readonly brokerId: number;
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly timing: ReplicationTiming;
  readonly registration: Omit<BrokerRegistration, 'id' | 'brokerEpoch' | 'incarnation' | 'renewals' | 'released'>;
  readonly incarnation: string;
  /** The store lives in this process: another incarnation's Lease is from a stopped one and is taken without waiting LD. */
  readonly exclusiveStore?: boolean;
  readonly logger: ReplicationLogger;
  readonly observer: ReplicationObserver;
}

/**
 * This incarnation's broker Lease (DESIGN.md §6 rules 1, 2, 12).
 *
 * - Acquire: if another incarnation holds it, wait LD after last seeing it change (not with an
 *   exclusive, in-process store: that incarnation has stopped), then CAS with brokerEpoch + 1 (the
 *   brokerEpoch is the Lease's leaseTransitions; it only grows).
 * - Renew by CAS every RP. `validUntil` = send time of the last successful renewal + RD, on the
 *   monotonic clock (H6): checked on use, not by a timer (an event-loop stall must not extend it).
 * - A renewal that finds a foreign incarnation fences this node for good.
 * - Release on clean shutdown: `released` set, brokerEpoch kept (deleting would reset the epoch: ABA).
 */
export class BrokerLease {
  readonly #o: BrokerLeaseOptions;
  readonly #name: string;
  #current: Versioned<BrokerRegistration> | undefined;
  #validUntil = -Infinity;
  #fenced: Error | undefined;
  #renewals = 0;
  #previous: BrokerRegistration | undefined;
  /** The store write of the latest renewal, settled either way: it may land after the renewal gave up on it. */
  #renewing: Promise<void> | undefined;

  constructor(options: BrokerLeaseOptions) {
    this.#o = options;
    this.#name = brokerRegistrationName(options.brokerId);
  }

  /** The brokerEpoch after acquisition, -1 before. */
  get brokerEpoch(): number {
    return this.#current?.value.brokerEpoch ?? -1;
  }

  /** The incarnation before this one as the Lease showed it when acquired (its brokerEpoch and data-directory UUID). */
  get previous(): BrokerRegistration | undefined {
    return this.#previous;
  }

  /** True while within the renew deadline (reads and acks=0/1 may be served). */
  get valid(): boolean {
    return this.#fenced === undefined && this.#o.clock.now() < this.#validUntil;
  }

  /** Set once another incarnation took the Lease. */
  get fenced(): Error | undefined {
    return this.#fenced;
  }

  #value(brokerEpoch: number, extra: Partial<BrokerRegistration> = {}): BrokerRegistration {
    return { ...this.#o.registration, id: this.#o.brokerId, brokerEpoch, incarnation: this.#o.incarnation, renewals: this.#renewals, released: false, ...extra };
  }

  async #write(fn: () => Promise<Versioned<BrokerRegistration>>, signal: AbortSignal | undefined): Promise<Versioned<BrokerRegistration>> {
    try {
      const written = await withTimeout(this.#o.clock, this.#o.timing.requestTimeoutMs, `Broker Lease write of broker ${this.#o.brokerId}`, signal, fn);
      this.#o.observer.leaseWrite?.({ lease: 'broker', outcome: 'ok' });
      return written;
    } catch (err) {
      const conflict = isMetadataStoreError(err, 'CONFLICT') || isMetadataStoreError(err, 'ALREADY_EXISTS');
      this.#o.observer.leaseWrite?.({ lease: 'broker', outcome: conflict ? 'conflict' : 'failed' });
      throw err;
    }
  }

  #get(signal: AbortSignal | undefined): Promise<Versioned<BrokerRegistration> | undefined> {
    return withTimeout(this.#o.clock, this.#o.timing.requestTimeoutMs, `Broker Lease read of broker ${this.#o.brokerId}`, signal, () => this.#o.store.brokers.get(this.#name));
  }

  /** Rule 1: acquires the Lease, waiting out another live incarnation. Returns the brokerEpoch. */
  async acquire(signal?: AbortSignal): Promise<number> {
    const { clock, timing, logger } = this.#o;
    let seen: { rv: string; at: number } | undefined;
    for (;;) {
      signal?.throwIfAborted();
      let current: Versioned<BrokerRegistration> | undefined;
      try {
        current = await this.#get(signal);
      } catch (err) {
        if (signal?.aborted === true) throw err;
        await clock.sleep(timing.renewPeriodMs, signal);
        continue;
      }
      const other = current !== undefined && current.value.released !== true && current.value.incarnation !== this.#o.incarnation;
      if (current !== undefined && other && this.#o.exclusiveStore !== true) {
        if (seen === undefined || seen.rv !== current.resourceVersion) seen = { rv: current.resourceVersion, at: clock.now() };
        const waited = clock.now() - seen.at;
        if (waited < timing.leaseDurationMs) {
          logger.info({ holder: current.value.incarnation, waitMs: timing.leaseDurationMs - waited }, 'broker Lease held by another incarnation; waiting for it to expire');
          await clock.sleep(Math.min(timing.renewPeriodMs, timing.leaseDurationMs - waited), signal);
          continue;
        }
      }
      const sendTime = clock.now();
      const brokerEpoch = current === undefined ? 1 : current.value.brokerEpoch + 1;
      this.#previous = current?.value;
      try {
        this.#current = await this.#write(
          () => (current === undefined ? this.#o.store.brokers.create(this.#name, this.#value(brokerEpoch)) : this.#o.store.brokers.update(this.#name, this.#value(brokerEpoch), current.resourceVersion)),
          signal,
        );
      } catch (err) {
        if (signal?.aborted === true) throw err;
        // CONFLICT / ALREADY_EXISTS / unknown outcome: re-read; the loop recognises our own write by incarnation.
        const settled = await this.#get(signal).catch(() => undefined);
        if (settled?.value.incarnation === this.#o.incarnation && settled.value.released !== true) {
          this.#current = settled;
        } else {
          continue;
        }
      }
      this.#validUntil = sendTime + timing.renewDeadlineMs;
      return this.brokerEpoch;
    }
  }

  /** Rule 2: renews every RP until `signal` aborts or the node is fenced. Never rejects. */
  async renewLoop(signal: AbortSignal): Promise<void> {
    const { clock, timing, logger } = this.#o;
    while (!signal.aborted && this.#fenced === undefined) {
      try {
        await clock.sleep(timing.renewPeriodMs, signal);
      } catch {
        return;
      }
      await this.renewOnce(signal);
    }
    if (this.#fenced !== undefined) logger.error({ err: this.#fenced }, 'broker fenced: another incarnation holds the broker Lease');
  }

  /** One renewal CAS; exposed for tests. */
  async renewOnce(signal?: AbortSignal): Promise<void> {
    const current = this.#current;
    if (current === undefined || this.#fenced !== undefined) return;
    const sendTime = this.#o.clock.now();
    this.#renewals++;
    const value = this.#value(current.value.brokerEpoch);
    try {
      this.#current = await this.#write(() => {
        const sent = this.#o.store.brokers.update(this.#name, value, current.resourceVersion);
        this.#renewing = sent.then(() => undefined, () => undefined);
        return sent;
      }, signal);
      this.#validUntil = sendTime + this.#o.timing.renewDeadlineMs;
      return;
    } catch (err) {
      if (signal?.aborted === true) return;
      if (!isMetadataStoreError(err, 'CONFLICT') && !isMetadataStoreError(err, 'UNKNOWN_OUTCOME') && !isMetadataStoreError(err, 'NOT_FOUND') && !(err instanceof RunnelError)) {
        this.#o.logger.warn({ err }, 'broker Lease renewal failed');
        return;
      }
    }
    // Rule 7: settle by re-reading. Our renewal is recognised by incarnation and renewal count.
    let settled: Versioned<BrokerRegistration> | undefined;
    try {
      settled = await this.#get(signal);
    } catch {
      return; // try again next period; validUntil is not extended
    }
    if (settled === undefined || settled.value.incarnation !== this.#o.incarnation || settled.value.released === true) {
      this.#fenced = new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${this.#o.brokerId} lost its broker Lease to ${settled?.value.incarnation ?? 'nobody (deleted)'}; this incarnation must stop`);
      this.#validUntil = -Infinity;
      this.#o.observer.fenced?.(this.#fenced);
      return;
    }
    this.#current = settled;
    if (settled.value.renewals === value.renewals) this.#validUntil = sendTime + this.#o.timing.renewDeadlineMs;
  }

  /**
   * Rule 12: marks the Lease released so the next incarnation starts at once. Best effort.
   *
   * A renewal cut short by the shutdown (its signal aborted) may still land, its write already
   * sent: the release first lets it settle (bounded by a request timeout), and a release that
   * conflicts re-reads the Lease and, while it still shows this incarnation unreleased (our own
   * renewal landed), releases on that version. Another incarnation's Lease is never touched.
   */
  async release(): Promise<void> {
    if (this.#current === undefined || this.#fenced !== undefined) return;
    this.#validUntil = -Infinity;
    const { clock, timing, logger, brokerId, incarnation } = this.#o;
    const renewing = this.#renewing;
    if (renewing !== undefined) await withTimeout(clock, timing.requestTimeoutMs, `Broker Lease renewal of broker ${brokerId}`, undefined, () => renewing).catch(() => undefined);
    for (let attempt = 1; ; attempt++) {
      const current = this.#current;
      try {
        await this.#write(() => this.#o.store.brokers.update(this.#name, this.#value(current.value.brokerEpoch, { released: true }), current.resourceVersion), undefined);
        return;
      } catch (err) {
        const retryable = isMetadataStoreError(err, 'CONFLICT') || isMetadataStoreError(err, 'UNKNOWN_OUTCOME') || err instanceof RunnelError;
        const settled = retryable && attempt < 3 ? await this.#get(undefined).catch(() => undefined) : undefined;
        if (settled?.value.incarnation === incarnation) {
          if (settled.value.released === true) return; // the release landed, its reply did not
          this.#current = settled;
          continue;
        }
        logger.warn({ err }, 'could not release the broker Lease; the next incarnation waits the lease duration');
        return;
      }
    }
  }

  /** Marks the node fenced (crash) without writing. */
  stop(): void {
    this.#validUntil = -Infinity;
  }
}
