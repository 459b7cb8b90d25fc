// Multi-process chaos on the real control plane (issue 4, DESIGN.md §9): three broker processes on
// the `kubernetes` metadata store, a topic with 3 partitions, RF=3, minISR=2, an acks=all workload
// of unique values (idempotent producers), and a nemesis that kills, pauses and wipes brokers and
// pauses the API server itself, one fault at a time: 4 rounds of the 5 kinds, each round in a
// seeded random order (20 faults). Afterwards the cluster heals and settles, every partition is
// drained, and the shared history checker (test/support/history, S1–S5) must find no anomaly.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCrds, openKubernetesMetadataStore, type KubernetesMetadataStore } from '@runnel/metadata';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SimRandom } from '../sim/harness/sim-random.ts';
import { checkHistory, formatCheckResult, HistoryRecorder, historyToJsonl, type CheckResult } from '../support/history/index.ts';
import { ApiServerPause } from './api-server-pause.ts';
import { ChaosCluster, createTopic } from './chaos-cluster.ts';
import { runWorkload } from './chaos-workload.ts';
import { drainPartitions } from './drain.ts';
import { ALL_FAULTS, countFaults, formatFaultReport, parseFaults, runNemesis, type FaultKind, type FaultRecord } from './nemesis.ts';

const kube = kubeTest();
/** The control plane's API server, pausable; undefined on an external cluster (RUNNEL_TEST_KUBECONFIG), whose API server is not ours to stop. */
const apiServer = kube.context.apiServerPid === null ? undefined : new ApiServerPause(kube.context.apiServerPid, kube.kubeConfig);
const hex = (): string => randomBytes(4).toString('hex');

/**
 * Fast but safe test timings (DESIGN.md §6 Timing: RD > RP + request timeout, LD > RD): a leader
 * paused for more than LD is replaced; one that renews late steps down at RD. Slower than the
 * broker's FAST_REPLICATION_TIMING so that CPU starvation on 2 shared cores (3 brokers, the control
 * plane and the workload) does not turn every run into a stream of spurious failovers.
 */
const TIMING = { renewPeriodMs: 500, requestTimeoutMs: 500, renewDeadlineMs: 1_500, leaseDurationMs: 2_500, replicaLagMaxMs: 2_000, replicaFetchWaitMs: 200 };
const PARTITIONS = 3;
const RF = 3;
/** At least this many faults per run (issue 12 §2), in rounds of every kind. */
const MIN_FAULTS = 20;
/** API-server pauses alternate: past the renew deadline only (brokers stop serving reads), and past the lease duration too. */
const API_SERVER_PAUSES_MS = [TIMING.renewDeadlineMs + 500, TIMING.leaseDurationMs + 1_500];
/** RUNNEL_CHAOS_FAULTS=kill-leader,pause-leader,… replaces the schedule (to reproduce one kind of fault while debugging). */
const OVERRIDE: readonly FaultKind[] | undefined = process.env['RUNNEL_CHAOS_FAULTS'] === undefined ? undefined : parseFaults(process.env['RUNNEL_CHAOS_FAULTS']);
/** RUNNEL_CHAOS_SEED=n replays a run's schedule and choice of brokers (not its timing). */
const SEED = parseSeed(process.env['RUNNEL_CHAOS_SEED']);
/** Every kind this run can inject: pausing the API server needs the test control plane. */
const KINDS = apiServer === undefined ? ALL_FAULTS.filter((k) => k !== 'pause-apiserver') : ALL_FAULTS;

/** RUNNEL_CHAOS_SEED as a non-negative integer, or a random seed when unset; throws naming the variable otherwise. */
function parseSeed(raw: string | undefined): number {
  if (raw === undefined) return Math.floor(Math.random() * 1_000_000);
  const seed = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(seed) || seed < 0) throw new Error(`RUNNEL_CHAOS_SEED=${JSON.stringify(raw)} is not a non-negative integer`);
  return seed;
}

/** Rounds of every kind in `kinds`, each round in a random order, until there are at least `min` faults. */
function roundsSchedule(kinds: readonly FaultKind[], min: number, random: SimRandom): FaultKind[] {
  const schedule: FaultKind[] = [];
  while (schedule.length < min) {
    const round = [...kinds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    schedule.push(...round);
  }
  return schedule;
}

/** What one chaos run produced. */
interface ChaosRun {
  readonly faults: readonly FaultRecord[];
  readonly result: CheckResult;
}

describe('replication under process faults (3 broker processes, kubernetes store)', () => {
  let root: string;
  let namespace: string;
  const stores: KubernetesMetadataStore[] = [];
  const clusters: ChaosCluster[] = [];
  /** A failed run keeps its temp dir (broker logs, history.jsonl) for inspection. */
  let keep = process.env['RUNNEL_CHAOS_KEEP'] !== undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'runnel-chaos-'));
    await applyCrds(kube.kubeConfig);
    namespace = await kube.createNamespace('chaos');
  });

  // The one control plane is shared by the whole run: whatever happened, the API server runs and is ready when a test ends.
  afterEach(async () => {
    await apiServer?.ensureReady(60_000);
  });

  afterAll(async () => {
    apiServer?.dispose();
    for (const c of clusters) await c.destroy();
    for (const s of stores) await s.close();
    await kube.deleteNamespace(namespace);
    if (keep) console.error(`replication-chaos: broker logs and histories kept in ${root}`);
    else await rm(root, { recursive: true, force: true });
  });

  /** One run: fresh cluster and topic, workload under `schedule`, heal, settle, drain, check. */
  async function chaosRun(name: string, schedule: readonly FaultKind[], settleTimeoutMs: number, random: SimRandom): Promise<ChaosRun> {
    const dir = join(root, name);
    await mkdir(dir);
    const clusterId = `chaos-${hex()}`;
    const topic = `orders-${hex()}`;
    const store = await openKubernetesMetadataStore({ cluster: clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, requestTimeoutMs: 5_000 });
    stores.push(store);
    await createTopic(store, topic, { partitions: PARTITIONS, replicationFactor: RF, minInsyncReplicas: 2, brokers: 3 });
    const c = await ChaosCluster.start({ brokers: 3, dir, clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, store, timing: TIMING });
    clusters.push(c);
    const lines: string[] = [];
    const log = (line: string): void => void lines.push(`${(performance.now() / 1000).toFixed(1)}s ${line}`);
    const started = performance.now();
    try {
      await c.settled(topic, PARTITIONS, RF, AbortSignal.timeout(30_000));
      const history = new HistoryRecorder();
      const stopWorkload = new AbortController();
      const workload = runWorkload(
        { bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, retryingProducers: 3, singleShotProducers: 1, concurrency: 4, deliveryTimeoutMs: 15_000 },
        stopWorkload.signal,
      );
      let faults: FaultRecord[];
      try {
        faults = await runNemesis(
          {
            cluster: c, topic, partitions: PARTITIONS, isrSize: RF, schedule, downMs: 1_000, pauseMs: TIMING.leaseDurationMs + 1_000, settleTimeoutMs, log,
            random: () => random.next(), ...(apiServer === undefined ? {} : { apiServer, apiServerPauseMs: API_SERVER_PAUSES_MS }),
          },
          AbortSignal.timeout(420_000),
        );
      } finally {
        stopWorkload.abort();
      }
      const stats = await workload;
      log(`workload stopped: ${stats.sends} sends, ${stats.readBatches} batches read, reader restarted ${stats.readerRestarts} times`);
      const final = await c.settled(topic, PARTITIONS, RF, AbortSignal.timeout(settleTimeoutMs));
      log(`settled: ${JSON.stringify(final)}`);
      await drainPartitions({ bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, timeoutMs: 30_000 });
      await writeFile(join(dir, 'history.jsonl'), historyToJsonl(history.events));
      const result = checkHistory(history.events);
      const report = [
        `seed ${SEED} (RUNNEL_CHAOS_SEED), ${((performance.now() - started) / 1000).toFixed(1)} s from the first settle to the check`,
        formatFaultReport(faults),
        `operations: ${JSON.stringify(result.counts)}`,
        formatCheckResult(result),
      ].join('\n');
      console.log(`chaos report (${name})\n${lines.join('\n')}\n${report}`);
      if (!result.valid) throw new Error(`${report}\n${await c.tails(60)}\nhistory: ${join(dir, 'history.jsonl')}`);
      return { faults, result };
    } catch (err) {
      keep = true;
      console.error(`chaos run ${name} failed\n${lines.join('\n')}\n${await c.tails(60)}`);
      throw err;
    } finally {
      await c.close();
    }
  }

  it(`loses no acknowledged write, never changes an offset, duplicates or reorders nothing (${MIN_FAULTS}+ faults: rounds of every kind)`, async () => {
    onTestFailed(() => {
      keep = true;
    });
    if (apiServer === undefined) console.warn('replication-chaos: no pause-apiserver faults: the API server of an external cluster (RUNNEL_TEST_KUBECONFIG) is not ours to stop');
    const random = new SimRandom(SEED);
    const schedule = OVERRIDE ?? roundsSchedule(KINDS, MIN_FAULTS, random.fork());
    const { faults, result } = await chaosRun('all-faults', schedule, 30_000, random.fork());
    expect(result.anomalies).toEqual([]);
    expect(faults).toHaveLength(schedule.length);
    if (OVERRIDE === undefined) {
      expect(faults.length).toBeGreaterThanOrEqual(MIN_FAULTS);
      for (const kind of KINDS) expect(countFaults(faults)[kind], kind).toBeGreaterThanOrEqual(3);
    }
    // Each API-server pause reached every broker: its last acknowledged renewal was older than the renew deadline.
    for (const f of faults.filter((x) => x.kind === 'pause-apiserver')) {
      expect(Math.min(...f.apiServer!.renewalAgeS), JSON.stringify(f.apiServer)).toBeGreaterThan(TIMING.renewDeadlineMs / 1000);
    }
    // The run must have exercised the system: many acknowledged writes, every partition drained.
    expect(result.counts.sendsOk).toBeGreaterThan(500);
    expect(result.counts.partitionsDrained).toBe(PARTITIONS);
    // The shared API server was left running and ready.
    if (apiServer !== undefined) expect(apiServer.stopped()).toBe(false);
  }, 600_000);
});
