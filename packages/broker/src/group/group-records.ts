import { ConsumerGroup, type GroupSnapshot, type GroupTimers, type MemberSnapshot } from './consumer-group.ts';
import type { PartitionKey } from './partition-key.ts';

/**
 * The records of the `__consumer_offsets` topic: a key and a value (both JSON, UTF-8), or a
 * tombstone (`value` null). Keys identify what a value replaces, so compaction keeps only the
 * latest state of each thing:
 *
 *   ["group",  groupId]                         → { v, groupEpoch, assignmentEpoch, topicsHash }
 *   ["member", groupId, memberId]               → { v, ...MemberSnapshot }
 *   ["target", groupId, memberId]               → { v, partitions }
 *   ["offset", groupId, topic, partition]       → { v, offset, leaderEpoch, metadata, commitTimestamp }
 *
 * A group is deleted by tombstoning all of its keys.
 */
export interface GroupRecord {
  readonly key: string;
  readonly value: string | null;
}

/** A committed offset of one partition. */
export interface OffsetCommit {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
}

const VERSION = 1;

function key(...parts: Array<string | number>): string {
  return JSON.stringify(parts);
}

/** The records that state a group's whole durable state (no offsets), by key. */
export function groupStateRecords(groupId: string, snapshot: GroupSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  out.set(key('group', groupId), JSON.stringify({ v: VERSION, groupEpoch: snapshot.groupEpoch, assignmentEpoch: snapshot.assignmentEpoch, topicsHash: snapshot.topicsHash }));
  for (const m of snapshot.members) out.set(key('member', groupId, m.memberId), JSON.stringify({ v: VERSION, ...m }));
  for (const [memberId, partitions] of snapshot.targets) out.set(key('target', groupId, memberId), JSON.stringify({ v: VERSION, partitions }));
  return out;
}

/** The record of one committed offset. */
export function offsetCommitRecord(groupId: string, topic: string, partition: number, commit: OffsetCommit): GroupRecord {
  return { key: key('offset', groupId, topic, partition), value: JSON.stringify({ v: VERSION, ...commit }) };
}

/**
 * Turns successive states of one group into the records that changed: new or different values,
 * and tombstones for members and targets that are gone. The coordinator writes these after each
 * change and answers only once they are committed.
 */
export class GroupRecordWriter {
  readonly #groupId: string;
  #last = new Map<string, string>();

  constructor(groupId: string, initial?: GroupSnapshot) {
    this.#groupId = groupId;
    if (initial !== undefined) this.#last = groupStateRecords(groupId, initial);
  }

  /** The records that bring the log from the last state written to `snapshot`. */
  diff(snapshot: GroupSnapshot): GroupRecord[] {
    const next = groupStateRecords(this.#groupId, snapshot);
    const out: GroupRecord[] = [];
    for (const [k, v] of next) if (this.#last.get(k) !== v) out.push({ key: k, value: v });
    for (const k of this.#last.keys()) if (!next.has(k)) out.push({ key: k, value: null });
    this.#last = next;
    return out;
  }

  /** Tombstones for every state record of the group (offsets are the caller's: it knows them). */
  deleteAll(): GroupRecord[] {
    const out = [...this.#last.keys()].map((k) => ({ key: k, value: null }));
    this.#last = new Map();
    return out;
  }
}

/** What replaying an offsets partition yields: every group it coordinates, and their offsets. */
export interface ReplayedGroups {
  readonly groups: Map<string, ConsumerGroup>;
  readonly offsets: Map<string, Map<PartitionKey, OffsetCommit>>;
}

/**
 * Rebuilds the groups of one offsets partition from its records, in log order (the new
 * coordinator does this after a failover). Later records replace earlier ones with the same key;
 * tombstones delete. A record this version cannot read is an error naming its key, never skipped.
 */
export function replayGroupRecords(records: Iterable<GroupRecord>, nowMs: number, timers: Partial<GroupTimers> = {}): ReplayedGroups {
  const latest = new Map<string, string>();
  for (const r of records) {
    if (r.value === null) latest.delete(r.key);
    else latest.set(r.key, r.value);
  }
  const states = new Map<string, { group?: { groupEpoch: number; assignmentEpoch: number; topicsHash: string }; members: MemberSnapshot[]; targets: Map<string, PartitionKey[]> }>();
  const offsets = new Map<string, Map<PartitionKey, OffsetCommit>>();
  const stateOf = (groupId: string): NonNullable<ReturnType<typeof states.get>> => {
    let s = states.get(groupId);
    if (s === undefined) states.set(groupId, (s = { members: [], targets: new Map() }));
    return s;
  };
  for (const [k, v] of latest) {
    const parts = JSON.parse(k) as Array<string | number>;
    const value = JSON.parse(v) as { v: number } & Record<string, unknown>;
    if (value.v !== VERSION) throw new Error(`Cannot read consumer group record ${k}: version ${value.v} is not ${VERSION}`);
    const [kind, groupId] = parts as [string, string];
    switch (kind) {
      case 'group':
        stateOf(groupId).group = value as unknown as { groupEpoch: number; assignmentEpoch: number; topicsHash: string };
        break;
      case 'member': {
        const { v: _v, ...member } = value;
        stateOf(groupId).members.push(member as unknown as MemberSnapshot);
        break;
      }
      case 'target':
        stateOf(groupId).targets.set(parts[2] as string, (value as unknown as { partitions: PartitionKey[] }).partitions);
        break;
      case 'offset': {
        let map = offsets.get(groupId);
        if (map === undefined) offsets.set(groupId, (map = new Map()));
        const { v: _v, ...commit } = value;
        map.set(`${parts[2] as string}:${parts[3] as number}` as PartitionKey, commit as unknown as OffsetCommit);
        break;
      }
      default:
        throw new Error(`Cannot read consumer group record ${k}: unknown kind ${kind}`);
    }
  }
  const groups = new Map<string, ConsumerGroup>();
  for (const [groupId, s] of states) {
    if (s.group === undefined) throw new Error(`Cannot rebuild consumer group ${groupId}: its member records have no group record`);
    groups.set(groupId, ConsumerGroup.restore(groupId, { ...s.group, members: s.members, targets: s.targets }, nowMs, timers));
  }
  return { groups, offsets };
}
