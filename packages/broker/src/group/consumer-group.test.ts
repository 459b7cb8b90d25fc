import { RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { ConsumerGroup, type HeartbeatResponse } from './consumer-group.ts';
import { partitionKey, type PartitionKey } from './partition-key.ts';

const topics = new Map([['t', 6]]);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof RunnelError) return err.code;
    throw err;
  }
  return undefined;
}

/** A well-behaved member: heartbeats with what it owns and applies every assignment it gets. */
class Member {
  epoch = 0;
  owned = new Set<PartitionKey>();
  last: HeartbeatResponse | undefined;
  readonly group: ConsumerGroup;
  readonly id: string;
  readonly instanceId: string | undefined;

  constructor(group: ConsumerGroup, id: string, instanceId?: string) {
    this.group = group;
    this.id = id;
    this.instanceId = instanceId;
  }

  beat(now: number, options: { lose?: boolean } = {}): HeartbeatResponse {
    const r = this.group.heartbeat(
      { memberId: this.id, memberEpoch: this.epoch, topics: ['t'], ownedPartitions: [...this.owned], ...(this.instanceId === undefined ? {} : { instanceId: this.instanceId }) },
      now,
      topics,
    );
    if (options.lose !== true) {
      this.last = r;
      this.epoch = r.memberEpoch;
      if (r.assignment !== undefined) this.owned = new Set(r.assignment);
    }
    return r;
  }
}

function settle(now: number, ...members: Member[]): void {
  for (let round = 0; round < 4; round++) for (const m of members) m.beat(now);
}

describe('ConsumerGroup (KIP-848 coordinator state)', () => {
  it('revokes before it assigns: a joining member gets a partition only after its owner released it', () => {
    const group = new ConsumerGroup('g');
    const a = new Member(group, 'a');
    a.beat(0);
    expect(a.owned.size).toBe(6);
    const b = new Member(group, 'b');
    b.beat(1);
    expect(b.owned.size).toBe(0); // a still owns everything: nothing is handed out twice
    a.beat(2); // a learns it must give up three
    expect(a.owned.size).toBe(3);
    expect(group.state).toBe('Reconciling');
    for (const k of a.owned) expect(group.ownerOf(k)).toBe('a');
    a.beat(3); // a reports the three released
    b.beat(4);
    expect(b.owned.size).toBe(3);
    for (const k of b.owned) expect(a.owned.has(k)).toBe(false);
    settle(5, a, b);
    expect(group.state).toBe('Stable');
  });

  it('sends a new assignment only to the members a change affects', () => {
    const group = new ConsumerGroup('g');
    const members = ['m1', 'm2', 'm3'].map((id) => new Member(group, id));
    settle(0, ...members);
    const before = members.map((m) => [...m.owned].sort());
    const m4 = new Member(group, 'm4');
    m4.beat(1);
    const responses = members.map((m) => m.beat(2));
    const changed = responses.filter((r) => r.assignment !== undefined);
    expect(changed).toHaveLength(1); // 6 partitions over 4 members: exactly one member gives one up
    settle(3, ...members, m4);
    expect(members.map((m) => m.owned.size).concat(m4.owned.size).sort()).toEqual([1, 1, 2, 2]);
    const kept = members.filter((m, i) => before[i]!.every((k) => m.owned.has(k)));
    expect(kept).toHaveLength(2);
  });

  it('tolerates a lost heartbeat response through the previous epoch, and resends the assignment', () => {
    const group = new ConsumerGroup('g');
    const a = new Member(group, 'a');
    settle(0, a);
    const b = new Member(group, 'b');
    b.beat(1);
    a.beat(2); // a is told to give up three partitions
    const epochBefore = a.epoch;
    const lost = a.beat(3, { lose: true }); // a released them; its epoch is bumped, but the answer is lost
    expect(lost.memberEpoch).toBeGreaterThan(epochBefore);
    const retry = a.beat(4); // a retries with its previous epoch
    expect(retry.memberEpoch).toBe(lost.memberEpoch);
    expect(retry.assignment).toHaveLength(3);
    // An epoch older than the previous one is fenced.
    expect(code(() => group.heartbeat({ memberId: 'a', memberEpoch: epochBefore - 1, ownedPartitions: [] }, 5, topics))).toBe('FENCED_MEMBER_EPOCH');
  });

  it('fences a member that sends an epoch it was never given; its partitions stay its own until it rejoins with epoch 0 or its session expires', () => {
    const group = new ConsumerGroup('g');
    const a = new Member(group, 'a');
    const b = new Member(group, 'b');
    settle(0, a, b);
    const aOwned = [...a.owned];
    expect(aOwned.length).toBe(3);
    expect(code(() => group.heartbeat({ memberId: 'a', memberEpoch: a.epoch + 5 }, 1, topics))).toBe('FENCED_MEMBER_EPOCH');
    // a may still be reading until that answer reaches it: nobody else gets its partitions.
    for (const k of aOwned) expect(group.ownerOf(k)).toBe('a');
    settle(2, b);
    expect(b.owned.size).toBe(3);
    // a drops its partitions and rejoins at epoch 0 (as the client does when fenced): it starts over.
    a.epoch = 0;
    a.owned = new Set();
    settle(3, a, b);
    expect(a.owned.size + b.owned.size).toBe(6);
    // A fenced member that never comes back loses its partitions when its session expires.
    expect(code(() => group.heartbeat({ memberId: 'a', memberEpoch: a.epoch + 5 }, 4, topics))).toBe('FENCED_MEMBER_EPOCH');
    b.beat(44_000);
    expect(group.expire(46_000).map((e) => e.memberId)).toEqual(['a']);
    settle(46_001, b);
    expect(b.owned.size).toBe(6);
  });

  it('static membership: a member that comes back with its instance id within the session keeps its partitions, and nobody rebalances', () => {
    const group = new ConsumerGroup('g');
    const a = new Member(group, 'a-1', 'pod-a');
    const b = new Member(group, 'b', 'pod-b');
    settle(0, a, b);
    const owned = [...a.owned].sort();
    const groupEpoch = group.groupEpoch;
    group.heartbeat({ memberId: 'a-1', memberEpoch: -2, instanceId: 'pod-a' }, 1_000, topics);
    expect(code(() => group.heartbeat({ memberId: 'x', memberEpoch: 0, instanceId: 'pod-b', topics: ['t'] }, 1_500, topics))).toBe('UNRELEASED_INSTANCE_ID');
    const restarted = new Member(group, 'a-2', 'pod-a');
    const r = restarted.beat(20_000);
    expect(r.assignment?.sort()).toEqual(owned);
    expect(group.groupEpoch).toBe(groupEpoch);
    expect(b.beat(20_001).assignment).toBeUndefined();
  });

  it('a static member that stays away past the session timeout is removed and its partitions move', () => {
    const group = new ConsumerGroup('g');
    const a = new Member(group, 'a', 'pod-a');
    const b = new Member(group, 'b');
    settle(0, a, b);
    group.heartbeat({ memberId: 'a', memberEpoch: -2, instanceId: 'pod-a' }, 1_000, topics);
    b.beat(40_000);
    expect(group.expire(46_001)).toEqual([{ memberId: 'a', reason: 'session-timeout' }]);
    settle(46_002, b);
    expect(b.owned.size).toBe(6);
  });

  it('fences a member that does not revoke within its rebalance timeout', () => {
    const group = new ConsumerGroup('g');
    const joined = group.heartbeat({ memberId: 'a', memberEpoch: 0, topics: ['t'], rebalanceTimeoutMs: 10_000 }, 0, topics);
    const b = new Member(group, 'b');
    b.beat(1);
    // a never reports releasing anything: it keeps sending its epoch and all six partitions
    const stuck = { memberId: 'a', memberEpoch: joined.memberEpoch, topics: ['t'], ownedPartitions: joined.assignment! };
    group.heartbeat(stuck, 2, topics);
    expect(group.expire(5_000)).toEqual([]);
    group.heartbeat(stuck, 9_000, topics);
    expect(group.expire(10_003)).toEqual([{ memberId: 'a', reason: 'rebalance-timeout' }]);
    settle(10_004, b);
    expect(b.owned.size).toBe(6);
  });

  it('fences offset commits by KIP-1251: assignmentEpoch(p) <= memberEpoch <= current epoch', () => {
    const group = new ConsumerGroup('g');
    const a = new Member(group, 'a');
    settle(0, a);
    const p0 = partitionKey('t', 0);
    expect(group.validateCommit('a', a.epoch, p0)).toBeUndefined();
    expect(group.validateCommit('a', a.epoch + 1, p0)?.code).toBe('FENCED_MEMBER_EPOCH');
    expect(group.validateCommit('a', a.epoch - 1, p0)?.code).toBe('STALE_MEMBER_EPOCH');
    expect(group.validateCommit('a', a.epoch, partitionKey('other', 0))?.code).toBe('UNASSIGNED_PARTITION');
    expect(group.validateCommit('nobody', 1, p0)?.code).toBe('UNKNOWN_MEMBER_ID');
    expect(group.validateCommit('', -1, p0)?.code).toBe('NON_EMPTY_GROUP');
    expect(new ConsumerGroup('empty').validateCommit('', -1, p0)).toBeUndefined();
  });

  it('rejects bad input with a stable code', () => {
    const group = new ConsumerGroup('g');
    expect(code(() => group.heartbeat({ memberId: 'a', memberEpoch: 0, pattern: 'orders-(' }, 0, topics))).toBe('INVALID_REGULAR_EXPRESSION');
    expect(code(() => group.heartbeat({ memberId: 'a', memberEpoch: 0, topics: ['t'], assignor: 'roundrobin' }, 0, topics))).toBe('UNSUPPORTED_ASSIGNOR');
    expect(code(() => group.heartbeat({ memberId: '', memberEpoch: 0, topics: ['t'] }, 0, topics))).toBe('INVALID_REQUEST');
    expect(code(() => group.heartbeat({ memberId: 'new', memberEpoch: 3, topics: ['t'] }, 0, topics))).toBe('UNKNOWN_MEMBER_ID');
  });

  it('subscribes by pattern and picks up a matching topic created later', () => {
    const group = new ConsumerGroup('g');
    const now = new Map([['orders-eu', 2]]);
    let r = group.heartbeat({ memberId: 'a', memberEpoch: 0, pattern: 'orders-.*' }, 0, now);
    expect(r.assignment).toEqual([partitionKey('orders-eu', 0), partitionKey('orders-eu', 1)]);
    now.set('orders-us', 1);
    now.set('payments', 3);
    r = group.heartbeat({ memberId: 'a', memberEpoch: r.memberEpoch, ownedPartitions: r.assignment! }, 1, now);
    expect(r.assignment).toEqual([partitionKey('orders-eu', 0), partitionKey('orders-eu', 1), partitionKey('orders-us', 0)]);
  });
});
