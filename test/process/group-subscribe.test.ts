/**
 * The client's minimal `consumer.subscribe` against a real broker: two members of one group
 * share a topic's partitions, every record is read, each partition by one member at a time, and
 * once both have closed (committing on close) the group is empty with lag 0.
 */
import { Consumer, Producer, type ConsumerRecord } from '@runnel/client';
import { afterEach, expect, it } from 'vitest';
import { findCoordinator, groupClient } from './broker/group-clients.ts';
import { call, connect, createTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('two subscribed consumers share the partitions, read everything, and leave lag 0', async () => {
  const dir = await tempDir();
  cleanups.push(() => removeDir(dir));
  const c = await startTestCluster(dir, { brokers: 1, groups: { offsetsTopicPartitions: 2 } });
  cleanups.push(() => c.close());
  const admin = connect(c.bootstrap);
  cleanups.push(() => admin.close());
  const topic = `sub-${crypto.randomUUID().slice(0, 8)}`;
  await createTopic(admin, topic, 4);
  const groupId = `sub-group-${crypto.randomUUID().slice(0, 8)}`;
  const seen = new Map<string, string[]>(); // value -> members that got it
  const byPartition = new Map<number, Set<string>>();
  const members = ['a', 'b'].map((name) => {
    const consumer = new Consumer({ bootstrap: c.bootstrap, maxWaitMs: 100, autoOffsetReset: 'earliest' });
    consumer.subscribe({ groupId, topics: [topic], autoCommitIntervalMs: 200 });
    return { name, consumer };
  });
  // The group settles: two partitions each, none owned twice.
  const deadline = Date.now() + 30_000;
  while (members.some((m) => m.consumer.assignment().length !== 2)) {
    if (Date.now() > deadline) throw new Error(`The group did not settle: ${members.map((m) => `${m.name}=${JSON.stringify(m.consumer.assignment())}`).join(' ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(new Set(members.flatMap((m) => m.consumer.assignment().map((tp) => tp.partition))).size).toBe(4);
  const producer = new Producer({ bootstrap: c.bootstrap, lingerMs: 0 });
  for (let i = 0; i < 40; i++) await producer.send({ topic, partition: i % 4, key: `k${i}`, value: `v${i}` });
  await producer.close();

  const done = new AbortController();
  const reading = members.map(async ({ name, consumer }) => {
    try {
      for await (const r of consumer.records({ signal: done.signal }) as AsyncIterable<ConsumerRecord>) {
        const v = r.value!.toString();
        seen.set(v, [...(seen.get(v) ?? []), name]);
        let owners = byPartition.get(r.partition);
        if (owners === undefined) byPartition.set(r.partition, (owners = new Set()));
        owners.add(name);
        if (seen.size === 40) done.abort();
      }
    } catch (err) {
      if (!done.signal.aborted) throw err;
    }
  });
  const timeout = setTimeout(() => done.abort(), 30_000);
  await Promise.all(reading);
  clearTimeout(timeout);
  expect(seen.size).toBe(40);
  // Each partition was read by one member only, each member read its two partitions, nothing twice.
  expect([...byPartition.values()].map((owners) => owners.size)).toEqual([1, 1, 1, 1]);
  expect([...seen.values()].every((got) => got.length === 1)).toBe(true);
  for (const m of members) expect([...seen.values()].filter((got) => got[0] === m.name)).toHaveLength(20);
  for (const m of members) await m.consumer.close();

  const { address } = await findCoordinator([c.bootstrap], groupId);
  const g = groupClient(address);
  cleanups.push(() => g.close());
  const described = (await call(g, g.DescribeGroups, { groupIds: [groupId] })).groups[0]!;
  expect(described.state).toBe('Empty');
  expect(described.offsets.map((o) => [o.partition, Number(o.committedOffset), Number(o.lag)])).toEqual([0, 1, 2, 3].map((p) => [p, 10, 0]));
}, 60_000);
