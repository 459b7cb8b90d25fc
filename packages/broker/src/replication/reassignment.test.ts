import { access } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnelError } from '@runnel/protocol';
import { requestReassignment, type PartitionState } from '@runnel/metadata';
import { nextReassignmentStep } from './reassignment.ts';
import { batchOf, ReplicationTestCluster, valuesOf } from './replication-test-cluster.ts';

const m = (id: number, brokerEpoch = 1): { id: number; brokerEpoch: number } => ({ id, brokerEpoch });

function state(fields: Partial<PartitionState>): PartitionState {
  return { topic: 't', partition: 0, topicId: 'id', holder: m(0), leaderEpoch: 2, partitionEpoch: 5, replicas: [0, 1, 2], isr: [m(0), m(1), m(2)], epochStartOffset: 0, proposalId: null, handoverTo: null, ...fields };
}

describe('nextReassignmentStep (the leader’s plan, from the partition record alone)', () => {
  it('does nothing without a target', () => {
    expect(nextReassignmentStep(state({}), 0)).toEqual({ kind: 'none' });
    expect(nextReassignmentStep(state({ targetReplicas: null }), 0)).toEqual({ kind: 'none' });
  });

  it('first adds the targets to the replicas, targets first in their order', () => {
    expect(nextReassignmentStep(state({ targetReplicas: [3, 1, 2] }), 0)).toEqual({ kind: 'add', replicas: [3, 1, 2, 0] });
  });

  it('then waits until every target is in the ISR', () => {
    expect(nextReassignmentStep(state({ replicas: [3, 1, 2, 0], targetReplicas: [3, 1, 2] }), 0)).toEqual({ kind: 'wait', missing: [3] });
  });

  it('hands leadership to the first target when the leader is leaving', () => {
    const s = state({ replicas: [3, 1, 2, 0], isr: [m(0), m(1), m(2), m(3)], targetReplicas: [3, 1, 2] });
    expect(nextReassignmentStep(s, 0)).toEqual({ kind: 'handover', to: 3 });
  });

  it('removes the other replicas from the replicas and the ISR once the leader is a target', () => {
    const s = state({ holder: m(3), replicas: [3, 1, 2, 0], isr: [m(0), m(1), m(2), m(3)], targetReplicas: [3, 1, 2] });
    expect(nextReassignmentStep(s, 3)).toEqual({ kind: 'complete', replicas: [3, 1, 2], isr: [m(1), m(2), m(3)] });
  });

  it('completes at once a target that only reorders the replicas, even with a replica out of the ISR', () => {
    expect(nextReassignmentStep(state({ isr: [m(0), m(1)], targetReplicas: [2, 1, 0] }), 0)).toEqual({ kind: 'complete', replicas: [2, 1, 0], isr: [m(0), m(1)] });
  });

  it('can shrink the replication factor (a follower leaves, nobody joins)', () => {
    expect(nextReassignmentStep(state({ targetReplicas: [0, 1] }), 0)).toEqual({ kind: 'complete', replicas: [0, 1], isr: [m(0), m(1)] });
  });
});

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/**
 * One producer writing acks=all batches in order as fast as the cluster takes them; a send counts
 * as acknowledged only when the leader answered it. Retries go to whichever broker leads.
 */
function produceLoop(c: ReplicationTestCluster, topic: string): { stop: () => Promise<void>; acked: string[]; failures: Map<string, number> } {
  const acked: string[] = [];
  const failures = new Map<string, number>();
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const value = `v${n++}`;
      try {
        const leader = await c.leader(topic, 0, 20_000);
        await leader.produce({ topic, partition: 0, records: batchOf([value]), acks: 'all', timeoutMs: 5000 });
        acked.push(value);
      } catch (err) {
        const code = err instanceof RunnelError ? err.code : String(err);
        failures.set(code, (failures.get(code) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  })();
  return { acked, failures, stop: async () => { running = false; await loop; } };
}

async function readAll(c: ReplicationTestCluster, topic: string): Promise<string[]> {
  const leader = await c.leader(topic);
  const out: string[] = [];
  for (let offset = 0; offset < leader.status(topic, 0)!.highWatermark;) {
    const { records } = await leader.fetch({ topic, partition: 0, offset, maxBytes: 1 << 20 });
    const values = valuesOf(records, offset);
    if (values.length === 0) break;
    out.push(...values);
    offset += values.length;
  }
  return out;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

describe('reassignment under produce load (4 in-process brokers, RF=3, minISR=2)', () => {
  it('moves the leader’s replica to a new broker: add, catch up into the ISR, hand over, remove; no acknowledged record lost', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2, 3].map((id) => c.start(id)));
    const first = await c.leader(topic);
    expect(first.brokerId).toBe(0);
    await c.until('ISR of 3', () => first.status(topic, 0)!.state.isr.length === 3);
    const load = produceLoop(c, topic);
    await c.until('some records acknowledged', () => load.acked.length >= 200, 20_000);
    const topicId = first.status(topic, 0)!.state.topicId;
    const dir0 = c.dirs.get(0)!.partitionDir(topic, 0, topicId);
    expect(await exists(dir0)).toBe(true);

    await requestReassignment(c.store, topic, 0, [3, 1, 2]);
    await c.until('the reassignment to finish', () => {
      const s = c.nodes.get(3)?.status(topic, 0)?.state;
      return s !== undefined && s.targetReplicas == null && s.replicas.join() === '3,1,2';
    }, 30_000);
    const ackedDuring = load.acked.length;
    await c.until('more records acknowledged after the move', () => load.acked.length >= ackedDuring + 100, 20_000);
    await load.stop();

    const leader = await c.leader(topic);
    expect(leader.brokerId).toBe(3);
    const final = (await c.store.partitions.get(`${topic}-0`))!.value;
    expect(final).toMatchObject({ topicId, holder: { id: 3 }, replicas: [3, 1, 2], targetReplicas: null });
    expect(final.isr.map((r) => r.id).sort()).toEqual([1, 2, 3]);
    // Broker 0 stopped serving the partition and deleted its copy.
    await c.until('broker 0 to drop its replica', () => c.nodes.get(0)!.status(topic, 0) === undefined);
    expect(await exists(dir0)).toBe(false);
    // Every acknowledged record, in order, on the new leader and every remaining replica.
    const log = await readAll(c, topic);
    const positions = load.acked.map((v) => log.indexOf(v));
    expect(positions.filter((p) => p < 0)).toEqual([]);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const id of [1, 2]) await c.until(`broker ${id} to hold the log`, () => (c.nodes.get(id)!.log(topic, 0)?.logEndOffset ?? 0) >= c.nodes.get(3)!.log(topic, 0)!.logEndOffset);
    console.log(`reassignment [0,1,2] -> [3,1,2] under load: ${load.acked.length} acknowledged, failures ${JSON.stringify(Object.fromEntries(load.failures))}`);
  }, 90_000);

  it('moves a follower and then shrinks the replica set; the removed brokers delete their copies', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2, 3].map((id) => c.start(id)));
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    const load = produceLoop(c, topic);
    await c.until('some records acknowledged', () => load.acked.length >= 100, 20_000);
    await requestReassignment(c.store, topic, 0, [0, 1, 3]);
    await c.until('broker 3 in, broker 2 out', () => leader.status(topic, 0)?.state.replicas.join() === '0,1,3' && c.nodes.get(2)!.status(topic, 0) === undefined, 30_000);
    await requestReassignment(c.store, topic, 0, [0, 3]);
    await c.until('broker 1 out', () => leader.status(topic, 0)?.state.replicas.join() === '0,3' && c.nodes.get(1)!.status(topic, 0) === undefined, 30_000);
    const before = load.acked.length;
    await c.until('produce goes on with ISR {0,3}', () => load.acked.length >= before + 50, 20_000);
    await load.stop();
    const log = await readAll(c, topic);
    expect(load.acked.filter((v) => !log.includes(v))).toEqual([]);
    expect(leader.brokerId).toBe(0);
    expect(leader.status(topic, 0)!.state.isr.map((r) => r.id).sort()).toEqual([0, 3]);
  }, 90_000);

  it('a broker that was down while its replica was moved away deletes its copy when it starts', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2, 3].map((id) => c.start(id)));
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    for (let i = 0; i < 10; i++) await leader.produce({ topic, partition: 0, records: batchOf([`v${i}`]), acks: 'all', timeoutMs: 5000 });
    const topicId = leader.status(topic, 0)!.state.topicId;
    const dir2 = c.dirs.get(2)!.partitionDir(topic, 0, topicId);
    await c.until('broker 2 to hold the records', () => (c.nodes.get(2)!.log(topic, 0)?.logEndOffset ?? 0) >= 10);
    await c.stop(2);
    expect(await exists(dir2)).toBe(true);
    await requestReassignment(c.store, topic, 0, [0, 1, 3], { topicId });
    await c.until('broker 2 replaced by broker 3', () => leader.status(topic, 0)?.state.replicas.join() === '0,1,3' && leader.status(topic, 0)!.state.isr.length === 3, 30_000);
    await c.start(2);
    expect(c.nodes.get(2)!.status(topic, 0)).toBeUndefined();
    expect(await exists(dir2)).toBe(false);
    expect(await readAll(c, topic)).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
  }, 90_000);
});
