/**
 * Consumer groups on real brokers over gRPC (runnel.v1.Group): members heartbeat and commit, the
 * broker that coordinates the group is killed (kill -9 in-process: no handover, no flush), and the
 * new coordinator (the new leader of the group's __consumer_offsets partition) has rebuilt the
 * group and its committed offsets from that partition. Plus every bad-input path on the wire.
 */
import { join } from 'node:path';
import type { LocalCluster } from '@runnel/broker';
import { FAST_REPLICATION_TIMING, startBroker } from '@runnel/broker';
import { MemoryMetadataStore, provisionPartitions, type MetadataStore } from '@runnel/metadata';
import { pino } from 'pino';
import type { GroupClient, GroupHeartbeatResponse__Output, GroupTopicPartitions, ResetSpec__Output } from '@runnel/protocol';
import { RunnelError } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { findCoordinator, groupClient, retrying } from './broker/group-clients.ts';
import { batchOf, call, connect, createTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(brokers: number, sessionTimeoutMs = 60_000): Promise<LocalCluster> {
  const dir = await tempDir();
  cleanups.push(() => removeDir(dir));
  const c = await startTestCluster(dir, {
    brokers,
    replicationFactor: brokers,
    replicationTiming: FAST_REPLICATION_TIMING,
    groups: { offsetsTopicPartitions: 4, sessionTimeoutMs, tickMs: 200 },
    metricsPort: 0,
  });
  cleanups.push(() => c.close());
  return c;
}

function client(address: string): GroupClient {
  const g = groupClient(address);
  cleanups.push(() => g.close());
  return g;
}

function keys(tps: readonly GroupTopicPartitions[]): string[] {
  return tps.flatMap((tp) => (tp.partitions ?? []).map((p) => `${tp.topic}-${p}`)).sort();
}

/** One member as a client keeps it: id, epoch, and the partitions it owns. */
interface Member {
  readonly id: string;
  epoch: number;
  owned: Array<{ topic: string; partitions: number[] }>;
}

/** One heartbeat of `m`, applying the answer as a client would (it releases revoked partitions at once). */
async function beat(g: GroupClient, groupId: string, m: Member, extra: object = {}): Promise<GroupHeartbeatResponse__Output> {
  const res = await call(g, g.Heartbeat, { groupId, memberId: m.id, memberEpoch: m.epoch, ownedPartitions: m.owned, ownedPartitionsSet: true, ...extra });
  m.epoch = res.memberEpoch;
  if (res.hasAssignment) m.owned = res.assignment.map((tp) => ({ topic: tp.topic, partitions: [...tp.partitions] }));
  return res;
}

describe('consumer groups on a 3-broker cluster', () => {
  it('keeps the group and its committed offsets when the coordinator broker is killed', async () => {
    const c = await cluster(3);
    const admin = connect(c.brokers[0]!.address);
    cleanups.push(() => admin.close());
    const topic = `orders-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call(admin.admin, admin.admin.CreateTopics, { topics: [{ name: topic, partitions: 6, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }] });
    expect(created.topics[0]?.error ?? null).toBeNull();
    const groupId = `g-${crypto.randomUUID().slice(0, 8)}`;

    // The first FindCoordinator creates __consumer_offsets: compacted, RF min(3, brokers).
    const first = await findCoordinator(c.brokers.map((b) => b.address), groupId);
    const offsetsTopic = (await call(admin.admin, admin.admin.DescribeTopics, { names: ['__consumer_offsets'] })).topics[0]!;
    expect(offsetsTopic.configs['cleanup.policy']).toBe('compact');
    expect(offsetsTopic.partitions).toHaveLength(4);
    expect(offsetsTopic.partitions.every((p) => p.replicas.length === 3)).toBe(true);

    // A broker that does not coordinate the group says so.
    const other = c.brokers.find((b) => b.id !== first.nodeId)!;
    await expect(call(client(other.address), client(other.address).Heartbeat, { groupId, memberId: 'x', memberEpoch: 0, subscribedTopicNames: [topic], subscribedTopicNamesSet: true })).rejects.toMatchObject({
      code: 'NOT_COORDINATOR',
    });

    // Three members join and converge: every partition owned by exactly one member.
    const g = client(first.address);
    const members: Member[] = ['m1', 'm2', 'm3'].map((id) => ({ id, epoch: 0, owned: [] }));
    // (the coordinator may answer COORDINATOR_NOT_AVAILABLE until the offsets partition's ISR has formed: clients retry)
    for (const m of members) await retrying(() => beat(g, groupId, m, { subscribedTopicNames: [topic], subscribedTopicNamesSet: true, rebalanceTimeoutMs: 60_000 }));
    for (let round = 0; round < 5; round++) for (const m of members) await beat(g, groupId, m);
    const owned = members.map((m) => keys(m.owned));
    expect(owned.map((o) => o.length)).toEqual([2, 2, 2]);
    expect(new Set(owned.flat()).size).toBe(6);

    // Records in every partition; each member commits what it "processed" (all but one record of each).
    for (let p = 0; p < 6; p++) expect(await produceTo(c, topic, p, 5 + p)).toBe(true);
    const expected = new Map<string, number>();
    for (const m of members) {
      const partitions = m.owned.flatMap((tp) => tp.partitions.map((p) => ({ topic: tp.topic, partition: p, offset: 4 + p, leaderEpoch: -1, metadata: m.id })));
      const res = await call(g, g.OffsetCommit, { groupId, memberId: m.id, memberEpoch: m.epoch, partitions });
      expect(res.partitions.map((p) => p.error?.code ?? 'ok')).toEqual(partitions.map(() => 'ok'));
      for (const p of partitions) expected.set(`${p.topic}-${p.partition}`, p.offset);
    }
    const before = (await call(g, g.DescribeGroups, { groupIds: [groupId] })).groups[0]!;
    expect(before.state).toBe('Stable');
    // Lag is one record per partition (the record after each committed offset).
    expect(before.offsets.map((o) => [`${o.topic}-${o.partition}`, Number(o.committedOffset), Number(o.logEndOffset), Number(o.lag)])).toEqual(
      [...expected].sort().map(([k, off]) => [k, off, off + 1, 1]),
    );

    // The coordinator exports the lag itself (no exporter): 1 record per partition, with its age,
    // for partitions led here and elsewhere alike.
    const text = await (await fetch(`http://${c.brokers.find((b) => b.id === first.nodeId)!.metricsAddress}/metrics`)).text();
    const series = (name: string): Map<string, number> =>
      new Map(
        [...text.matchAll(new RegExp(`^${name}\\{[^}]*group="${groupId}"[^}]*partition="(\\d+)"[^}]*\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]),
      );
    expect([...series('runnel_broker_consumer_group_lag_records')].sort()).toEqual(Array.from({ length: 6 }, (_, p) => [String(p), 1]));
    const ages = series('runnel_broker_consumer_group_lag_seconds');
    expect(ages.size).toBe(6);
    for (const age of ages.values()) expect(age).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(new RegExp(`^runnel_broker_consumer_group_members\\{[^}]*group="${groupId}"[^}]*\\} 3$`, 'm'));

    // Kill -9 the coordinator broker. Another broker leads the offsets partition and takes over.
    await c.stopBroker(first.nodeId, { crash: true });
    const next = await findCoordinator(c.brokers.map((b) => b.address), groupId, (id) => id !== first.nodeId);
    expect(next.nodeId).not.toBe(first.nodeId);
    const g2 = client(next.address);
    const after = await retrying(() => call(g2, g2.DescribeGroups, { groupIds: [groupId] }).then((r) => {
      const d = r.groups[0]!;
      if (d.error != null) throw new RunnelError(d.error.code as 'COORDINATOR_NOT_AVAILABLE', d.error.message, { retriable: d.error.retriable });
      return d;
    }));
    expect(after.coordinatorId).toBe(next.nodeId);
    expect(after.groupEpoch).toBe(before.groupEpoch);
    expect(after.members.map((m) => [m.memberId, m.memberEpoch, keys(m.assignment)])).toEqual(before.members.map((m) => [m.memberId, m.memberEpoch, keys(m.assignment)]));
    const fetched = await call(g2, g2.OffsetFetch, { groupId });
    expect(fetched.offsets.map((o) => [`${o.topic}-${o.partition}`, Number(o.offset)])).toEqual([...expected].sort());
    // Committed metadata survived too (the member that committed each partition).
    const ownerOf = new Map(members.flatMap((m) => keys(m.owned).map((k) => [k, m.id] as const)));
    for (const o of fetched.offsets) expect(o.metadata).toBe(ownerOf.get(`${o.topic}-${o.partition}`));

    // The members carry on at their epochs with the new coordinator: nobody is fenced, nothing moves.
    for (const m of members) {
      const ownedBefore = keys(m.owned);
      const res = await beat(g2, groupId, m);
      expect(res.memberEpoch).toBe(m.epoch);
      expect(keys(m.owned)).toEqual(ownedBefore);
    }
    const m1 = members[0]!;
    const more = await call(g2, g2.OffsetCommit, { groupId, memberId: m1.id, memberEpoch: m1.epoch, partitions: [{ topic: m1.owned[0]!.topic, partition: m1.owned[0]!.partitions[0]!, offset: 99 }] });
    expect(more.partitions[0]?.error ?? null).toBeNull();

    // A member leaves: the others get its partitions (revoke-before-assign is the state machine's; here the outcome).
    const m3 = members[2]!;
    await call(g2, g2.Heartbeat, { groupId, memberId: m3.id, memberEpoch: -1 });
    for (let round = 0; round < 4; round++) for (const m of members.slice(0, 2)) await beat(g2, groupId, m);
    const remaining = members.slice(0, 2).map((m) => keys(m.owned));
    expect(remaining.flat().sort()).toEqual(Array.from({ length: 6 }, (_, p) => `${topic}-${p}`).sort());
    expect(new Set(remaining.flat()).size).toBe(6);
  }, 120_000);
});

/** Produces `n` records to a partition through whichever broker leads it (acks=all). */
async function produceTo(c: LocalCluster, topic: string, partition: number, n: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const b of c.brokers) {
      const clients = connect(b.address);
      try {
        const res = await call(clients.log, clients.log.Produce, { acks: 'ACKS_ALL', timeoutMs: 5000, partitions: [{ topic, partition, records: batchOf(`p${partition}`, n) }] });
        if (res.partitions[0]?.error == null) return true;
      } catch {
        // not serving: try another broker
      } finally {
        clients.close();
      }
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Group service bad input on the wire: stable codes, clear messages', () => {
  async function single(): Promise<{ g: GroupClient; topic: string; address: string }> {
    const c = await cluster(1);
    const clients = connect(c.brokers[0]!.address);
    cleanups.push(() => clients.close());
    const topic = `t-${crypto.randomUUID().slice(0, 8)}`;
    await createTopic(clients, topic, 2);
    return { g: client(c.brokers[0]!.address), topic, address: c.brokers[0]!.address };
  }

  it('rejects each bad request with its code', async () => {
    const { g, topic } = await single();
    const join = { memberEpoch: 0, subscribedTopicNames: [topic], subscribedTopicNamesSet: true };

    // A group id that is too long (or empty).
    await expect(call(g, g.FindCoordinator, { groupId: 'x'.repeat(256) })).rejects.toMatchObject({ code: 'INVALID_GROUP_ID', message: expect.stringMatching(/over the limit of 255/) });
    await expect(call(g, g.Heartbeat, { groupId: '', memberId: 'm', ...join })).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' });

    // An unknown group.
    await expect(call(g, g.OffsetFetch, { groupId: 'nope' })).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND', message: 'Group nope does not exist' });
    expect((await call(g, g.DescribeGroups, { groupIds: ['nope'] })).groups[0]?.error?.code).toBe('GROUP_ID_NOT_FOUND');
    expect((await call(g, g.DeleteGroups, { groupIds: ['nope'] })).groups[0]?.error?.code).toBe('GROUP_ID_NOT_FOUND');
    await expect(call(g, g.ResetOffsets, { groupId: 'nope', spec: 'RESET_SPEC_EARLIEST' })).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND' });
    await expect(call(g, g.OffsetCommit, { groupId: 'nope', memberId: 'm', memberEpoch: 1, partitions: [{ topic, partition: 0, offset: 1 }] })).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND' });

    // An invalid regex.
    await expect(call(g, g.Heartbeat, { groupId: 'g', memberId: 'm', memberEpoch: 0, subscribedTopicRegex: 't-[' })).rejects.toMatchObject({
      code: 'INVALID_REGULAR_EXPRESSION',
      message: expect.stringMatching(/Cannot subscribe group g to \/t-\[\//),
    });

    // A commit from an unknown member, from a fenced one, for a partition the member does not own.
    const m = await call(g, g.Heartbeat, { groupId: 'g', memberId: 'm1', ...join, serverAssignor: 'range' });
    const other = await call(g, g.Heartbeat, { groupId: 'g', memberId: 'm2', ...join });
    await call(g, g.Heartbeat, { groupId: 'g', memberId: 'm1', memberEpoch: m.memberEpoch, ownedPartitions: m.assignment, ownedPartitionsSet: true });
    const commit = (memberId: string, memberEpoch: number, partition: number) => call(g, g.OffsetCommit, { groupId: 'g', memberId, memberEpoch, partitions: [{ topic, partition, offset: 1 }] }).then((r) => r.partitions[0]?.error);
    expect((await commit('ghost', m.memberEpoch, 0))?.code).toBe('UNKNOWN_MEMBER_ID');
    expect((await commit('m1', m.memberEpoch + 100, 0))?.code).toBe('FENCED_MEMBER_EPOCH');
    const notOwned = await commit('m2', other.memberEpoch, 0);
    expect(notOwned?.code).toBe('UNASSIGNED_PARTITION');
    expect(notOwned?.message).toMatch(new RegExp(`${topic}-0 for member m2 of group g: the member does not own it`));
    // An unknown assignor.
    await expect(call(g, g.Heartbeat, { groupId: 'g', memberId: 'm3', ...join, serverAssignor: 'sticky' })).rejects.toMatchObject({ code: 'UNSUPPORTED_ASSIGNOR' });

    // A reset (or a delete) of a group that has members.
    await expect(call(g, g.ResetOffsets, { groupId: 'g', spec: 'RESET_SPEC_EARLIEST', partitions: [{ topic }] })).rejects.toMatchObject({
      code: 'NON_EMPTY_GROUP',
      message: expect.stringMatching(/Cannot reset the offsets of group g: it has 2 member\(s\)/),
    });
    expect((await call(g, g.DeleteGroups, { groupIds: ['g'] })).groups[0]?.error?.code).toBe('NON_EMPTY_GROUP');
  }, 60_000);

  it('resets offsets of an empty group (dry run first), lists, describes with lag, and deletes it', async () => {
    const { g, topic, address } = await single();
    // Records with timestamps 1000..1009 in partition 0.
    const clients = connect(address);
    cleanups.push(() => clients.close());
    const records = Array.from({ length: 10 }, (_, i) => batchOf(`r${i}`, 1, 1000 + i));
    for (const r of records) await call(clients.log, clients.log.Produce, { acks: 'ACKS_ALL', timeoutMs: 5000, partitions: [{ topic, partition: 0, records: r }] });

    // An admin commit (no member, epoch -1) creates the group.
    await call(g, g.OffsetCommit, { groupId: 'r', memberId: '', memberEpoch: -1, partitions: [{ topic, partition: 0, offset: 8 }] });
    const listed = await call(g, g.ListGroups, { allBrokers: true });
    expect(listed.groups.filter((x) => x.groupId === 'r')).toEqual([{ groupId: 'r', state: 'Empty', members: 0, coordinatorId: 0 }]);
    const described = (await call(g, g.DescribeGroups, { groupIds: ['r'] })).groups[0]!;
    expect(described.offsets.map((o) => [o.partition, Number(o.committedOffset), Number(o.logEndOffset), Number(o.lag)])).toEqual([[0, 8, 10, 2]]);

    const reset = (spec: ResetSpec__Output, extra: object = {}) => call(g, g.ResetOffsets, { groupId: 'r', spec, partitions: [{ topic, partitions: [0] }], ...extra }).then((res) => res.partitions.map((p) => [Number(p.previousOffset), Number(p.newOffset)]));
    expect(await reset('RESET_SPEC_EARLIEST', { dryRun: true })).toEqual([[8, 0]]);
    expect((await call(g, g.OffsetFetch, { groupId: 'r' })).offsets.map((o) => Number(o.offset))).toEqual([8]); // a dry run writes nothing
    expect(await reset('RESET_SPEC_EARLIEST')).toEqual([[8, 0]]);
    expect(await reset('RESET_SPEC_LATEST')).toEqual([[0, 10]]);
    expect(await reset('RESET_SPEC_OFFSET', { offset: 3 })).toEqual([[10, 3]]);
    expect(await reset('RESET_SPEC_OFFSET', { offset: 500 })).toEqual([[3, 10]]); // clamped to the log end
    expect(await reset('RESET_SPEC_TIMESTAMP', { timestamp: 1005 })).toEqual([[10, 5]]);
    expect(await reset('RESET_SPEC_DURATION', { durationMs: 1 })).toEqual([[5, 10]]); // nothing that recent: the latest
    await expect(reset('RESET_SPEC_DURATION', { durationMs: -5 })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/Invalid reset duration -5 ms/) });
    await expect(reset('RESET_SPEC_UNSPECIFIED')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await call(g, g.OffsetFetch, { groupId: 'r' })).offsets.map((o) => Number(o.offset))).toEqual([10]);

    expect((await call(g, g.DeleteGroups, { groupIds: ['r'] })).groups).toEqual([{ groupId: 'r', error: null }]);
    await expect(call(g, g.OffsetFetch, { groupId: 'r' })).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND' });
  }, 60_000);
});

describe('session timeout on a real broker', () => {
  it('removes a member that stops heartbeating and gives its partitions to the one that stays', async () => {
    const c = await cluster(1, 1500);
    const admin = connect(c.brokers[0]!.address);
    cleanups.push(() => admin.close());
    const topic = `s-${crypto.randomUUID().slice(0, 8)}`;
    await createTopic(admin, topic, 4);
    const g = client(c.brokers[0]!.address);
    const groupId = 'sessions';
    const stays: Member = { id: 'stays', epoch: 0, owned: [] };
    const quiet: Member = { id: 'quiet', epoch: 0, owned: [] };
    const join = { subscribedTopicNames: [topic], subscribedTopicNamesSet: true };
    await retrying(() => beat(g, groupId, stays, join));
    await beat(g, groupId, quiet, join);
    const deadline = Date.now() + 20_000;
    // `stays` keeps heartbeating; `quiet` never again. Within the session timeout plus a tick, `quiet` is gone.
    for (;;) {
      await beat(g, groupId, stays);
      const d = (await call(g, g.DescribeGroups, { groupIds: [groupId] })).groups[0]!;
      if (d.members.length === 1 && keys(stays.owned).length === 4) {
        expect(d.members[0]!.memberId).toBe('stays');
        break;
      }
      if (Date.now() > deadline) throw new Error(`quiet was not expired: ${JSON.stringify(d.members.map((m) => m.memberId))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await expect(call(g, g.Heartbeat, { groupId, memberId: 'quiet', memberEpoch: quiet.epoch })).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID' });
  }, 60_000);
});

/** `target` with some members replaced: the rest are its own, methods bound to it. */
function overriding<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, p) {
      if (typeof p === 'string' && Object.hasOwn(overrides, p)) return overrides[p];
      const v = Reflect.get(t, p) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe('a broker that may not create __consumer_offsets', () => {
  it('answers COORDINATOR_NOT_AVAILABLE saying why, not an internal error', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const store = await MemoryMetadataStore.open({ path: join(dir, 'metadata.json') });
    cleanups.push(() => store.close());
    // As on Kubernetes, where a broker's Role may read Topics but not create them.
    const topics = overriding(store.topics, { create: () => Promise.reject(new Error('topics.runnel.dev "__consumer-offsets" is forbidden: cannot create resource "topics"')) });
    const metadataStore = overriding(store, { topics }) as unknown as MetadataStore;
    const broker = await startBroker({ brokerId: 0, port: 0, dataDir: join(dir, 'broker-0'), clusterId: 'groups-test', metadataStore, defaultMetrics: false, logger: pino({ level: 'silent' }) });
    cleanups.push(() => broker.close());
    const g = client(broker.address);
    await expect(call(g, g.FindCoordinator, { groupId: 'g' })).rejects.toMatchObject({
      code: 'COORDINATOR_NOT_AVAILABLE',
      message: expect.stringMatching(/topic __consumer_offsets does not exist and this broker could not create it \(topics.runnel.dev .* is forbidden/),
    });
  }, 60_000);
  it('on Kubernetes waits for the operator to declare the topic, never tries to create it, then coordinates', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const store = await MemoryMetadataStore.open({ path: join(dir, 'metadata.json') });
    cleanups.push(() => store.close());
    const creates: string[] = [];
    const topics = overriding(store.topics, { create: (name: string) => (creates.push(name), Promise.reject(new Error('topics.runnel.dev is forbidden: cannot create resource "topics"'))) });
    // The store a broker has on Kubernetes: it reports kind 'kubernetes' and may only read Topics.
    const metadataStore = overriding(store, { kind: 'kubernetes', topics }) as unknown as MetadataStore;
    const broker = await startBroker({ brokerId: 0, port: 0, dataDir: join(dir, 'broker-0'), clusterId: 'groups-test', metadataStore, defaultMetrics: false, logger: pino({ level: 'silent' }) });
    cleanups.push(() => broker.close());
    const g = client(broker.address);
    await expect(call(g, g.FindCoordinator, { groupId: 'g' })).rejects.toMatchObject({
      code: 'COORDINATOR_NOT_AVAILABLE',
      message: expect.stringMatching(/topic __consumer_offsets does not exist\. On Kubernetes the Runnel operator creates it/),
    });
    expect(creates).toEqual([]);
    // What the operator does: a Topic, then its partitions (provisionPartitions).
    await store.topics.create('__consumer_offsets', { name: '__consumer_offsets', topicId: '', partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' }, assignments: [] });
    await provisionPartitions(store, '__consumer_offsets', { brokers: [0] });
    const coordinator = await findCoordinator([broker.address], 'g');
    expect(coordinator.nodeId).toBe(0);
    // Groups map onto the partitions the Topic has (3 here, not the broker's default of 50):
    // 'orders-app' lands (Kafka's abs(hashCode) % partitions) on partition 1 of 3, on 5 of 50.
    expect(await call(g, g.FindCoordinator, { groupId: 'orders-app' })).toMatchObject({ nodeId: 0, offsetsPartition: 1 });
    expect(creates).toEqual([]);
  }, 60_000);
});
