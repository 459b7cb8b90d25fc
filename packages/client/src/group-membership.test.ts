/**
 * A group member whose coordinator's broker dies finds the new coordinator through a broker it
 * learned of from metadata, not only through its bootstrap list (which may name just the dead
 * broker), and goes on heartbeating and committing there.
 */
import type { GroupHandlers } from '@runnel/protocol';
import { afterEach, expect, it } from 'vitest';
import { Consumer, type ConsumerRecord } from './consumer.ts';
import { Producer } from './producer.ts';
import { FakeCluster } from './testing/fake-cluster.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('after the coordinator broker dies, a member bootstrapped only through it finds the new coordinator and keeps committing', async () => {
  // A fake coordinator: one member, assigned t-0, on whichever broker `coordinator` names.
  let coordinator = 0;
  const heartbeats: number[] = [];
  const commits: Array<{ broker: number; offset: number }> = [];
  const ports: number[] = []; // the brokers' ports, known once they listen
  const group = (id: number): Partial<GroupHandlers> => ({
    FindCoordinator: (_call, cb) => cb(null, { nodeId: coordinator, host: '127.0.0.1', port: ports[coordinator]!, offsetsPartition: 0 }),
    Heartbeat: (call, cb) => {
      heartbeats.push(id);
      cb(null, { memberId: call.request.memberId, memberEpoch: 1, heartbeatIntervalMs: 50, hasAssignment: true, assignment: [{ topic: 't', partitions: [0] }] });
    },
    OffsetFetch: (_call, cb) => cb(null, { offsets: [] }),
    OffsetCommit: (call, cb) => {
      for (const p of call.request.partitions ?? []) commits.push({ broker: id, offset: Number(p.offset) });
      cb(null, { partitions: (call.request.partitions ?? []).map((p) => ({ topic: p.topic, partition: p.partition })) });
    },
  });
  const cluster = await FakeCluster.start(2, { group });
  ports.push(...cluster.ports);
  cleanups.push(() => cluster.close());
  cluster.createTopic('t', 1);
  cluster.moveLeader('t', 0, 1); // the data lives on the broker that survives

  const produce = async (bootstrap: string, values: string[]): Promise<void> => {
    const p = new Producer({ bootstrap, lingerMs: 0 });
    await p.sendBatch('t', values.map((value) => ({ value, partition: 0 })));
    await p.close();
  };
  await produce(cluster.bootstrap, ['a', 'b']);

  // The member knows only broker 0, the coordinator.
  const consumer = new Consumer({ bootstrap: cluster.bootstrap, maxWaitMs: 50, retryBackoffMs: 5, retryBackoffMaxMs: 20, autoOffsetReset: 'earliest' });
  consumer.subscribe({ groupId: 'g', topics: ['t'], autoCommitIntervalMs: 50 });
  const read: ConsumerRecord[] = [];
  const reading = (async () => {
    for await (const r of consumer.records()) read.push(r);
  })();
  cleanups.push(async () => {
    await consumer.close();
    await reading;
  });
  await until('the member read a and b', () => read.length === 2);
  await until('the member committed on broker 0', () => commits.some((c) => c.broker === 0 && c.offset === 2));
  expect(heartbeats).not.toContain(1);

  // Broker 0 dies; the group's offsets partition moves to broker 1.
  coordinator = 1;
  cluster.kill(0);
  await produce(`127.0.0.1:${cluster.ports[1]}`, ['c']);
  await until('the member read c', () => read.length === 3);
  await until('the member heartbeats the new coordinator', () => heartbeats.includes(1));
  await until('the member committed c on the new coordinator', () => commits.some((c) => c.broker === 1 && c.offset === 3));
  expect(read.map((r) => r.value!.toString())).toEqual(['a', 'b', 'c']);
}, 60_000);
