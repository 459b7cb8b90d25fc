/**
 * The chaos test's nemesis: injects one process fault at a time into a {@link ChaosCluster},
 * waiting for the cluster to settle (every partition led, full ISR) before each fault, so that
 * with RF=3 and minISR=2 no fault ever takes away a majority of a partition's copies. Faults:
 *
 * - `kill-leader`: SIGKILL the leader of a random partition, restart it after `downMs`;
 * - `pause-leader`: SIGSTOP the leader for longer than the lease duration, then SIGCONT (the
 *   paused broker wakes up believing it still leads: the zombie of lease-protocol.md H3/H4);
 * - `kill-follower`: SIGKILL a follower of a random partition, restart it after `downMs`;
 * - `wipe-restart`: SIGKILL a random broker, empty its data directory, restart it (a replaced disk);
 * - `pause-apiserver`: SIGSTOP the control plane's kube-apiserver for longer than the brokers'
 *   renew deadline, then SIGCONT and wait for `/readyz`. Every broker's renewals (and the
 *   followers' liveness reads, and every partition-Lease CAS) hang; past RD the brokers serve no
 *   reads and no acks=0/1 writes, and renewals that timed out may still be applied after SIGCONT
 *   (unknown outcomes, DESIGN.md §6 rule 7). Just before SIGCONT the nemesis reads each broker's
 *   `runnel_broker_lease_renewal_age_seconds`, the proof that the pause reached the brokers.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiServerPause } from './api-server-pause.ts';
import type { ChaosCluster, PartitionLeadership } from './chaos-cluster.ts';

/** The kinds of fault the nemesis injects. */
export type FaultKind = 'kill-leader' | 'pause-leader' | 'kill-follower' | 'wipe-restart' | 'pause-apiserver';

/** Every kind, in the order a round injects them. */
export const ALL_FAULTS: readonly FaultKind[] = ['kill-leader', 'pause-leader', 'kill-follower', 'wipe-restart', 'pause-apiserver'];

/** What a `pause-apiserver` fault observed. */
export interface ApiServerPauseRecord {
  /** From SIGSTOP to SIGCONT. */
  readonly pausedMs: number;
  /** Each broker's `runnel_broker_lease_renewal_age_seconds` just before SIGCONT (by broker id; NaN if unreadable). */
  readonly renewalAgeS: readonly number[];
  /** From SIGCONT until `/readyz` answered ok. */
  readonly readyAfterMs: number;
}

/** One injected fault. Times are performance.now() ms. */
export interface FaultRecord {
  readonly kind: FaultKind;
  /** The broker hit (pause-apiserver: -1). */
  readonly broker: number;
  /** The partition whose leader or follower was chosen (wipe-restart, pause-apiserver: -1). */
  readonly partition: number;
  readonly startedAt: number;
  readonly healedAt: number;
  /** From {@link healedAt} until the cluster settled again (every partition led, full ISR). */
  settledAfterMs?: number;
  /** Leader epochs gained over all partitions from the settled state before the fault to the one after it. */
  leaderChanges?: number;
  readonly apiServer?: ApiServerPauseRecord;
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
  /** The API server to pause; required when the schedule has `pause-apiserver`. */
  readonly apiServer?: ApiServerPause;
  /** Durations of successive `pause-apiserver` faults, used in turn (each must exceed the renew deadline). */
  readonly apiServerPauseMs?: readonly number[];
  /** Longest wait for `/readyz` after SIGCONT. @default 30000 */
  readonly apiServerReadyTimeoutMs?: number;
  /** Longest wait for the cluster to settle before a fault. */
  readonly settleTimeoutMs: number;
  /** Random source in [0, 1) for choosing partitions and brokers. @default Math.random */
  readonly random?: () => number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/**
 * Injects `schedule`, one fault at a time, each once the cluster has settled; settles once more
 * after the last. Resolves with what was done. Leaves every broker and the API server running.
 */
export async function runNemesis(o: NemesisOptions, signal: AbortSignal): Promise<FaultRecord[]> {
  const random = o.random ?? Math.random;
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('Cannot pick from an empty list');
    return items[Math.floor(random() * items.length)]!;
  };
  const log = o.log ?? (() => undefined);
  if (o.schedule.includes('pause-apiserver') && (o.apiServer === undefined || (o.apiServerPauseMs ?? []).length === 0)) {
    throw new Error('The schedule has pause-apiserver faults but no apiServer and apiServerPauseMs were given');
  }
  const done: FaultRecord[] = [];
  let before: PartitionLeadership[] = [];
  const settle = async (what: string): Promise<PartitionLeadership[]> => {
    const view = await o.cluster.settled(o.topic, o.partitions, o.isrSize, AbortSignal.any([signal, AbortSignal.timeout(o.settleTimeoutMs)])).catch(async (err: unknown) => {
      throw new Error(`The cluster did not settle (every partition led, ISR of ${o.isrSize}) within ${o.settleTimeoutMs} ms ${what}: ${(err as Error).message}\n${JSON.stringify(await o.cluster.leadership(o.topic, o.partitions).catch(() => 'unreadable'))}`, { cause: err });
    });
    const previous = done.at(-1);
    if (previous !== undefined) {
      previous.settledAfterMs = performance.now() - previous.healedAt;
      previous.leaderChanges = view.reduce((sum, p) => sum + p.leaderEpoch - (before.find((b) => b.partition === p.partition)?.leaderEpoch ?? p.leaderEpoch), 0);
      log(`nemesis: settled ${(previous.settledAfterMs / 1000).toFixed(1)} s after ${previous.kind} healed, ${previous.leaderChanges} leader change(s)`);
    }
    before = view;
    return view;
  };
  let apiServerPauses = 0;
  for (const kind of o.schedule) {
    const view = await settle(`before fault ${done.length + 1} (${kind})`);
    if (kind === 'pause-apiserver') {
      const pauseMs = o.apiServerPauseMs![apiServerPauses++ % o.apiServerPauseMs!.length]!;
      log(`nemesis: pause-apiserver for ${pauseMs} ms`);
      const startedAt = performance.now();
      const apiServer = await pauseApiServer(o.cluster, o.apiServer!, pauseMs, o.apiServerReadyTimeoutMs ?? 30_000, signal);
      log(`nemesis: kube-apiserver resumed after ${apiServer.pausedMs.toFixed(0)} ms, ready ${apiServer.readyAfterMs.toFixed(0)} ms later; broker lease renewal ages ${apiServer.renewalAgeS.map((a) => `${a.toFixed(2)} s`).join(', ')}`);
      done.push({ kind, broker: -1, partition: -1, startedAt, healedAt: performance.now(), apiServer });
      continue;
    }
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
  if (done.length > 0) await settle(`after the last fault (${done.at(-1)!.kind})`);
  return done;
}

/**
 * SIGSTOP the API server for `pauseMs`, read every broker's lease renewal age, SIGCONT (always,
 * also on abort), then wait for `/readyz`. The watchdog limit leaves room for the metric reads.
 */
async function pauseApiServer(cluster: ChaosCluster, apiServer: ApiServerPause, pauseMs: number, readyTimeoutMs: number, signal: AbortSignal): Promise<ApiServerPauseRecord> {
  const stoppedAt = performance.now();
  apiServer.pause(pauseMs + 15_000);
  let renewalAgeS: number[];
  let resumedAt: number;
  try {
    await delay(pauseMs, undefined, { signal });
    renewalAgeS = await Promise.all(cluster.brokers.map((b) => renewalAge(b.metricsAddress)));
  } finally {
    apiServer.resume();
    resumedAt = performance.now();
  }
  const readyAfterMs = await apiServer.waitReady(readyTimeoutMs);
  return { pausedMs: resumedAt - stoppedAt, renewalAgeS, readyAfterMs };
}

/** `runnel_broker_lease_renewal_age_seconds` from a broker's /metrics; NaN when it cannot be read. */
async function renewalAge(metricsAddress: string | undefined): Promise<number> {
  if (metricsAddress === undefined) return Number.NaN;
  try {
    const res = await fetch(`http://${metricsAddress}/metrics`, { signal: AbortSignal.timeout(3_000) });
    // The series carries the registry's default labels (broker="<id>").
    const match = /^runnel_broker_lease_renewal_age_seconds(?:\{[^}]*\})? (\S+)$/m.exec(await res.text());
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

function choose(kind: FaultKind, view: readonly PartitionLeadership[], brokers: number, pick: <T>(items: readonly T[]) => T): { broker: number; partition: number } {
  if (kind === 'wipe-restart' || kind === 'pause-apiserver') return { broker: pick([...Array(brokers).keys()]), partition: -1 };
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
  const counts: Record<FaultKind, number> = { 'kill-leader': 0, 'pause-leader': 0, 'kill-follower': 0, 'wipe-restart': 0, 'pause-apiserver': 0 };
  for (const f of faults) counts[f.kind]++;
  return counts;
}

/** A table of the faults by kind (count, time to heal and to settle again, leader changes) for the CI log. */
export function formatFaultReport(faults: readonly FaultRecord[]): string {
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const counts = countFaults(faults);
  const lines = [`faults ${faults.length}: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}`];
  lines.push('kind             count  heal s (mean/max)  settle s (mean/max)  leader changes');
  for (const kind of ALL_FAULTS) {
    const of = faults.filter((f) => f.kind === kind);
    if (of.length === 0) continue;
    const heal = of.map((f) => f.healedAt - f.startedAt);
    const settle = of.map((f) => f.settledAfterMs ?? Number.NaN);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const changes = of.reduce((sum, f) => sum + (f.leaderChanges ?? 0), 0);
    lines.push(`${kind.padEnd(16)} ${String(of.length).padStart(5)}  ${`${s(mean(heal))}/${s(Math.max(...heal))}`.padStart(17)}  ${`${s(mean(settle))}/${s(Math.max(...settle))}`.padStart(19)}  ${String(changes).padStart(14)}`);
  }
  for (const f of faults) {
    if (f.apiServer === undefined) continue;
    lines.push(`pause-apiserver: stopped ${s(f.apiServer.pausedMs)} s, broker renewal ages at SIGCONT ${f.apiServer.renewalAgeS.map((a) => a.toFixed(2)).join('/')} s, /readyz after ${f.apiServer.readyAfterMs.toFixed(0)} ms, ${f.leaderChanges ?? '?'} leader change(s)`);
  }
  return lines.join('\n');
}
