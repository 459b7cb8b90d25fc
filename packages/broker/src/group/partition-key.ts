/**
 * A partition of a topic as one string, `<topic>:<partition>`. Topic names hold only
 * `[a-zA-Z0-9._-]`, so the colon is unambiguous, and sets and maps of partitions stay cheap.
 */
export type PartitionKey = string & { readonly __partitionKey: true };

/** The key of `topic`'s partition `partition`. */
export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}:${partition}` as PartitionKey;
}

/** The topic and partition of a key. */
export function parsePartitionKey(key: PartitionKey): { topic: string; partition: number } {
  const colon = key.lastIndexOf(':');
  return { topic: key.slice(0, colon), partition: Number(key.slice(colon + 1)) };
}

/** Keys in a stable order: by topic, then by partition number. */
export function sortPartitionKeys(keys: Iterable<PartitionKey>): PartitionKey[] {
  return [...keys].sort((a, b) => {
    const pa = parsePartitionKey(a);
    const pb = parsePartitionKey(b);
    return pa.topic < pb.topic ? -1 : pa.topic > pb.topic ? 1 : pa.partition - pb.partition;
  });
}
