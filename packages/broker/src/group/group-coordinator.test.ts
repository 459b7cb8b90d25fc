import { RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { javaStringHashCode, offsetsPartitionFor } from './coordinator-partition.ts';
import { GroupCoordinator, type OffsetsLog } from './group-coordinator.ts';
import type { GroupRecord } from './group-records.ts';
import { partitionKey } from './partition-key.ts';

/**
 * A replicated offsets topic in memory: per partition a list of records, a committed prefix, and
 * a leader broker. `hold` keeps appends uncommitted until released (or failed).
 */
class MemoryOffsetsLog {
  readonly logs: GroupRecord[][];
  leader: number[];
  epochs: number[];
  held: Array<{ release: () => void; fail: (err: Error) => void }> = [];
  hold = false;

  constructor(partitions: number) {
    this.logs = Array.from({ length: partitions }, () => []);
    this.leader = Array.from({ length: partitions }, () => 0);
    this.epochs = Array.from({ length: partitions }, () => 1);
  }

  /** Broker `id`'s view of the log. */
  as(id: number): OffsetsLog {
    return {
      partitionCount: () => this.logs.length,
      leaderEpoch: (p) => (this.leader[p] === id ? this.epochs[p]! : new RunnelError('NOT_LEADER', `not leader of ${p}`, { leaderHint: this.leader[p]! })),
      append: (p, records) => {
        if (this.leader[p] !== id) return Promise.reject(new RunnelError('NOT_LEADER', `not leader of ${p}`));
        if (!this.hold) {
          this.logs[p]!.push(...records);
          return Promise.resolve();
        }
        return new Promise((resolve, reject) => {
          this.held.push({ release: () => (this.logs[p]!.push(...records), resolve()), fail: reject });
        });
      },
      readAll: (p) => Promise.resolve([...this.logs[p]!]),
    };
  }

  /** Moves every partition's leadership to `id` with a new epoch. */
  failover(id: number): void {
    this.leader = this.leader.map(() => id);
    this.epochs = this.epochs.map((e) => e + 1);
  }
}

const TOPICS = new Map([
  ['orders', 4],
  ['payments', 2],
]);

function setup(options: { sessionTimeoutMs?: number } = {}) {
  const log = new MemoryOffsetsLog(3);
  let now = 1_000_000;
  const make = (id: number): GroupCoordinator =>
    new GroupCoordinator({ log: log.as(id), topics: () => TOPICS, now: () => now, timers: { sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000 } });
  return { log, make, advance: (ms: number) => (now += ms) };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as RunnelError).code;
  }
  return 'no error';
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('the coordinator partition of a group (Kafka: Utils.abs(groupId.hashCode()) % N)', () => {
  it('hashes as Java String.hashCode does', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB'));
    // A string whose hashCode is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    // Negative hashes: abs, then modulo.
    expect(javaStringHashCode('my-group')).toBe(-1906497762);
    expect(offsetsPartitionFor('my-group', 50)).toBe(12);
  });
});

describe('GroupCoordinator', () => {
  it('answers a heartbeat with the assignment, and only once its records are committed', async () => {
    const { log, make } = setup();
    const c = make(0);
    log.hold = true;
    let answered = false;
    const hb = c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] }).then((r) => ((answered = true), r));
    for (let i = 0; i < 5 && log.held.length === 0; i++) await flush();
    expect(log.held).toHaveLength(1);
    expect(answered).toBe(false);
    log.held.shift()!.release();
    const res = await hb;
    expect(res.assignment?.sort()).toEqual(['orders:0', 'orders:1', 'orders:2', 'orders:3']);
    expect(res.heartbeatIntervalMs).toBe(5000);
  });

  it('writes nothing for heartbeats that change nothing', async () => {
    const { log, make } = setup();
    const c = make(0);
    const m1 = await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    let epoch = m1.memberEpoch;
    const owned = m1.assignment!;
    for (let i = 0; i < 3; i++) epoch = (await c.heartbeat('g', { memberId: 'm1', memberEpoch: epoch, ownedPartitions: owned })).memberEpoch;
    const written = log.logs.flat().length;
    for (let i = 0; i < 20; i++) await c.heartbeat('g', { memberId: 'm1', memberEpoch: epoch, ownedPartitions: owned });
    expect(log.logs.flat().length).toBe(written);
  });

  it('a read waits behind a pending write and never sees it when the write fails', async () => {
    const { log, make } = setup();
    const c = make(0);
    const { memberEpoch } = await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    log.hold = true;
    const commit = c.commitOffsets('g', 'm1', memberEpoch, [{ topic: 'orders', partition: 0, offset: 10, leaderEpoch: -1, metadata: '' }]);
    const read = c.fetchOffsets('g');
    for (let i = 0; i < 5 && log.held.length === 0; i++) await flush();
    log.held.shift()!.fail(new RunnelError('REQUEST_TIMED_OUT', 'not committed in time'));
    expect(await codeOf(commit)).toBe('COORDINATOR_NOT_AVAILABLE');
    // The shard was dropped; the read runs on state rebuilt from the log, which has no offset.
    log.hold = false;
    expect(await codeOf(read)).toBe('NOT_COORDINATOR');
    expect(await c.fetchOffsets('g')).toEqual([]);
  });

  it('a new coordinator rebuilds members, epochs and committed offsets from the log after a failover', async () => {
    const { log, make } = setup();
    const a = make(0);
    const m1 = await a.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    const m2 = await a.heartbeat('g', { memberId: 'm2', memberEpoch: 0, topics: ['orders'] });
    // m1 learns it must give partitions up, reports them released; then m2 receives them.
    const m1a = await a.heartbeat('g', { memberId: 'm1', memberEpoch: m1.memberEpoch, ownedPartitions: m1.assignment! });
    const m1b = await a.heartbeat('g', { memberId: 'm1', memberEpoch: m1a.memberEpoch, ownedPartitions: m1a.assignment ?? m1.assignment! });
    const m2b = await a.heartbeat('g', { memberId: 'm2', memberEpoch: m2.memberEpoch, ownedPartitions: [] });
    // (an undefined assignment means "unchanged")
    const owned1 = m1b.assignment ?? m1a.assignment!;
    expect(owned1).toHaveLength(2);
    expect(m2b.assignment).toHaveLength(2);
    expect(new Set([...owned1, ...m2b.assignment!]).size).toBe(4);
    const errors = await a.commitOffsets('g', 'm1', m1b.memberEpoch, owned1.map((k) => ({ topic: 'orders', partition: Number(k.split(':')[1]), offset: 7, leaderEpoch: 3, metadata: 'x' })));
    expect(errors.every((e) => e === undefined)).toBe(true);
    const before = await a.describe('g');

    log.failover(1);
    expect(await codeOf(a.heartbeat('g', { memberId: 'm1', memberEpoch: m1b.memberEpoch }))).toBe('NOT_COORDINATOR');
    // Reads too: the old coordinator never answers from its stale state.
    expect(await codeOf(a.describe('g'))).toBe('NOT_COORDINATOR');
    expect(await codeOf(a.fetchOffsets('g'))).toBe('NOT_COORDINATOR');
    const b = make(1);
    const after = await b.describe('g');
    expect(after.groupEpoch).toBe(before.groupEpoch);
    expect(after.members.map((m) => [m.memberId, m.memberEpoch, [...m.assigned].sort()])).toEqual(before.members.map((m) => [m.memberId, m.memberEpoch, [...m.assigned].sort()]));
    expect((await b.fetchOffsets('g')).map((o) => [o.topic, o.partition, o.offset, o.leaderEpoch, o.metadata])).toEqual(owned1.map((k) => ['orders', Number(k.split(':')[1]), 7, 3, 'x']));
    // The members carry on with the new coordinator at their epochs.
    const again = await b.heartbeat('g', { memberId: 'm2', memberEpoch: m2b.memberEpoch });
    expect(again.memberEpoch).toBeGreaterThanOrEqual(m2b.memberEpoch);
  });

  it('expires a member whose session timed out and hands its partitions to the others', async () => {
    const { make, advance, log } = setup({ sessionTimeoutMs: 45_000 });
    const c = make(0);
    const m1 = await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    await c.heartbeat('g', { memberId: 'm2', memberEpoch: 0, topics: ['orders'] });
    advance(30_000);
    await c.heartbeat('g', { memberId: 'm1', memberEpoch: m1.memberEpoch });
    advance(20_000); // m2 silent for 50 s, m1 for 20 s
    c.tick();
    for (let i = 0; i < 10; i++) await flush();
    const view = await c.describe('g');
    expect(view.members.map((m) => m.memberId)).toEqual(['m1']);
    // Its next heartbeat gets the expired member's partitions too.
    const m1b = await c.heartbeat('g', { memberId: 'm1', memberEpoch: m1.memberEpoch, ownedPartitions: view.members[0]!.assigned });
    expect(m1b.assignment?.sort()).toEqual(['orders:0', 'orders:1', 'orders:2', 'orders:3']);
    // Durable: a replay does not bring m2 back.
    log.failover(1);
    expect((await make(1).describe('g')).members.map((m) => m.memberId)).toEqual(['m1']);
  });

  it('deletes an empty group with its offsets, durably', async () => {
    const { make, log } = setup();
    const c = make(0);
    expect(await c.commitOffsets('g', '', -1, [{ topic: 'payments', partition: 1, offset: 3, leaderEpoch: -1, metadata: '' }])).toEqual([undefined]);
    expect((await c.fetchOffsets('g'))[0]?.offset).toBe(3);
    await c.deleteGroup('g');
    expect(await codeOf(c.fetchOffsets('g'))).toBe('GROUP_ID_NOT_FOUND');
    log.failover(1);
    expect(await codeOf(make(1).fetchOffsets('g'))).toBe('GROUP_ID_NOT_FOUND');
  });

  it('resets the offsets of an empty group, and a dry run writes nothing', async () => {
    const { make } = setup();
    const c = make(0);
    await c.commitOffsets('g', '', -1, [{ topic: 'orders', partition: 0, offset: 9, leaderEpoch: -1, metadata: '' }]);
    await c.resetOffsets('g', [{ topic: 'orders', partition: 0, offset: 2 }], true);
    expect((await c.fetchOffsets('g'))[0]?.offset).toBe(9);
    await c.resetOffsets('g', [{ topic: 'orders', partition: 0, offset: 2 }], false);
    expect((await c.fetchOffsets('g'))[0]?.offset).toBe(2);
  });
});

describe('GroupCoordinator bad input: stable codes and messages that name the problem', () => {
  it('an unknown group', async () => {
    const c = setup().make(0);
    for (const p of [c.fetchOffsets('nope'), c.describe('nope'), c.deleteGroup('nope'), c.resetOffsets('nope', [], true)]) expect(await codeOf(p)).toBe('GROUP_ID_NOT_FOUND');
    await expect(c.commitOffsets('nope', 'm1', 1, [])).rejects.toThrow(/member m1 of group nope: the group does not exist/);
  });

  it('a commit from an unknown member, and from a fenced one', async () => {
    const c = setup().make(0);
    const m1 = await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    const commit = (member: string, epoch: number) => c.commitOffsets('g', member, epoch, [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: '' }]);
    const [unknown] = await commit('ghost', m1.memberEpoch);
    expect(unknown?.code).toBe('UNKNOWN_MEMBER_ID');
    expect(unknown?.message).toMatch(/member ghost: it is not in group g/);
    const [fenced] = await commit('m1', m1.memberEpoch + 1);
    expect(fenced?.code).toBe('FENCED_MEMBER_EPOCH');
    expect(fenced?.message).toMatch(/newer than its current epoch/);
    // Admin commits (no member id, epoch -1) are refused while the group has members.
    expect((await commit('', -1))[0]?.code).toBe('NON_EMPTY_GROUP');
  });

  it('a commit for a partition the member does not own', async () => {
    const c = setup().make(0);
    const m1 = await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    const [err] = await c.commitOffsets('g', 'm1', m1.memberEpoch, [{ topic: 'payments', partition: 0, offset: 1, leaderEpoch: -1, metadata: '' }]);
    expect(err?.code).toBe('UNASSIGNED_PARTITION');
    expect(err?.message).toMatch(/payments-0 for member m1 of group g: the member does not own it/);
    const [unknownTopic, badPartition] = await c.commitOffsets('g', 'm1', m1.memberEpoch, [
      { topic: 'nope', partition: 0, offset: 1, leaderEpoch: -1, metadata: '' },
      { topic: 'orders', partition: 9, offset: 1, leaderEpoch: -1, metadata: '' },
    ]);
    expect([unknownTopic?.code, badPartition?.code]).toEqual(['UNKNOWN_TOPIC', 'UNKNOWN_PARTITION']);
  });

  it('a reset of a group with members', async () => {
    const c = setup().make(0);
    await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    await expect(c.resetOffsets('g', [{ topic: 'orders', partition: 0, offset: 0 }], false)).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP', message: expect.stringMatching(/group g: it has 1 member/) });
    await expect(c.deleteGroup('g')).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP' });
  });

  it('an invalid regex, and no group is created by it', async () => {
    const c = setup().make(0);
    await expect(c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, pattern: 'orders(' })).rejects.toMatchObject({ code: 'INVALID_REGULAR_EXPRESSION', message: expect.stringMatching(/Cannot subscribe group g to \/orders\(\//) });
    expect(await codeOf(c.describe('g'))).toBe('GROUP_ID_NOT_FOUND');
  });

  it('a group id that is too long, or empty', async () => {
    const c = setup().make(0);
    await expect(c.heartbeat('x'.repeat(256), { memberId: 'm1', memberEpoch: 0, topics: ['orders'] })).rejects.toMatchObject({ code: 'INVALID_GROUP_ID', message: expect.stringMatching(/256 characters, over the limit of 255/) });
    await expect(c.describe('')).rejects.toMatchObject({ code: 'INVALID_GROUP_ID', message: expect.stringMatching(/empty/) });
    expect(await codeOf(c.heartbeat('x'.repeat(255), { memberId: 'm1', memberEpoch: 0, topics: ['orders'] }))).toBe('no error');
  });

  it('a commit keyed to a partition the member owns is accepted at any epoch since it was assigned (KIP-1251)', async () => {
    const c = setup().make(0);
    const m1 = await c.heartbeat('g', { memberId: 'm1', memberEpoch: 0, topics: ['orders'] });
    const [ok] = await c.commitOffsets('g', 'm1', m1.memberEpoch, [{ topic: 'orders', partition: 0, offset: 4, leaderEpoch: -1, metadata: '' }]);
    expect(ok).toBeUndefined();
    expect((await c.fetchOffsets('g', [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }])).map((o) => o.offset)).toEqual([4, -1]);
    expect(partitionKey('orders', 0)).toBe('orders:0');
  });
});
