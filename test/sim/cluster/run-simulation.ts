/**
 * One simulation run from a seed: build the cluster, start the brokers, run the workload under
 * the nemesis, heal everything, let the cluster settle, drain every partition, then check S1–S5
 * on the history and S7–S11 on what the brokers and the API server recorded.
 *
 * With `deleteIntervalMs`, an admin process sends DeleteRecords among the faults (recorded in the
 * history, so S1 excuses only what a delete removed). Every replica's log start is sampled as the
 * run goes (S11: never above a committed HW). After settling, log starts may legitimately differ
 * (a follower that followed a deletion keeps its log start when a replica that had not becomes
 * leader: log starts never move back), so one more DeleteRecords to the highest log start any
 * replica has brings the leader there; the followers must then follow it, and S11 checks that
 * every replica has the same log start and S10 that they hold the same records from there.
 */
import { partitionStateName, type PartitionState } from '@runnel/metadata';
import { checkHistory, HistoryRecorder, type CheckResult } from '../../support/history/index.ts';
import type { SimStoreOptions } from '../harness/sim-metadata-store.ts';
import { auditRealTimers, type RealTimerReport } from '../harness/real-timer-audit.ts';
import { SimRandom } from '../harness/sim-random.ts';
import { drive } from '../harness/settle.ts';
import {
  checkCommittedRecords,
  checkHighWatermarks,
  checkLeaderEpochs,
  checkLogStartSample,
  checkLogStartsAgree,
  checkReplicaLogs,
  type LogStartSample,
  type ReplicaLog,
  type WhiteBoxViolation,
} from '../invariants/white-box-invariants.ts';
import { SimProcess } from '../harness/sim-scheduler.ts';
import { VirtualClock } from '../harness/virtual-clock.ts';
import { SimCluster, type SimTopic } from './sim-cluster.ts';
import { SimNemesis, type FaultKind, type SimNemesisOptions } from './sim-nemesis.ts';
import type { SimNodeFactory, SimTiming } from './sim-node.ts';
import { SimWorkload } from './sim-workload.ts';

/** Options of {@link runSimulation}. */
export interface SimulationOptions {
  readonly seed: number;
  readonly factory: SimNodeFactory;
  readonly brokers?: number;
  readonly topics?: readonly SimTopic[];
  readonly timing?: SimTiming;
  /** Virtual ms of workload under faults. @default 20 × LD */
  readonly faultyMs?: number;
  /** Virtual ms allowed to settle after healing. @default 30 × LD */
  readonly settleMs?: number;
  readonly producers?: number;
  /** How many of the producers are idempotent with retries. @default 0 */
  readonly idempotentProducers?: number;
  /** API-server settings (e.g. a planted bug for the tests that the checkers can fail). */
  readonly store?: SimStoreOptions;
  /** Trace lines kept for the report. @default 4000 */
  readonly traceLimit?: number;
  /** Nemesis settings; `null` runs without faults. */
  readonly nemesis?: Partial<SimNemesisOptions> | null;
  /**
   * Create the partition records while the brokers start (led by a live replica from the create,
   * or leaderless if none is live yet), instead of before any broker starts. @default false
   */
  readonly provisionWhileRunning?: boolean;
  /** Pause between two DeleteRecords of the admin process (virtual ms); undefined: none. */
  readonly deleteIntervalMs?: readonly [number, number];
}

/** Everything a run produced, for the test's assertions and the report. */
export interface SimulationResult {
  readonly seed: number;
  readonly virtualMs: number;
  readonly wallMs: number;
  readonly events: number;
  readonly history: CheckResult;
  readonly whiteBox: readonly WhiteBoxViolation[];
  /** Partitions without a settled leader after healing (a liveness finding). */
  readonly unsettled: readonly string[];
  /** Partitions the drain could not read to the end (no leader after healing: a liveness finding). */
  readonly undrained: readonly string[];
  /**
   * S1 anomalies that only say "the partition was never drained": whether those writes survive
   * cannot be decided while the partition has no leader. They stay in `history` (the checker is
   * not changed) and are counted here so that safety and liveness can be reported apart.
   */
  readonly s1Undecided: number;
  /** What the white-box checks had to work with: leader changes in the store, HW advances by leaders. */
  readonly observed: { leaderChanges: number; leaderHighWatermarks: number; createdLed: number; createdLeaderless: number; logStartSamples: number; committedRecordsCompared: number };
  /** No anomaly of S1–S5 (decided) and S7–S11. */
  readonly safe: boolean;
  readonly faults: Record<FaultKind | 'crashes' | 'powerLosses' | 'kills' | 'crashesAtDiskCall' | 'startCrashes' | 'restarts' | 'wipedRestarts' | 'pauses' | 'cleanRestarts' | 'startFailures' | 'storeLostReplies' | 'storeLostRequests' | 'storeTimeouts' | 'storeConflicts' | 'stormWrites' | 'watchEventsHeld' | 'watchesExpired' | 'messagesDropped' | 'messagesCut' | 'diskBytesLost' | 'reassignmentsRequested' | 'reassignmentsCompleted' | 'replicasMoved' | 'retentionMoves', number>;
  readonly trace: readonly string[];
  /** Real timers the code under test started (each one escapes the seeded schedule). */
  readonly realTimers: RealTimerReport;
  /** True when nothing is wrong. */
  readonly ok: boolean;
}

/** Fast test timings (DESIGN.md §6 ratios: LD > RD > RP, request timeout ≈ RP). */
export const SIM_TIMING: SimTiming = { renewPeriodMs: 100, requestTimeoutMs: 100, renewDeadlineMs: 300, leaseDurationMs: 500, replicaLagMaxMs: 500 };

/** Default topics: one RF=3 topic with minISR 2. */
export const SIM_TOPICS: readonly SimTopic[] = [{ name: 'sim', partitions: 2, replicationFactor: 3, minInsyncReplicas: 2 }];

/** Runs one seed. Never throws for an anomaly: the result says what went wrong. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  // PartitionLog's HW-checkpoint and flush intervals are set beyond any run by the node factories.
  const endAudit = auditRealTimers(/packages\/storage\/src\/partition-log\.ts/);
  try {
    return await simulate(options, endAudit);
  } finally {
    endAudit();
  }
}

async function simulate(options: SimulationOptions, endAudit: () => RealTimerReport): Promise<SimulationResult> {
  const started = performance.now();
  const timing = options.timing ?? SIM_TIMING;
  const ld = timing.leaseDurationMs;
  const random = new SimRandom(options.seed);
  const whileRunning = options.provisionWhileRunning ?? false;
  const cluster = await SimCluster.create({ random, brokers: options.brokers ?? 3, topics: options.topics ?? SIM_TOPICS, timing, factory: options.factory, provisionBeforeStart: !whileRunning, ...(options.store === undefined ? {} : { store: options.store }), ...(options.traceLimit === undefined ? {} : { traceLimit: options.traceLimit }) });
  const s = cluster.scheduler;
  const history = new HistoryRecorder({ now: () => s.now });
  for (const id of cluster.brokerIds) cluster.start(id);
  if (whileRunning) {
    // Some brokers may not hold their broker Lease yet: records name the first live replica, or none.
    await s.runFor(random.int(0, timing.renewPeriodMs * 2));
    cluster.log('sim', 'provisioning the topics while the brokers run');
    const provisioned = await drive(s, cluster.provisionTopics(), ld * 20);
    if (provisioned.status !== 'fulfilled') throw new Error(`The operator could not provision the topics: ${String(provisioned.status === 'rejected' ? provisioned.reason : provisioned.status)}`);
  }
  await s.runFor(ld * 2);

  const workload = new SimWorkload(cluster, history, {
    producers: options.producers ?? 4, idempotentProducers: options.idempotentProducers ?? 0, produceTimeoutMs: ld * 2,
    ...(options.deleteIntervalMs === undefined ? {} : { deleteIntervalMs: options.deleteIntervalMs }),
  });
  const logStarts = new LogStartMonitor(cluster);
  logStarts.start();
  const committedRecords = new CommittedRecordMonitor(cluster);
  committedRecords.start();
  const nemesis = options.nemesis === null ? undefined : new SimNemesis(cluster, { intervalMs: [ld / 2, ld * 2], ...options.nemesis });
  workload.start();
  nemesis?.start();
  await s.runFor(options.faultyMs ?? ld * 20);
  nemesis?.heal();
  cluster.log('sim', 'healed');
  await s.runFor(ld * 2);
  await drive(s, workload.stop(), ld * 20);

  const unsettled = await settle(cluster, options.settleMs ?? ld * 30);
  const agreement = unsettled.length === 0 && options.deleteIntervalMs !== undefined ? await alignLogStarts(cluster, workload, ld * 10) : [];
  logStarts.stop();
  committedRecords.stop();
  if (unsettled.length > 0) await describeUnsettled(cluster, unsettled);
  // Drain even when not settled: a leader may still serve everything committed.
  const drained = await drive(s, workload.drain(), ld * 20);
  const undrained = drained.status === 'fulfilled' ? drained.value : ['(drain did not finish)'];
  // Retention by the leaders deleted records as DeleteRecords does: the history learns of each log start it reached.
  for (const r of cluster.retention) history.invokeDelete(`retention-broker-${r.broker}`, r.partition, r.logStartOffset).ok(r.logStartOffset);
  const checked = checkHistory(history.events);
  const s1Undecided = checked.anomalies.filter((a) => a.kind === 'lost-write' && undrained.includes(a.partition)).length;

  const { violations: s7, epochs } = checkLeaderEpochs(cluster.store.partitionWrites);
  const s8s9 = checkHighWatermarks(epochs, cluster.highWatermarks);
  const s10 = unsettled.length > 0 ? [] : await replicaLogViolations(cluster);
  const whiteBox = [...s7, ...s8s9, ...committedRecords.violations, ...s10, ...logStarts.violations, ...agreement];

  const realTimers = endAudit();
  const store = cluster.store.stats;
  const faults = {
    ...(nemesis?.counts ?? ({} as Record<FaultKind, number>)),
    ...cluster.faults,
    crashesAtDiskCall: nemesis?.crashTiming.atDiskCall ?? 0,
    startCrashes: nemesis?.crashTiming.atStart ?? 0,
    storeLostReplies: store.lostReplies,
    storeLostRequests: store.lostRequests,
    storeTimeouts: store.timeouts,
    storeConflicts: store.conflicts,
    stormWrites: store.stormWrites,
    watchEventsHeld: store.watchEventsHeld,
    watchesExpired: store.watchesExpired,
    messagesDropped: cluster.network.stats.dropped,
    messagesCut: cluster.network.stats.cut,
    diskBytesLost: cluster.brokerIds.reduce((sum, id) => sum + cluster.disk(id).stats.bytesLost, 0),
    ...reassignmentCounts(cluster, nemesis),
    retentionMoves: cluster.retention.length,
  };
  return {
    seed: options.seed,
    virtualMs: s.now,
    wallMs: performance.now() - started,
    events: s.eventsRun,
    history: checked,
    whiteBox,
    unsettled,
    undrained: [...undrained],
    faults,
    trace: cluster.trace,
    realTimers,
    s1Undecided,
    observed: {
      leaderChanges: [...epochs.values()].reduce((sum, byEpoch) => sum + byEpoch.size, 0),
      leaderHighWatermarks: cluster.highWatermarks.filter((o) => o.asLeader).length,
      // Partition records created with their first election in them (electFirstLeader), and without.
      createdLed: cluster.provisioned.led,
      createdLeaderless: cluster.provisioned.leaderless,
      logStartSamples: logStarts.samples,
      committedRecordsCompared: committedRecords.records,
    },
    safe: checked.anomalies.length === s1Undecided && whiteBox.length === 0,
    ok: checked.valid && whiteBox.length === 0 && unsettled.length === 0 && undrained.length === 0,
  };
}

/**
 * Runs until every partition has a leader whose replicas all hold its log end, all committed;
 * returns the partitions that did not get there in `timeoutMs`.
 */
async function settle(cluster: SimCluster, timeoutMs: number): Promise<string[]> {
  const pending = (): string[] => {
    const out: string[] = [];
    for (const t of cluster.topics) {
      for (let p = 0; p < t.partitions; p++) {
        const statuses = cluster.brokerIds.map((id) => cluster.node(id)?.status(t.name, p)).filter((st) => st !== undefined);
        const leader = statuses.find((st) => st.role === 'leader');
        const settled = leader !== undefined && leader.highWatermark === leader.logEndOffset && leader.pendingReassignment !== true
          && statuses.length >= t.replicationFactor && statuses.every((st) => st.logEndOffset === leader.logEndOffset && st.leaderEpoch === leader.leaderEpoch);
        if (!settled) out.push(partitionStateName(t.name, p));
      }
    }
    return out;
  };
  await cluster.scheduler.runUntil(() => pending().length === 0, timeoutMs);
  return pending();
}

/** Every running replica's log start and HW now. */
function logStartSamples(cluster: SimCluster): LogStartSample[] {
  const out: LogStartSample[] = [];
  for (const t of cluster.topics) {
    for (let p = 0; p < t.partitions; p++) {
      const partition = partitionStateName(t.name, p);
      for (const id of cluster.brokerIds) {
        if (cluster.process(id)?.state !== 'running') continue;
        const status = cluster.node(id)?.status(t.name, p);
        if (status !== undefined) out.push({ broker: id, partition, role: status.role, logStartOffset: status.logStartOffset, highWatermark: status.highWatermark });
      }
    }
  }
  return out;
}

/** Runs {@link check} every `intervalMs` virtual ms, as a process of its own, from start() to stop(). */
abstract class PeriodicMonitor {
  readonly #cluster: SimCluster;
  readonly #name: string;
  readonly #intervalMs: number;
  #running = false;

  constructor(cluster: SimCluster, name: string, intervalMs: number) {
    this.#cluster = cluster;
    this.#name = name;
    this.#intervalMs = intervalMs;
  }

  abstract check(): void;

  start(): void {
    this.#running = true;
    const clock = new VirtualClock(this.#cluster.scheduler, new SimProcess(this.#name, 1));
    void (async () => {
      while (this.#running) {
        this.check();
        await clock.sleep(this.#intervalMs);
      }
    })();
  }

  stop(): void {
    this.#running = false;
  }
}

/**
 * S11 as the run goes: every 10 virtual ms (as a process of its own, so the samples are part of
 * the seeded schedule), every running replica's log start against the highest HW any leader of
 * the partition reached so far, and each leader's against its own HW.
 */
class LogStartMonitor extends PeriodicMonitor {
  readonly violations: WhiteBoxViolation[] = [];
  samples = 0;
  readonly #cluster: SimCluster;
  readonly #committed = new Map<string, number>();
  #seen = 0;

  constructor(cluster: SimCluster) {
    super(cluster, 'log-start-monitor', 10);
    this.#cluster = cluster;
  }

  override stop(): void {
    this.check();
    super.stop();
  }

  check(): void {
    const observations = this.#cluster.highWatermarks;
    for (; this.#seen < observations.length; this.#seen++) {
      const o = observations[this.#seen]!;
      if (o.asLeader) this.#committed.set(o.partition, Math.max(this.#committed.get(o.partition) ?? 0, o.highWatermark));
    }
    for (const sample of logStartSamples(this.#cluster)) {
      this.samples++;
      const violation = checkLogStartSample(sample, this.#committed.get(sample.partition) ?? 0);
      // One report per partition and kind is enough to find the bug.
      if (violation !== undefined && this.violations.length < 20) this.violations.push(violation);
    }
  }
}

/**
 * S10 as the run goes: every 50 virtual ms, the records each running replica holds below its HW
 * that its incarnation has not shown yet, against the record first seen below a HW at that offset
 * ({@link checkCommittedRecords}). Checked only after healing, a divergence may be gone by then:
 * retention and DeleteRecords delete the offsets where it was (so it was with the lost first
 * leader-epoch entry of f30f7d1: 1 seed in 40 found it at the end, 8 with no deletion). A broker
 * with a crash armed at a disk call is skipped: the reads would be its disk calls.
 */
class CommittedRecordMonitor extends PeriodicMonitor {
  readonly violations: WhiteBoxViolation[] = [];
  records = 0;
  readonly #cluster: SimCluster;
  /** Per partition: offset -> the record first seen there below a HW. */
  readonly #committed = new Map<string, Map<number, { key: string; broker: number }>>();
  /** Per incarnation and partition: the offset up to which its records were read. */
  readonly #checkedTo = new Map<string, number>();

  constructor(cluster: SimCluster) {
    super(cluster, 'committed-record-monitor', 50);
    this.#cluster = cluster;
  }

  check(): void {
    const c = this.#cluster;
    for (const t of c.topics) {
      for (let p = 0; p < t.partitions; p++) {
        const partition = partitionStateName(t.name, p);
        for (const id of c.brokerIds) {
          const process = c.process(id);
          const node = c.node(id);
          if (process?.state !== 'running' || node === undefined || c.disk(id).armed) continue;
          const status = node.status(t.name, p);
          if (status === undefined) continue;
          const key = `${process.toString()} ${partition}`;
          const from = Math.max(this.#checkedTo.get(key) ?? 0, status.logStartOffset);
          const to = Math.min(status.highWatermark, status.logEndOffset);
          if (to <= from) continue;
          this.#checkedTo.set(key, to);
          // A read that a crash or a deletion cuts short checks nothing (and never settles after a kill).
          node.replicaLog(t.name, p, { from, to }).then((records) => {
            if (records === undefined) return;
            this.records += records.length;
            let committed = this.#committed.get(partition);
            if (committed === undefined) this.#committed.set(partition, (committed = new Map()));
            const violation = checkCommittedRecords(committed, id, partition, records);
            if (violation !== undefined && this.violations.length < 20) this.violations.push(violation);
          }, () => undefined);
        }
      }
    }
  }
}

/**
 * After settling: sends DeleteRecords to each partition's leader at the highest log start of its
 * replicas (when the leader's own is lower), waits for the followers to follow, and returns S11's
 * verdict on whether all replicas then have one log start.
 */
async function alignLogStarts(cluster: SimCluster, workload: SimWorkload, timeoutMs: number): Promise<WhiteBoxViolation[]> {
  const admin = new SimProcess('admin-after-healing', 1);
  for (const t of cluster.topics) {
    for (let p = 0; p < t.partitions; p++) {
      const leader = cluster.brokerIds.find((id) => cluster.node(id)?.status(t.name, p)?.role === 'leader');
      if (leader === undefined) continue;
      const starts = cluster.brokerIds.map((id) => cluster.node(id)?.status(t.name, p)?.logStartOffset ?? 0);
      const highest = Math.max(...starts);
      if (highest > cluster.node(leader)!.status(t.name, p)!.logStartOffset) await drive(cluster.scheduler, workload.deleteRecords(admin, leader, t.name, p, highest), timeoutMs);
    }
  }
  const disagreeing = (): WhiteBoxViolation[] => checkLogStartsAgree(logStartSamples(cluster));
  await cluster.scheduler.runUntil(() => disagreeing().length === 0, timeoutMs);
  return disagreeing();
}

/** Adds what each broker and the store say about unsettled partitions to the trace. */
async function describeUnsettled(cluster: SimCluster, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const record = await cluster.store.inner.partitions.get(name);
    cluster.log('sim', `unsettled ${name}`, { record: record?.value, resourceVersion: record?.resourceVersion });
    const [topic, partition] = [name.slice(0, name.lastIndexOf('-')), Number(name.slice(name.lastIndexOf('-') + 1))];
    for (const id of cluster.brokerIds) {
      const process = cluster.process(id);
      cluster.log('sim', `  broker ${id} ${process?.toString() ?? 'down'} ${process?.state ?? ''}`, { status: cluster.node(id)?.status(topic, partition) });
    }
  }
}

async function replicaLogViolations(cluster: SimCluster): Promise<WhiteBoxViolation[]> {
  const logs: ReplicaLog[] = [];
  const committed = new Map<string, { leader: number; highWatermark: number }>();
  for (const t of cluster.topics) {
    for (let p = 0; p < t.partitions; p++) {
      const partition = partitionStateName(t.name, p);
      for (const id of cluster.brokerIds) {
        const node = cluster.node(id);
        const status = node?.status(t.name, p);
        if (node === undefined || status === undefined) continue;
        if (status.role === 'leader') committed.set(partition, { leader: id, highWatermark: status.highWatermark });
        const read = await drive(cluster.scheduler, node.replicaLog(t.name, p));
        if (read.status === 'fulfilled' && read.value !== undefined) logs.push({ broker: id, partition, logStartOffset: status.logStartOffset, records: read.value });
      }
    }
  }
  return checkReplicaLogs(logs, committed);
}

/** Reassignments asked for, finished (the leader cleared the target) and replicas that left a broker, from the store's write log. */
function reassignmentCounts(cluster: SimCluster, nemesis: SimNemesis | undefined): { reassignmentsRequested: number; reassignmentsCompleted: number; replicasMoved: number } {
  let completed = 0;
  let moved = 0;
  const last = new Map<string, PartitionState>();
  for (const { object } of cluster.store.partitionWrites) {
    const prev = last.get(object.name);
    last.set(object.name, object.value);
    if (prev === undefined || (prev.targetReplicas ?? null) === null || (object.value.targetReplicas ?? null) !== null) continue;
    completed++;
    moved += prev.replicas.filter((id) => !object.value.replicas.includes(id)).length;
  }
  return { reassignmentsRequested: nemesis?.reassignments ?? 0, reassignmentsCompleted: completed, replicasMoved: moved };
}
