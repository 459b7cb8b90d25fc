/**
 * The white-box checkers on hand-made inputs: a healthy failover passes, and each planted
 * violation of S7–S11 is reported as itself.
 */
import { describe, expect, it } from 'vitest';
import type { PartitionState, ReplicaIdentity } from '@runnel/metadata';
import {
  checkCommittedRecords,
  checkHighWatermarks,
  checkLeaderEpochs,
  checkLogStartSample,
  checkLogStartsAgree,
  checkReplicaLogs,
  type HighWatermarkObservation,
  type RecordWrite,
  type ReplicaLog,
} from './white-box-invariants.ts';

const P = 't-0';
let version = 0;
function write(holder: ReplicaIdentity | null, leaderEpoch: number, epochStartOffset: number, isr: ReplicaIdentity[] = holder === null ? [] : [holder]): RecordWrite {
  const value: PartitionState = {
    topic: 't', partition: 0, topicId: 'id', holder, leaderEpoch, partitionEpoch: 0, replicas: [1, 2, 3], isr, epochStartOffset, proposalId: null, handoverTo: null,
  };
  return { writer: 'test', object: { name: P, resourceVersion: String(++version), value } };
}
const b1 = { id: 1, brokerEpoch: 1 };
const b2 = { id: 2, brokerEpoch: 1 };
const b2again = { id: 2, brokerEpoch: 2 };

/** Leader 1 in epoch 0, then 2 takes over at log end 10 in epoch 1. */
const failover = (): RecordWrite[] => [write(null, -1, 0), write(b1, 0, 0, [b1, b2]), write(b1, 0, 0, [b1]), write(b2, 1, 10, [b2])];
const hw = (broker: ReplicaIdentity, leaderEpoch: number, highWatermark: number, asLeader = true): HighWatermarkObservation =>
  ({ broker: broker.id, brokerEpoch: broker.brokerEpoch, partition: P, leaderEpoch, asLeader, highWatermark });

describe('S7 leader epochs', () => {
  it('accepts a failover with a new epoch and ISR changes within an epoch', () => {
    const { violations, epochs } = checkLeaderEpochs(failover());
    expect(violations).toEqual([]);
    expect(epochs.get(P)?.get(1)).toEqual({ holder: b2, epochStartOffset: 10 });
  });

  it('reports an epoch going back, a holder change without a new epoch, two holders of one epoch, a holder outside the ISR', () => {
    const details = (writes: RecordWrite[]): string[] => checkLeaderEpochs(writes).violations.map((v) => `${v.invariant} ${v.detail}`);
    expect(details([...failover(), write(b1, 0, 0)])).toEqual([expect.stringMatching(/S7 .*leader epoch 0 after 1/)]);
    expect(details([...failover(), write(b2again, 1, 10)])).toEqual([
      expect.stringMatching(/changed the holder from 2\/1 to 2\/2 without a new epoch/),
      expect.stringMatching(/epoch 1 has two holders: 2\/1 and 2\/2/),
    ]);
    expect(details([write(b1, 0, 0, [b2])])).toEqual([expect.stringMatching(/not in its ISR/)]);
  });
});

describe('S8/S9 high watermarks', () => {
  const { epochs } = checkLeaderEpochs(failover());

  it('accepts HW advances by each epoch\'s holder up to the next epoch\'s start', () => {
    expect(checkHighWatermarks(epochs, [hw(b1, 0, 5), hw(b1, 0, 10), hw(b2, 0, 10, false), hw(b2, 1, 12)])).toEqual([]);
  });

  it('reports a HW advance by a broker that does not hold the epoch (S8)', () => {
    expect(checkHighWatermarks(epochs, [hw(b2, 0, 3)]).map((v) => v.invariant)).toEqual(['S8']);
    expect(checkHighWatermarks(epochs, [hw(b2again, 1, 11)]).map((v) => v.invariant)).toEqual(['S8']);
  });

  it('reports a commit above the log end the next leader started from (S9)', () => {
    const violations = checkHighWatermarks(epochs, [hw(b1, 0, 11)]);
    expect(violations.map((v) => v.invariant)).toEqual(['S9']);
    expect(violations[0]?.detail).toMatch(/committed up to 11, but epoch 1 .* started at log end 10/);
  });
});

describe('S10 replica logs', () => {
  const log = (broker: number, records: Array<[number, number, string]>): ReplicaLog =>
    ({ broker, partition: P, records: records.map(([offset, leaderEpoch, value]) => ({ offset, leaderEpoch, value })) });
  const committed = new Map([[P, { leader: 1, highWatermark: 3 }]]);

  it('accepts replicas that share the committed prefix, one of them behind, one with an uncommitted tail of its own', () => {
    const logs = [
      log(1, [[0, 0, 'a'], [1, 0, 'b'], [2, 1, 'c'], [3, 1, 'd']]),
      log(2, [[0, 0, 'a'], [1, 0, 'b']]),
      log(3, [[0, 0, 'a'], [1, 0, 'b'], [2, 1, 'c'], [3, 2, 'x']]),
    ];
    expect(checkReplicaLogs(logs, committed)).toEqual([]);
  });

  it('reports a committed record that differs on a replica, and a broken log-matching prefix', () => {
    const differs = checkReplicaLogs([log(1, [[0, 0, 'a'], [1, 0, 'b'], [2, 1, 'c']]), log(2, [[0, 0, 'a'], [1, 0, 'z'], [2, 2, 'c']])], committed);
    // Same epoch at offset 1 with different values breaks log matching too.
    expect(differs.map((v) => v.detail)).toEqual([
      expect.stringMatching(/brokers 1 and 2 agree on the epoch at offset 1 but differ at offset 1/),
      expect.stringMatching(/committed offset 1 .* 0:b on leader 1 but 0:z on broker 2/),
    ]);
    const matching = checkReplicaLogs([log(2, [[0, 0, 'a'], [1, 0, 'b'], [2, 1, 'c']]), log(3, [[0, 0, 'a'], [1, 0, 'q'], [2, 1, 'c']])], new Map());
    expect(matching.map((v) => v.detail)).toEqual([expect.stringMatching(/agree on the epoch at offset 2 but differ at offset 1/)]);
  });
});

describe('S10 as the run goes: records below a replica\'s HW', () => {
  const recs = (records: Array<[number, number, string]>): Array<{ offset: number; leaderEpoch: number; value: string }> => records.map(([offset, leaderEpoch, value]) => ({ offset, leaderEpoch, value }));

  it('learns each offset from the first replica that shows it, and accepts the same record from the others', () => {
    const committed = new Map<number, { key: string; broker: number }>();
    expect(checkCommittedRecords(committed, 1, P, recs([[0, 0, 'a'], [1, 0, 'b']]))).toBeUndefined();
    expect(checkCommittedRecords(committed, 2, P, recs([[1, 0, 'b'], [2, 1, 'c']]))).toBeUndefined();
    expect([...committed.keys()]).toEqual([0, 1, 2]);
  });

  it('reports a replica that holds another record below its HW (a follower that kept records of its own under the leader\'s)', () => {
    const committed = new Map<number, { key: string; broker: number }>();
    checkCommittedRecords(committed, 2, P, recs([[0, 1, 'x'], [1, 1, 'y'], [2, 1, 'z']]));
    // The old leader's epoch-0 records survived a kill without their epoch entry; it fetched from 3 on.
    expect(checkCommittedRecords(committed, 1, P, recs([[0, 0, 'a'], [1, 0, 'b'], [2, 0, 'c'], [3, 1, 'w']]))).toEqual({
      invariant: 'S10', partition: P, detail: 'broker 1 holds 0:a at offset 0 below its HW, where broker 2 held 1:x below its HW',
    });
  });
});

describe('S11: log starts', () => {
  const sample = (broker: number, role: 'leader' | 'follower', logStartOffset: number, highWatermark: number): Parameters<typeof checkLogStartSample>[0] => ({ broker, partition: P, role, logStartOffset, highWatermark });

  it('accepts a log start at or below the committed HW, and reports one above it or above a leader\'s own HW', () => {
    expect(checkLogStartSample(sample(1, 'leader', 10, 10), 10)).toBeUndefined();
    expect(checkLogStartSample(sample(2, 'follower', 10, 4), 10)).toBeUndefined();
    expect(checkLogStartSample(sample(2, 'follower', 11, 11), 10)?.detail).toMatch(/broker 2's log start 11 is above the highest HW any leader reached, 10/);
    expect(checkLogStartSample(sample(1, 'leader', 8, 7), 10)?.detail).toMatch(/leader 1's log start 8 is above its HW 7/);
  });

  it('reports replicas that disagree on the log start after healing', () => {
    expect(checkLogStartsAgree([sample(1, 'leader', 5, 9), sample(2, 'follower', 5, 9)])).toEqual([]);
    expect(checkLogStartsAgree([sample(1, 'leader', 5, 9), sample(2, 'follower', 3, 9)]).map((v) => v.detail)).toEqual(['replicas disagree on the log start after healing: broker 1 at 5, broker 2 at 3']);
  });

  it('S10 compares two replicas only from the higher of their log starts', () => {
    const records = (from: number): ReplicaLog['records'] => ['a', 'b', 'c', 'd'].slice(from).map((value, i) => ({ offset: from + i, leaderEpoch: 0, value }));
    const logs: ReplicaLog[] = [{ broker: 1, partition: P, logStartOffset: 0, records: records(0) }, { broker: 2, partition: P, logStartOffset: 2, records: records(2) }];
    expect(checkReplicaLogs(logs, new Map([[P, { leader: 1, highWatermark: 4 }]]))).toEqual([]);
    // Without its log start, the follower's missing prefix is a violation.
    const unstarted = logs.map((l) => ({ broker: l.broker, partition: l.partition, records: l.records }));
    expect(checkReplicaLogs(unstarted, new Map([[P, { leader: 1, highWatermark: 4 }]])).length).toBeGreaterThan(0);
  });
});
