/**
 * The log-start checks must be able to fail: DeleteRecords with a planted bug, on the real
 * replication node. A deletion the history does not know of must show as lost writes (S1's
 * log-start rule excuses only recorded deletions), and a log start moved past the committed HW must
 * show as S11.
 */
import { expect, it } from 'vitest';
import { RunnelError } from '@runnel/protocol';
import { deleteRecords, type ReplicationNode } from '@runnel/broker';
import { replicationNodeFactory } from '../cluster/replication-node-adapter.ts';
import { runSeeds } from '../cluster/seed-runner.ts';
import type { SimNodeFactory } from '../cluster/sim-node.ts';
import { replicationRun } from './replication-suite.ts';

/** The suite's topic without retention, so that only DeleteRecords moves log starts. */
const TOPICS = [{ name: 'sim', partitions: 2, replicationFactor: 3, minInsyncReplicas: 2 }];

/** The real node, with its DeleteRecords replaced by `plant`. */
function planted(plant: (node: ReplicationNode, real: (topic: string, partition: number, offset: number) => Promise<{ lowWatermark: number }>, topic: string, partition: number, offset: number) => Promise<{ lowWatermark: number }>): SimNodeFactory {
  return (parts) => {
    const sim = replicationNodeFactory(parts) as ReturnType<SimNodeFactory> & { node: ReplicationNode };
    const real = sim.deleteRecords!.bind(sim);
    sim.deleteRecords = (topic, partition, offset) => plant(sim.node, real, topic, partition, offset);
    return sim;
  };
}

it('S1 counts records deleted by a DeleteRecords that answered a definite failure as lost', async () => {
  const { summary } = await runSeeds([1, 2, 3], (seed) => ({
    ...replicationRun(seed),
    topics: TOPICS,
    factory: planted(async (node, _real, topic, partition, offset) => {
      // Delete on the leader without waiting for the followers (a wait could outlast the
      // workload's call and make the outcome unknown, which S1 rightly excuses).
      await deleteRecords(node.directory, topic, partition, offset, 0).catch(() => undefined);
      throw new RunnelError('NOT_LEADER', 'planted: deleted, but answered as if nothing happened');
    }),
  }));
  expect(summary.anomalies.S1, JSON.stringify(summary.anomalies)).toBeGreaterThan(0);
  expect(summary.deletedBelowLogStart).toBe(0);
});

it('S11 reports a log start moved past the committed high watermark', async () => {
  const { summary } = await runSeeds([1, 2, 3], (seed) => ({
    ...replicationRun(seed),
    topics: TOPICS,
    factory: planted(async (node, _real, topic, partition, offset) => {
      const log = node.log(topic, partition);
      if (log === undefined) throw new RunnelError('NOT_LEADER', 'planted: no log here');
      // Restart the log beyond everything it holds: uncommitted offsets "deleted".
      const beyond = log.logEndOffset + 5;
      await log.truncateFullyAndStartAt(beyond).catch(() => undefined);
      return { lowWatermark: Math.max(offset, log.logStartOffset) };
    }),
  }));
  expect(summary.anomalies.S11, JSON.stringify(summary.anomalies)).toBeGreaterThan(0);
});
