/**
 * A broker killed (kill -9 in-process) and started again, over and over, in a local cluster: the
 * process must not keep the dead incarnations. `runnel bench soak` found the heap after GC stepping
 * up by ~2.5 MB at every kill and restart: prom-client's default metrics, collected per broker,
 * kept each stopped broker's registry and through its gauges the broker's partitions and logs.
 * Counted with `v8.queryObjects` (after a full GC): partition logs and broker metrics objects.
 * Default metrics on, as users run it (the shared test cluster turns them off).
 */
import { queryObjects } from 'node:v8';
import { FAST_REPLICATION_TIMING, type LocalCluster } from '@runnel/broker';
import { PartitionLog } from '@runnel/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { call, connect } from './broker/grpc-clients.ts';
import { removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BROKERS = 3;
const PARTITIONS = 3;
/** Partition logs open in the cluster when every broker hosts every partition (RF 3). */
const LIVE_LOGS = BROKERS * PARTITIONS;

function liveLogs(): number {
  return queryObjects(PartitionLog as never, { format: 'count' }) as number;
}

/** Polls `read` until `ok`, or returns its last value after `timeoutMs`. */
async function settle(read: () => number, ok: (n: number) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = read();
    if (ok(n) || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until every partition of `topic` has a leader that answers Metadata. */
async function led(c: LocalCluster, topic: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const clients = connect(c.brokers[0]!.address);
    try {
      const md = await call(clients.log, clients.log.Metadata, { topics: [topic] });
      const parts = md.topics[0]?.partitions ?? [];
      if (parts.length === PARTITIONS && parts.every((p: { leaderId: number; isr: number[] }) => p.leaderId >= 0 && p.isr.length === BROKERS)) return;
    } catch {
      // not ready yet
    } finally {
      clients.close();
    }
    if (Date.now() > deadline) throw new Error(`${topic} was not fully led and in sync within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('broker crash and restart in one process', () => {
  it('keeps only the running brokers in memory after 4 kill/restart cycles', { timeout: 240_000 }, async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const topic = `mem-${crypto.randomUUID().slice(0, 8)}`;
    const c = await startTestCluster(dir, { brokers: BROKERS, replicationFactor: 3, replicationTiming: FAST_REPLICATION_TIMING, demoTopic: { name: topic, partitions: PARTITIONS }, defaultMetrics: true });
    cleanups.push(() => c.close());
    await led(c, topic);
    expect(await settle(liveLogs, (n) => n === LIVE_LOGS, 10_000)).toBe(LIVE_LOGS);

    for (let cycle = 0; cycle < 4; cycle++) {
      const victim = cycle % BROKERS;
      await c.stopBroker(victim, { crash: true });
      await c.startBroker(victim);
      await led(c, topic);
    }
    // Objects of a killed broker may wait on a request timeout for a while; the bound is generous
    // in time, strict in count. Before the fix, each cycle left its broker's 3 logs for good.
    expect(await settle(liveLogs, (n) => n <= LIVE_LOGS, 60_000)).toBe(LIVE_LOGS);
  });
});
