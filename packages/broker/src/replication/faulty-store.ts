/**
 * Test support: a MetadataStore wrapper that injects the faults of the Kubernetes API the CAS
 * paths must survive — a write applied whose reply is lost, a write lost before it was applied
 * (both UNKNOWN_OUTCOME), and failing reads.
 */
import { MetadataStoreError, type MetadataStore, type ObjectCollection } from '@runnel/metadata';

/** Faults to inject, consumed one per matching call. */
export interface StoreFaults {
  /** Next N updates are applied, then answer UNKNOWN_OUTCOME. */
  lostReplies: number;
  /** Next N updates are not applied and answer UNKNOWN_OUTCOME. */
  lostRequests: number;
  /** Next N gets fail with UNKNOWN_OUTCOME (a timed-out read). */
  failedReads: number;
}

function wrap<T>(inner: ObjectCollection<T>, faults: StoreFaults): ObjectCollection<T> {
  return {
    list: () => inner.list(),
    watch: (o) => inner.watch(o),
    create: (n, v) => inner.create(n, v),
    delete: (n, o) => inner.delete(n, o),
    async get(name) {
      if (faults.failedReads > 0) {
        faults.failedReads--;
        throw new MetadataStoreError('UNKNOWN_OUTCOME', `Read of ${name} timed out (injected)`);
      }
      return inner.get(name);
    },
    async update(name, value, rv) {
      if (faults.lostRequests > 0) {
        faults.lostRequests--;
        throw new MetadataStoreError('UNKNOWN_OUTCOME', `Write of ${name} timed out before reaching the server (injected)`);
      }
      const written = await inner.update(name, value, rv);
      if (faults.lostReplies > 0) {
        faults.lostReplies--;
        throw new MetadataStoreError('UNKNOWN_OUTCOME', `Reply to the write of ${name} was lost (injected)`);
      }
      return written;
    },
  };
}

/** Wraps `inner`; change `faults` at any time. */
export function faultyStore(inner: MetadataStore): { store: MetadataStore; faults: StoreFaults } {
  const faults: StoreFaults = { lostReplies: 0, lostRequests: 0, failedReads: 0 };
  return {
    faults,
    store: {
      kind: inner.kind,
      topics: wrap(inner.topics, faults),
      partitions: wrap(inner.partitions, faults),
      brokers: wrap(inner.brokers, faults),
      close: () => inner.close(),
    },
  };
}
