import fc from 'fast-check';
import { RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { ConsumerGroup, type GroupSnapshot } from './consumer-group.ts';
import { GroupRecordWriter, replayGroupRecords, type GroupRecord } from './group-records.ts';
import { partitionKey, type PartitionKey } from './partition-key.ts';

/** One client as the model runs it: what it believes it owns, at which epoch, and whether it runs. */
interface Client {
  readonly id: string;
  readonly instanceId: string | undefined;
  epoch: number;
  owned: Set<PartitionKey>;
  /** Heartbeating (false: crashed, or away after a static leave). */
  running: boolean;
}

type Op =
  | { kind: 'join'; staticMember: boolean }
  | { kind: 'beat'; who: number; loseResponse: boolean }
  | { kind: 'leave'; who: number }
  | { kind: 'crash'; who: number }
  | { kind: 'bounce'; who: number }
  | { kind: 'grow'; topic: 'a' | 'b' }
  | { kind: 'tick'; ms: number }
  | { kind: 'failover' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), staticMember: fc.boolean() }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('beat' as const), who: fc.nat(20), loseResponse: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), who: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bounce' as const), who: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('grow' as const), topic: fc.constantFrom('a' as const, 'b' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 100, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('failover' as const) }) },
);

/** A snapshot with members in a stable order, to compare a rebuilt group with the original. */
function comparable(s: GroupSnapshot): unknown {
  return { ...s, members: [...s.members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1)), targets: [...s.targets].sort(([a], [b]) => (a < b ? -1 : 1)) };
}

/**
 * G1 at every step, for any interleaving of joins, heartbeats with lost responses, leaves, crashes,
 * static bounces, topic growth, time and coordinator failovers (the group rebuilt from its records,
 * as a new coordinator does): no partition is owned by two members at once, neither in
 * the coordinator's view nor in the members' own views. Afterwards, with every running member
 * heartbeating, the group converges: Stable, and every partition owned by exactly one member.
 */
describe('ConsumerGroup under random histories', () => {
  it('never lets two members own a partition, and converges once the faults stop', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 150 }), fc.constantFrom('uniform', 'range'), (ops, assignor) => {
        let group = new ConsumerGroup('g');
        let writer = new GroupRecordWriter('g');
        const log: GroupRecord[] = [];
        const topics = new Map<string, number>([
          ['a', 4],
          ['b', 3],
        ]);
        const clients: Client[] = [];
        let now = 0;
        let serial = 0;

        const beat = (c: Client, lose: boolean): void => {
          try {
            const r = group.heartbeat(
              { memberId: c.id, memberEpoch: c.epoch, topics: ['a', 'b'], ownedPartitions: [...c.owned], assignor, ...(c.instanceId === undefined ? {} : { instanceId: c.instanceId }) },
              now,
              topics,
            );
            if (lose) return;
            c.epoch = r.memberEpoch;
            if (r.assignment !== undefined) c.owned = new Set(r.assignment);
          } catch (err) {
            if (!(err instanceof RunnelError)) throw err;
            // Fenced or forgotten: drop everything (onPartitionsLost) and rejoin at epoch 0.
            expect(['FENCED_MEMBER_EPOCH', 'UNKNOWN_MEMBER_ID', 'UNRELEASED_INSTANCE_ID']).toContain(err.code);
            c.owned = new Set();
            c.epoch = 0;
          }
        };

        const checkG1 = (): void => {
          const coordinatorOwner = new Map<PartitionKey, string>();
          for (const m of group.members) {
            for (const k of [...m.assignment.assigned.keys(), ...m.assignment.pendingRevocation.keys()]) {
              expect(coordinatorOwner.get(k), `coordinator: ${k} owned by ${coordinatorOwner.get(k)} and ${m.memberId}`).toBeUndefined();
              coordinatorOwner.set(k, m.memberId);
            }
          }
          const live = new Set(group.members.filter((m) => !m.away).map((m) => m.memberId));
          const clientOwner = new Map<PartitionKey, string>();
          for (const c of clients) {
            // A client the coordinator no longer has has lost its session and stops consuming.
            if (!c.running || !live.has(c.id)) continue;
            for (const k of c.owned) {
              expect(clientOwner.get(k), `members: ${k} owned by ${clientOwner.get(k)} and ${c.id}`).toBeUndefined();
              clientOwner.set(k, c.id);
            }
          }
        };

        for (const op of ops) {
          const c = clients.length === 0 ? undefined : clients[('who' in op ? op.who : 0) % clients.length]!;
          switch (op.kind) {
            case 'join': {
              const fresh: Client = { id: `m${serial++}`, instanceId: op.staticMember ? `pod-${serial}` : undefined, epoch: 0, owned: new Set(), running: true };
              clients.push(fresh);
              beat(fresh, false);
              break;
            }
            case 'beat':
              if (c?.running === true) beat(c, op.loseResponse);
              break;
            case 'leave':
              if (c?.running === true) {
                group.heartbeat({ memberId: c.id, memberEpoch: -1 }, now, topics);
                c.running = false;
                c.owned = new Set();
              }
              break;
            case 'crash':
              if (c !== undefined) c.running = false;
              break;
            case 'bounce':
              // A static member's pod restarts: leave with −2, come back under a new member id.
              if (c?.running === true && c.instanceId !== undefined) {
                group.heartbeat({ memberId: c.id, memberEpoch: -2, instanceId: c.instanceId }, now, topics);
                c.running = false;
                c.owned = new Set();
                const back: Client = { id: `m${serial++}`, instanceId: c.instanceId, epoch: 0, owned: new Set(), running: true };
                clients.push(back);
                beat(back, false);
              }
              break;
            case 'grow':
              topics.set(op.topic, topics.get(op.topic)! + 1);
              break;
            case 'failover': {
              const rebuilt = replayGroupRecords(log, now).groups.get('g') ?? new ConsumerGroup('g');
              expect(comparable(rebuilt.snapshot())).toEqual(comparable(group.snapshot()));
              group = rebuilt;
              writer = new GroupRecordWriter('g', group.snapshot());
              break;
            }
            case 'tick':
              now += op.ms;
              for (const e of group.expire(now)) {
                const gone = clients.find((x) => x.id === e.memberId);
                if (gone !== undefined) gone.owned = new Set();
              }
              break;
          }
          log.push(...writer.diff(group.snapshot()));
          checkG1();
        }

        // Heal: every running client heartbeats until nothing changes; crashed ones time out.
        now += 60_000;
        group.expire(now);
        for (let round = 0; round < 8; round++) {
          for (const c of clients) if (c.running) beat(c, false);
          checkG1();
        }
        const running = clients.filter((c) => c.running && group.members.some((m) => m.memberId === c.id));
        if (running.length === 0) return;
        expect(group.state).toBe('Stable');
        const all = new Set<PartitionKey>();
        for (const c of running) for (const k of c.owned) all.add(k);
        let total = 0;
        for (const [topic, n] of topics) for (let p = 0; p < n; p++, total++) expect(all.has(partitionKey(topic, p))).toBe(true);
        expect(running.reduce((sum, c) => sum + c.owned.size, 0)).toBe(total);
      }),
      { seed: 1251, numRuns: 300 },
    );
  });
});
