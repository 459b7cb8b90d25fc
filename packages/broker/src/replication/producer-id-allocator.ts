import { RunnelError } from '@runnel/protocol';

/** Producer ids per broker incarnation: 2^20 (about a million InitProducerId calls per start). */
const IDS_PER_INCARNATION = 2 ** 20;
/** Broker ids below this fit the id layout. */
export const MAX_PRODUCER_ID_BROKERS = 2 ** 10;

/**
 * Allocates cluster-unique idempotent producer ids without any store write:
 * `((brokerEpoch * 1024) + brokerId) * 2^20 + counter`. Unique because a brokerEpoch is taken by
 * CAS on the broker's Lease and never reused by that broker id (its Lease is never deleted, and
 * leaseTransitions only grows), and each incarnation counts its own ids. The result stays below
 * 2^53 for brokerEpoch < 2^23. Kafka allocates blocks through its controller; with a CAS-owned
 * epoch per incarnation no block object is needed.
 */
export class ProducerIdAllocator {
  readonly #base: number;
  #next = 0;

  constructor(brokerId: number, brokerEpoch: number) {
    if (!Number.isInteger(brokerId) || brokerId < 0 || brokerId >= MAX_PRODUCER_ID_BROKERS) {
      throw new RangeError(`Cannot allocate producer ids on broker ${brokerId}: broker ids must be integers in 0..${MAX_PRODUCER_ID_BROKERS - 1}`);
    }
    const base = (brokerEpoch * MAX_PRODUCER_ID_BROKERS + brokerId) * IDS_PER_INCARNATION;
    if (!Number.isInteger(brokerEpoch) || brokerEpoch < 0 || !Number.isSafeInteger(base + IDS_PER_INCARNATION)) {
      throw new RangeError(`Cannot allocate producer ids on broker ${brokerId}: brokerEpoch ${brokerEpoch} is out of range`);
    }
    this.#base = base;
  }

  /** The next id with epoch 0. @throws RunnelError BROKER_NOT_AVAILABLE when this incarnation used all its ids */
  next(): { producerId: number; producerEpoch: number } {
    if (this.#next >= IDS_PER_INCARNATION) {
      throw new RunnelError('BROKER_NOT_AVAILABLE', `This broker incarnation allocated all its ${IDS_PER_INCARNATION} producer ids; ask another broker or restart this one`);
    }
    return { producerId: this.#base + this.#next++, producerEpoch: 0 };
  }
}
