import { partitionKey, sortPartitionKeys, type PartitionKey } from './partition-key.ts';

/** One member as an assignor sees it. */
export interface AssignorMember {
  readonly memberId: string;
  /** Topics the member subscribes to (a regex already resolved to names). */
  readonly topics: ReadonlySet<string>;
  /** The member's target assignment of the previous epoch: assignors keep it where they can (stickiness). */
  readonly previous: ReadonlySet<PartitionKey>;
}

/** The input of one assignment: the members and the partition count of every topic that exists. */
export interface AssignorInput {
  readonly members: readonly AssignorMember[];
  readonly topics: ReadonlyMap<string, number>;
}

/** A server-side assignor (KIP-848: clients only name one). */
export interface Assignor {
  readonly name: string;
  /**
   * The target assignment: every partition of a subscribed, existing topic goes to exactly one
   * member subscribed to that topic, and no member gets a partition it does not subscribe to.
   */
  assign(input: AssignorInput): Map<string, Set<PartitionKey>>;
}

/** Members in a stable order, so the same input always gives the same assignment. */
export function sortedMembers(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/** Every partition of the topics some member subscribes to, in a stable order. */
export function subscribedPartitions(input: AssignorInput): PartitionKey[] {
  const topics = new Set<string>();
  for (const m of input.members) for (const t of m.topics) if (input.topics.has(t)) topics.add(t);
  const keys: PartitionKey[] = [];
  for (const topic of topics) {
    const count = input.topics.get(topic) ?? 0;
    for (let p = 0; p < count; p++) keys.push(partitionKey(topic, p));
  }
  return sortPartitionKeys(keys);
}
