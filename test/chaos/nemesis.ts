/**
 * The chaos test's nemesis: injects one process fault at a time into a {@link ChaosCluster},
 * waiting for the cluster to settle (every partition led, full ISR) before each fault, so that
 * with RF=3 and minISR=2 no fault ever takes away a majority of a partition's copies. Faults:
 *
 * - `kill-leader`: SIGKILL the leader of a random partition, restart it after `downMs`;
 * - `pause-leader`: SIGSTOP the leader for longer than the lease duration, then SIGCONT (the
 *   paused broker wakes up believing it still leads: the zombie of lease-protocol.md H3/H4);
 * - `kill-follower`: SIGKILL a follower of a random partition, restart it after `downMs`;
 * - `wipe-restart`: SIGKILL a random broker, empty its data directory, restart it (a replaced disk).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ChaosCluster, PartitionLeadership } from './chaos-cluster.ts';

/** The kinds of fault the nemesis injects. */
export type FaultKind = 'kill-leader' | 'pause-leader' | 'kill-follower' | 'wipe-restart';

/** Every kind, in the order a round injects them. */
export const ALL_FAULTS: readonly FaultKind[] = ['kill-leader', 'pause-leader', 'kill-follower', 'wipe-restart'];

/** One injected fault. Times are performance.now() ms. */
export interface FaultRecord {
  readonly kind: FaultKind;
  readonly broker: number;
  /** The partition whose leader or follower was chosen (wipe-restart: -1). */
  readonly partition: number;
  readonly startedAt: number;
  readonly healedAt: number;
}

/** Options of {@link runNemesis}. */
export interface NemesisOptions {
  readonly cluster: ChaosCluster;
  readonly topic: string;
  readonly partitions: number;
  /** ISR size that counts as settled before a fault (the replication factor). */
  readonly isrSize: number;
  /** The faults, injected in order. */
  readonly schedule: readonly FaultKind[];
  /** How long a killed broker stays down. */
  readonly downMs: number;
  /** How long a paused broker stays paused (must exceed the lease duration). */
  readonly pauseMs: number;
  /** Longest wait for the cluster to settle before a fault. */
  readonly settleTimeoutMs: number;
  /** Random source in [0, 1) for choosing partitions and brokers. @default Math.random */
  readonly random?: () => number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Injects `schedule`, one fault at a time; resolves with what was done. Leaves every broker running. */
export async function runNemesis(o: NemesisOptions, signal: AbortSignal): Promise<FaultRecord[]> {
  const random = o.random ?? Math.random;
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('Cannot pick from an empty list');
    return items[Math.floor(random() * items.length)]!;
  };
  const log = o.log ?? (() => undefined);
  const done: FaultRecord[] = [];
  for (const kind of o.schedule) {
    const view = await o.cluster.settled(o.topic, o.partitions, o.isrSize, AbortSignal.any([signal, AbortSignal.timeout(o.settleTimeoutMs)])).catch(async (err: unknown) => {
      throw new Error(`The cluster did not settle (every partition led, ISR of ${o.isrSize}) within ${o.settleTimeoutMs} ms before fault ${done.length + 1} (${kind}): ${(err as Error).message}\n${JSON.stringify(await o.cluster.leadership(o.topic, o.partitions).catch(() => 'unreadable'))}`, { cause: err });
    });
    const target = choose(kind, view, o.cluster.brokers.length, pick);
    const broker = o.cluster.broker(target.broker);
    const startedAt = performance.now();
    log(`nemesis: ${kind} broker ${target.broker}${target.partition >= 0 ? ` (partition ${target.partition})` : ''}`);
    switch (kind) {
      case 'kill-leader':
      case 'kill-follower':
        await broker.kill();
        await delay(o.downMs, undefined, { signal });
        await broker.start(signal);
        break;
      case 'pause-leader':
        broker.pause();
        try {
          await delay(o.pauseMs, undefined, { signal });
        } finally {
          broker.resume();
        }
        break;
      case 'wipe-restart':
        await broker.kill();
        await broker.wipe();
        await delay(o.downMs, undefined, { signal });
        await broker.start(signal);
        break;
    }
    done.push({ kind, broker: target.broker, partition: target.partition, startedAt, healedAt: performance.now() });
  }
  return done;
}

function choose(kind: FaultKind, view: readonly PartitionLeadership[], brokers: number, pick: <T>(items: readonly T[]) => T): { broker: number; partition: number } {
  if (kind === 'wipe-restart') return { broker: pick([...Array(brokers).keys()]), partition: -1 };
  const p = pick(view);
  if (p.leader === undefined) throw new Error(`Partition ${p.partition} has no leader after settling`);
  if (kind === 'kill-leader' || kind === 'pause-leader') return { broker: p.leader, partition: p.partition };
  return { broker: pick(p.replicas.filter((r) => r !== p.leader)), partition: p.partition };
}

/** A comma-separated list of fault kinds; throws naming an unknown one. */
export function parseFaults(list: string): FaultKind[] {
  return list.split(',').map((raw) => {
    const kind = raw.trim();
    if (!(ALL_FAULTS as readonly string[]).includes(kind)) throw new Error(`Unknown fault "${kind}": expected one of ${ALL_FAULTS.join(', ')}`);
    return kind as FaultKind;
  });
}

/** Counts of faults by kind, for the report. */
export function countFaults(faults: readonly FaultRecord[]): Record<FaultKind, number> {
  const counts: Record<FaultKind, number> = { 'kill-leader': 0, 'pause-leader': 0, 'kill-follower': 0, 'wipe-restart': 0 };
  for (const f of faults) counts[f.kind]++;
  return counts;
}
