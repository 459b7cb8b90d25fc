import { sortedMembers, subscribedPartitions, type Assignor, type AssignorInput } from './assignor.ts';
import { parsePartitionKey, sortPartitionKeys, type PartitionKey } from './partition-key.ts';

/**
 * Kafka's default server assignor, `uniform`: partitions spread as evenly as the subscriptions
 * allow (no member has two more than another member that could take one of them), and sticky —
 * a member keeps what it had unless balance needs it elsewhere, so a join or leave moves only
 * the partitions it must.
 */
export const uniformAssignor: Assignor = {
  name: 'uniform',
  assign(input: AssignorInput): Map<string, Set<PartitionKey>> {
    const members = sortedMembers(input.members);
    const owned = new Map(members.map((m) => [m.memberId, new Set<PartitionKey>()]));
    const all = subscribedPartitions(input);
    const valid = new Set(all);
    const owner = new Map<PartitionKey, string>();
    const topicOf = (k: PartitionKey): string => parsePartitionKey(k).topic;
    const give = (k: PartitionKey, memberId: string): void => {
      const was = owner.get(k);
      if (was !== undefined) owned.get(was)!.delete(k);
      owner.set(k, memberId);
      owned.get(memberId)!.add(k);
    };

    // Stickiness: keep every previous partition that is still valid for its member.
    for (const m of members) {
      for (const k of sortPartitionKeys(m.previous)) if (valid.has(k) && m.topics.has(topicOf(k)) && !owner.has(k)) give(k, m.memberId);
    }
    // New or orphaned partitions go to the least loaded member that subscribes to their topic.
    for (const k of all) {
      if (owner.has(k)) continue;
      const target = leastLoaded(members.filter((m) => m.topics.has(topicOf(k))).map((m) => m.memberId), owned);
      if (target !== undefined) give(k, target);
    }
    // Balance: move a partition only from a member with at least two more than an eligible one.
    // Each move lowers the sum of squared loads, so this ends.
    for (let moved = true; moved; ) {
      moved = false;
      for (const k of all) {
        const from = owner.get(k);
        if (from === undefined) continue;
        const to = leastLoaded(members.filter((m) => m.topics.has(topicOf(k))).map((m) => m.memberId), owned);
        if (to !== undefined && owned.get(to)!.size + 1 < owned.get(from)!.size) {
          give(k, to);
          moved = true;
        }
      }
    }
    return owned;
  },
};

function leastLoaded(memberIds: readonly string[], owned: ReadonlyMap<string, ReadonlySet<PartitionKey>>): string | undefined {
  let best: string | undefined;
  for (const id of memberIds) if (best === undefined || owned.get(id)!.size < owned.get(best)!.size) best = id;
  return best;
}
