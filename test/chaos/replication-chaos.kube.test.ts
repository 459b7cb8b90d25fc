// Multi-process chaos on the real control plane (issue 4, DESIGN.md §9): three broker processes on
// the `kubernetes` metadata store, a topic with 3 partitions, RF=3, minISR=2, an acks=all workload
// of unique values, and a nemesis that kills, pauses and wipes brokers one at a time. Afterwards
// the cluster heals and settles, every partition is drained, and the shared history checker
// (test/support/history, S1–S5) must find no anomaly.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as broker from '@runnel/broker';
import { applyCrds, openKubernetesMetadataStore, type KubernetesMetadataStore } from '@runnel/metadata';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory, formatCheckResult, HistoryRecorder, historyToJsonl } from '../support/history/index.ts';
import { ChaosCluster, createTopic } from './chaos-cluster.ts';
import { runWorkload } from './chaos-workload.ts';
import { drainPartitions } from './drain.ts';
import { ALL_FAULTS, countFaults, parseFaults, runNemesis, type FaultKind, type FaultRecord } from './nemesis.ts';

const kube = kubeTest();
const hex = (): string => randomBytes(4).toString('hex');

/**
 * Fast but safe test timings (DESIGN.md §6 Timing: RD > RP + request timeout, LD > RD): a leader
 * paused for more than LD is replaced; one that renews late steps down at RD. Slower than the
 * broker's FAST_REPLICATION_TIMING so that CPU starvation on 2 shared cores (3 brokers, the control
 * plane and the workload) does not turn every run into a stream of spurious failovers.
 */
const TIMING = { renewPeriodMs: 500, requestTimeoutMs: 500, renewDeadlineMs: 1_500, leaseDurationMs: 2_500, replicaLagMaxMs: 2_000, replicaFetchWaitMs: 200 };
const PARTITIONS = 3;
/**
 * Two rounds of every fault. RUNNEL_CHAOS_FAULTS=kill-leader,pause-leader,… replaces the schedule
 * (to reproduce one kind of fault in isolation while debugging).
 */
const SCHEDULE: readonly FaultKind[] = process.env['RUNNEL_CHAOS_FAULTS'] === undefined ? [...ALL_FAULTS, ...ALL_FAULTS] : parseFaults(process.env['RUNNEL_CHAOS_FAULTS']);
const RF = 3;

// Until startBroker runs the replication node (engineer R's createReplicationNode, issue 4), a run
// could only show that RF=1 leadership is not replication: skip, and say so, rather than pass or
// fail. Temporary: the gate goes once the wiring lands.
const replicates = 'createReplicationNode' in broker && readFileSync(new URL('../../packages/broker/src/start-broker.ts', import.meta.url), 'utf8').includes('createReplicationNode');
if (!replicates) console.warn('replication-chaos: skipped, startBroker does not run the replication node yet');

describe.skipIf(!replicates)('replication under process faults (3 broker processes, kubernetes store)', () => {
  let dir: string;
  let namespace: string;
  let store: KubernetesMetadataStore;
  let cluster: ChaosCluster | undefined;
  /** A failed run keeps its temp dir (broker logs, history.jsonl) for inspection. */
  let keep = process.env['RUNNEL_CHAOS_KEEP'] !== undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runnel-chaos-'));
    await applyCrds(kube.kubeConfig);
    namespace = await kube.createNamespace('chaos');
  });

  afterAll(async () => {
    await cluster?.destroy();
    await store?.close();
    await kube.deleteNamespace(namespace);
    if (keep) console.error(`replication-chaos: broker logs and history kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged write, never changes an offset, duplicates or reorders nothing', async () => {
    const clusterId = `chaos-${hex()}`;
    const topic = `orders-${hex()}`;
    store = await openKubernetesMetadataStore({ cluster: clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, requestTimeoutMs: 5_000 });
    await createTopic(store, topic, { partitions: PARTITIONS, replicationFactor: RF, minInsyncReplicas: 2, brokers: 3 });
    cluster = await ChaosCluster.start({ brokers: 3, dir, clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, store, timing: TIMING });
    const c = cluster;
    const lines: string[] = [];
    const log = (line: string): void => void lines.push(`${(performance.now() / 1000).toFixed(1)}s ${line}`);
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
            cluster: c,
            topic,
            partitions: PARTITIONS,
            isrSize: RF,
            schedule: SCHEDULE,
            downMs: 1_500,
            pauseMs: TIMING.leaseDurationMs * 2,
            settleTimeoutMs: 30_000,
            log,
          },
          AbortSignal.timeout(150_000),
        );
      } finally {
        stopWorkload.abort();
      }
      const stats = await workload;
      log(`workload stopped: ${stats.sends} sends, ${stats.readBatches} batches read, reader restarted ${stats.readerRestarts} times`);
      const final = await c.settled(topic, PARTITIONS, RF, AbortSignal.timeout(30_000));
      log(`settled: ${JSON.stringify(final)}`);
      await drainPartitions({ bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, timeoutMs: 30_000 });
      await writeFile(join(dir, 'history.jsonl'), historyToJsonl(history.events));
      const result = checkHistory(history.events);
      const report = [
        `faults: ${JSON.stringify(countFaults(faults))}`,
        `operations: ${JSON.stringify(result.counts)}`,
        formatCheckResult(result),
      ].join('\n');
      console.log(`chaos report\n${lines.join('\n')}\n${report}`);
      if (!result.valid) throw new Error(`${report}\n${await c.tails(60)}\nhistory: ${join(dir, 'history.jsonl')}`);
      expect(result.anomalies).toEqual([]);
      expect(faults).toHaveLength(SCHEDULE.length);
      // The run must have exercised the system: acknowledged writes in every partition, and the drain found them.
      expect(result.counts.sendsOk).toBeGreaterThan(100);
      expect(result.counts.partitionsDrained).toBe(PARTITIONS);
    } catch (err) {
      keep = true;
      console.error(`chaos run failed\n${lines.join('\n')}\n${await c.tails(60)}`);
      throw err;
    } finally {
      await c.close();
    }
  });
});
