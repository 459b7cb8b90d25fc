/**
 * The fault schedule of a simulation run, drawn from the seed: every few hundred virtual ms it
 * starts one fault and schedules its end. Process faults (crash, pause, restart on an empty disk)
 * and network partitions hit at most `maxDown` brokers at a time; API-server faults (lost and
 * slow replies, 409 storms, stalled or expiring watches) and message drops overlap freely.
 *
 * Each crash is, by a seeded choice (`killRate`), either a power loss (unsynced data and unsynced
 * directory entries lost) or a process kill (SIGKILL: everything written and renamed survives,
 * only the calls in flight never complete; see sim-disk.ts). By a second choice (`atDiskCallRate`)
 * it happens at once or at one of the victim's next few disk calls, so that it lands between the
 * steps of a multi-step write (a record and its leader-epoch entry; a checkpoint's tmp write,
 * fsync, rename and directory fsync), which a crash at a random moment rarely hits.
 *
 * With `startCrashRate`, a run also starts with such a crash of a partition's leader, armed as the
 * workload starts, so it lands in the partition's first writes. The periodic faults begin a few
 * hundred ms later and never hit those; the first leader epoch is special (a replica whose cache
 * lost it fetches with lastFetchedEpoch -1, which the leader cannot check), and a leader that
 * crashed there was how the chaos test lost acknowledged writes (fixed in f30f7d1).
 *
 * `reassign` is an operator's request, not a fault: a random partition gets a random target replica
 * list of its topic's replication factor (new brokers when the cluster has more than RF, else a new
 * order), written through the operator's own view of the API server (so its writes meet the same
 * lost replies and 409 storms), while the other faults go on. The leaders carry it out.
 *
 * Restarting on an empty data directory loses fsynced data, which no protocol can survive on all
 * replicas at once: it is only done when every partition's ISR holds all its replicas at their
 * current incarnations, and never while an earlier wiped broker may still be catching up.
 */
import { isMetadataStoreError, requestReassignment, type PartitionState } from '@runnel/metadata';
import type { CrashKind } from '../harness/sim-disk.ts';
import { SimCluster } from './sim-cluster.ts';

/** The kinds of fault, as counted in the report. */
export const FAULT_KINDS = [
  'crash-leader', 'crash-follower', 'wipe-restart', 'pause', 'partition-broker', 'isolate-from-api', 'isolate-fully', 'clean-restart',
  'lost-store-replies', 'slow-store-replies', 'conflict-storm', 'stalled-watches', 'expired-watches', 'message-drops',
  'reassign',
] as const;

/** One kind of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Options of {@link SimNemesis}. */
export interface SimNemesisOptions {
  /** Gap between the starts of two faults, virtual ms. */
  readonly intervalMs: readonly [number, number];
  /** Brokers that may be down (crashed, paused or partitioned) at once. @default 1 */
  readonly maxDown?: number;
  /** Fault kinds to draw from. @default all */
  readonly kinds?: readonly FaultKind[];
  /** Chance that a crash is a process kill rather than a power loss. @default 0.5 */
  readonly killRate?: number;
  /** Chance that a crash happens at one of the victim's next 1–8 disk calls rather than at once. @default 0.5 */
  readonly atDiskCallRate?: number;
  /** Chance that the run starts with a crash of a partition's leader in its first writes. @default 0.5 */
  readonly startCrashRate?: number;
}

/** Injects faults into a {@link SimCluster} until stopped. */
export class SimNemesis {
  readonly counts: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly #cluster: SimCluster;
  readonly #options: SimNemesisOptions;
  readonly #down = new Set<number>();
  #running = false;
  #wipedAt = -Infinity;
  /** Reassignment requests the operator's store accepted (a request may be replaced by a later one before it completes). */
  reassignments = 0;
  /** Crashes armed at a disk call (the periodic ones and the start crash), and start crashes. */
  readonly crashTiming = { atDiskCall: 0, atStart: 0 };

  constructor(cluster: SimCluster, options: SimNemesisOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  start(): void {
    this.#running = true;
    if (this.#cluster.scheduler.random.chance(this.#options.startCrashRate ?? 0.5)) this.#startCrash().catch((err: unknown) => this.#cluster.scheduler.fail(err));
    this.#next();
  }

  /** Stops starting faults (those in progress end on their own schedule or at {@link heal}). */
  stop(): void {
    this.#running = false;
  }

  /** Ends every fault: network and API server healed, paused brokers resumed, crashed ones restarted. */
  heal(): void {
    this.stop();
    const c = this.#cluster;
    for (const id of c.brokerIds) c.disk(id).disarm();
    c.store.heal();
    c.network.heal();
    for (const id of c.brokerIds) {
      const process = c.process(id);
      if (process === undefined) c.restart(id);
      else if (process.state === 'paused') c.scheduler.resume(process);
    }
    this.#down.clear();
  }

  #next(): void {
    const s = this.#cluster.scheduler;
    const [min, max] = this.#options.intervalMs;
    s.schedule(s.random.int(min, max), undefined, 'nemesis', () => {
      if (!this.#running) return;
      // Reads of the memory store settle in microtasks, before the scheduler's next event.
      this.#inject().catch((err: unknown) => s.fail(err));
      this.#next();
    });
  }

  async #inject(): Promise<void> {
    const c = this.#cluster;
    const s = c.scheduler;
    const r = s.random;
    const ld = c.timing.leaseDurationMs;
    const kind = r.pick(this.#options.kinds ?? FAULT_KINDS);
    const window = r.int(ld / 2, ld * 3);
    const victim = await this.#pickVictim(kind);
    if (victim === undefined && isProcessFault(kind)) return;
    this.counts[kind]++;
    c.log('nemesis', kind, victim === undefined ? { window } : { broker: victim, window });
    switch (kind) {
      case 'crash-leader':
      case 'crash-follower':
        this.#crash(victim!, window, r.chance(this.#options.atDiskCallRate ?? 0.5));
        return;
      case 'wipe-restart':
        this.#down.add(victim!);
        this.#wipedAt = s.now;
        // The disk is emptied before the restart: what the crash kept does not matter.
        c.crash(victim!, 'power-loss');
        s.schedule(r.int(0, ld), undefined, `wiped restart of broker ${victim}`, () => {
          this.#down.delete(victim!);
          if (c.process(victim!) === undefined) c.restart(victim!, true);
        });
        return;
      case 'clean-restart':
        // Rolling-restart style: hand over, flush, release the Lease, start again with the clean marker.
        c.cleanRestart(victim!);
        return;
      case 'pause': {
        // Longer than the lease duration: others take over while the paused leader still believes it leads.
        const ms = r.int(ld + 1, ld * 3);
        this.#down.add(victim!);
        c.pause(victim!, ms);
        s.schedule(ms, undefined, 'pause over', () => this.#down.delete(victim!));
        return;
      }
      case 'partition-broker': {
        const others = c.brokerIds.filter((id) => id !== victim).map(SimCluster.endpoint);
        this.#down.add(victim!);
        c.network.partition([SimCluster.endpoint(victim!)], [...others, ...clientNames(c)]);
        s.schedule(window, undefined, 'partition over', () => {
          this.#down.delete(victim!);
          c.network.reconnect(SimCluster.endpoint(victim!));
        });
        return;
      }
      case 'isolate-from-api':
        this.#down.add(victim!);
        c.store.isolate(SimCluster.endpoint(victim!), true);
        s.schedule(window, undefined, 'isolation over', () => {
          this.#down.delete(victim!);
          c.store.isolate(SimCluster.endpoint(victim!), false);
        });
        return;
      case 'isolate-fully': {
        // The victim (often a leader) keeps running alone: no broker, client or API server reaches it.
        const others = c.brokerIds.filter((id) => id !== victim).map(SimCluster.endpoint);
        this.#down.add(victim!);
        c.network.partition([SimCluster.endpoint(victim!)], [...others, ...clientNames(c)]);
        c.store.isolate(SimCluster.endpoint(victim!), true);
        s.schedule(window, undefined, 'full isolation over', () => {
          this.#down.delete(victim!);
          c.network.reconnect(SimCluster.endpoint(victim!));
          c.store.isolate(SimCluster.endpoint(victim!), false);
        });
        return;
      }
      case 'lost-store-replies':
        c.store.faults.lostReplyRate = r.pick([0.1, 0.3, 0.6]);
        c.store.faults.lostRequestRate = r.pick([0, 0.1]);
        s.schedule(window, undefined, 'store replies back', () => {
          c.store.faults.lostReplyRate = 0;
          c.store.faults.lostRequestRate = 0;
        });
        return;
      case 'slow-store-replies':
        c.store.faults.slowReplyRate = r.pick([0.2, 0.5]);
        s.schedule(window, undefined, 'store fast again', () => void (c.store.faults.slowReplyRate = 0));
        return;
      case 'conflict-storm':
        c.store.conflictStorm(window, r.pick([0.3, 0.7, 1]));
        return;
      case 'stalled-watches':
        c.store.stallWatches(r.chance(0.5) ? '*' : SimCluster.endpoint(r.pick(c.brokerIds)), window);
        return;
      case 'expired-watches':
        c.store.stallWatches(r.chance(0.5) ? '*' : SimCluster.endpoint(r.pick(c.brokerIds)), window, true);
        return;
      case 'reassign': {
        const t = r.pick(c.topics);
        const partition = r.int(0, t.partitions - 1);
        const shuffled = [...c.brokerIds];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = r.int(0, i);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const target = shuffled.slice(0, t.replicationFactor);
        c.log('nemesis', 'reassign request', { partition: `${t.name}-${partition}`, target });
        try {
          const { written } = await requestReassignment(c.operatorStore, t.name, partition, target, { maxConflicts: 3 });
          if (written) this.reassignments++;
        } catch (err) {
          // The operator's API calls meet the same faults: it gives up and a later request decides.
          if (!(isMetadataStoreError(err) && ['CONFLICT', 'UNKNOWN_OUTCOME', 'UNAVAILABLE'].includes(err.code))) throw err;
          c.log('nemesis', 'reassign request failed', { err: String(err) });
        }
        return;
      }
      case 'message-drops':
        c.network.faults.dropRate = r.pick([0.05, 0.2, 0.5]);
        s.schedule(window, undefined, 'drops over', () => void (c.network.faults.dropRate = 0));
        return;
    }
  }

  /**
   * Crashes `victim` (a seeded power loss or process kill) now, or at its 1st to 8th next disk call
   * (at the latest one lease duration later), and restarts it `window` ms after the crash.
   */
  #crash(victim: number, window: number, atDiskCall: boolean): void {
    const c = this.#cluster;
    const s = c.scheduler;
    const kind: CrashKind = s.random.chance(this.#options.killRate ?? 0.5) ? 'process-kill' : 'power-loss';
    this.#down.add(victim);
    const crash = (): void => {
      c.crash(victim, kind);
      s.schedule(window, undefined, `restart broker ${victim}`, () => {
        this.#down.delete(victim);
        if (c.process(victim) === undefined) c.restart(victim);
      });
    };
    if (!atDiskCall) {
      crash();
      return;
    }
    const calls = s.random.int(1, 8);
    this.crashTiming.atDiskCall++;
    c.log('nemesis', `crash at disk call ${calls}`, { broker: victim, kind });
    c.disk(victim).crashAtCall(calls, crash);
    // A broker that makes no disk call in time crashes anyway (heal() disarms, and then nothing happens).
    s.schedule(c.timing.leaseDurationMs, undefined, `crash broker ${victim} (no disk call)`, () => {
      if (c.disk(victim).disarm(crash)) crash();
    });
  }

  /** The start crash: a partition's leader, at one of its first disk calls as the workload starts. */
  async #startCrash(): Promise<void> {
    const c = this.#cluster;
    const r = c.scheduler.random;
    const led = (await this.#records()).flatMap((rec) => (rec.holder === null ? [] : [rec.holder.id]));
    const up = led.filter((id) => c.process(id)?.state === 'running' && !this.#down.has(id));
    if (up.length === 0 || this.#down.size >= (this.#options.maxDown ?? 1)) return;
    const victim = r.pick(up);
    this.crashTiming.atStart++;
    c.log('nemesis', 'crash at start', { broker: victim });
    this.#crash(victim, r.int(c.timing.leaseDurationMs / 2, c.timing.leaseDurationMs * 3), true);
  }

  /** A broker to hit with a process or partition fault, or undefined when the budget is spent. */
  async #pickVictim(kind: FaultKind): Promise<number | undefined> {
    if (!isProcessFault(kind)) return undefined;
    const c = this.#cluster;
    const r = c.scheduler.random;
    if (this.#down.size >= (this.#options.maxDown ?? 1)) return undefined;
    const up = c.brokerIds.filter((id) => !this.#down.has(id) && c.process(id)?.state === 'running');
    if (up.length === 0) return undefined;
    const records = await this.#records();
    const leaders = new Set(records.flatMap((rec) => (rec.holder === null ? [] : [rec.holder.id])));
    if (kind === 'crash-leader' || kind === 'crash-follower') {
      const candidates = up.filter((id) => leaders.has(id) === (kind === 'crash-leader'));
      return candidates.length === 0 ? undefined : r.pick(candidates);
    }
    if (kind === 'wipe-restart' && !this.#safeToWipe(records)) return undefined;
    return r.pick(up);
  }

  /** Every partition record as the store holds it now (the nemesis is omniscient: no faulty network). */
  async #records(): Promise<PartitionState[]> {
    const { items } = await this.#cluster.store.inner.partitions.list();
    return items.map((i) => i.value);
  }

  #safeToWipe(records: readonly PartitionState[]): boolean {
    const c = this.#cluster;
    if (c.scheduler.now - this.#wipedAt < 20 * c.timing.leaseDurationMs) return false;
    return records.every((rec) => rec.isr.length === rec.replicas.length);
  }
}

function isProcessFault(kind: FaultKind): boolean {
  return kind === 'crash-leader' || kind === 'crash-follower' || kind === 'wipe-restart' || kind === 'pause' || kind === 'partition-broker' || kind === 'isolate-from-api' || kind === 'isolate-fully' || kind === 'clean-restart';
}

function clientNames(c: SimCluster): string[] {
  // Producers and consumers are cut off from a partitioned broker too (they sit with the majority).
  return [...Array.from({ length: 16 }, (_, i) => `producer-${i + 1}`), ...c.topics.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => `consumer-${t.name}-${p}`))];
}
