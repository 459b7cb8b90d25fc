import { describe, expect, it } from 'vitest';
import { ConsumerGroup } from './consumer-group.ts';
import { GroupRecordWriter, offsetCommitRecord, replayGroupRecords, type GroupRecord } from './group-records.ts';
import { partitionKey } from './partition-key.ts';

const topics = new Map([['t', 4]]);

describe('consumer group records', () => {
  it('writes only what changed, tombstones a member that left, and keeps the latest offset per partition', () => {
    const group = new ConsumerGroup('g');
    const writer = new GroupRecordWriter('g');
    const log: GroupRecord[] = [];
    const a = group.heartbeat({ memberId: 'a', memberEpoch: 0, topics: ['t'] }, 0, topics);
    log.push(...writer.diff(group.snapshot()));
    expect(log.map((r) => JSON.parse(r.key)[0])).toEqual(['group', 'member', 'target']);
    // A heartbeat that changes nothing durable writes nothing.
    group.heartbeat({ memberId: 'a', memberEpoch: a.memberEpoch, ownedPartitions: a.assignment! }, 1, topics);
    expect(writer.diff(group.snapshot())).toEqual([]);
    log.push(offsetCommitRecord('g', 't', 0, { offset: 10, leaderEpoch: 1, metadata: '', commitTimestamp: 1 }));
    log.push(offsetCommitRecord('g', 't', 0, { offset: 25, leaderEpoch: 1, metadata: 'm', commitTimestamp: 2 }));
    group.heartbeat({ memberId: 'a', memberEpoch: -1 }, 2, topics);
    const left = writer.diff(group.snapshot());
    expect(left.filter((r) => r.value === null).map((r) => JSON.parse(r.key)[0]).sort()).toEqual(['member', 'target']);
    log.push(...left);

    const replayed = replayGroupRecords(log, 10);
    expect(replayed.groups.get('g')?.state).toBe('Empty');
    expect(replayed.offsets.get('g')?.get(partitionKey('t', 0))).toEqual({ offset: 25, leaderEpoch: 1, metadata: 'm', commitTimestamp: 2 });
  });

  it('gives every member a fresh session on the new coordinator and resends its assignment', () => {
    const group = new ConsumerGroup('g');
    const writer = new GroupRecordWriter('g');
    const r = group.heartbeat({ memberId: 'a', memberEpoch: 0, topics: ['t'] }, 0, topics);
    const log = writer.diff(group.snapshot());
    const rebuilt = replayGroupRecords(log, 40_000).groups.get('g')!;
    expect(rebuilt.expire(80_000)).toEqual([]); // 40 s after the failover, within the 45 s session
    const again = rebuilt.heartbeat({ memberId: 'a', memberEpoch: r.memberEpoch }, 80_000, topics);
    expect(again.assignment).toEqual(r.assignment);
  });

  it('refuses records of an unknown version instead of skipping them', () => {
    const bad: GroupRecord = { key: JSON.stringify(['group', 'g']), value: JSON.stringify({ v: 9, groupEpoch: 1 }) };
    expect(() => replayGroupRecords([bad], 0)).toThrow('Cannot read consumer group record ["group","g"]: version 9 is not 1');
  });
});
