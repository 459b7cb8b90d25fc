import { sortedMembers, type Assignor, type AssignorInput } from './assignor.ts';
import { partitionKey, type PartitionKey } from './partition-key.ts';

/**
 * Kafka's `range` server assignor, sticky: per topic, the members that subscribe to it (sorted by
 * member id) get quotas of ⌊n/m⌋ partitions, the first n mod m one more. A member keeps its
 * previous partitions of the topic up to its quota; the rest are dealt out in partition order, so
 * a fresh group gets contiguous ranges and co-partitioned topics line up member by member.
 */
export const rangeAssignor: Assignor = {
  name: 'range',
  assign(input: AssignorInput): Map<string, Set<PartitionKey>> {
    const members = sortedMembers(input.members);
    const owned = new Map(members.map((m) => [m.memberId, new Set<PartitionKey>()]));
    const topics = [...new Set(members.flatMap((m) => [...m.topics]))].filter((t) => input.topics.has(t)).sort();
    for (const topic of topics) {
      const subscribers = members.filter((m) => m.topics.has(topic));
      const n = input.topics.get(topic)!;
      const quota = (i: number): number => Math.floor(n / subscribers.length) + (i < n % subscribers.length ? 1 : 0);
      const taken = new Set<number>();
      const counts = subscribers.map(() => 0);
      subscribers.forEach((m, i) => {
        for (let p = 0; p < n && counts[i]! < quota(i); p++) {
          const key = partitionKey(topic, p);
          if (m.previous.has(key) && !taken.has(p)) {
            taken.add(p);
            owned.get(m.memberId)!.add(key);
            counts[i]!++;
          }
        }
      });
      let next = 0;
      subscribers.forEach((m, i) => {
        while (counts[i]! < quota(i)) {
          while (taken.has(next)) next++;
          taken.add(next);
          owned.get(m.memberId)!.add(partitionKey(topic, next));
          counts[i]!++;
        }
      });
    }
    return owned;
  },
};
