/**
 * The history of a black-box test run (DESIGN.md §6 invariants S1–S5), shared by the deterministic
 * simulation (test/sim) and the multi-process chaos test (test/chaos).
 *
 * A history is a list of events in the order the test observed them, in Jepsen's style: every
 * operation is an `invoke` followed by at most one completion with the same `id`:
 *
 * - `ok`: the operation happened (a send was acknowledged at `offset`; a read returned `records`);
 * - `fail`: the operation definitely did not happen (the broker rejected the send before
 *   appending it, e.g. NOT_LEADER or NOT_ENOUGH_REPLICAS);
 * - `info`: unknown outcome (timeout, connection lost, NOT_ENOUGH_REPLICAS_AFTER_APPEND); an
 *   invocation without completion counts as `info`.
 *
 * Every event is a flat JSON object, so a history is also a JSONL file (one event per line) that a
 * separate process can write and the checker can read back (see `history-jsonl.ts`).
 *
 * A `delete` operation is a DeleteRecords request (KIP-107) that asked the leader to move the
 * partition's log start up to `offset`; its `ok` carries the log start the leader reached. The
 * checker excuses an acknowledged write missing from the drain only when its offset is below such
 * a log start (or below the offset of a delete whose outcome is unknown: it may have happened).
 *
 * Partitions are opaque strings (`<topic>-<partition>` by convention); values are unique per send
 * (the checker rejects a history that sends one value twice, as it could not tell the sends apart).
 */

/** Acknowledgement level of a send, as the client asked for it. */
export type Acks = 'all' | 'leader' | 'none';

/** Completion types: done, definitely not done, unknown. */
export type CompletionType = 'ok' | 'fail' | 'info';

/** Kinds of read: `read` during the run (consumers, up to the high watermark), `drain` the final read after healing. */
export type ReadKind = 'read' | 'drain';

/** One record observed by a read: the value at an offset. */
export interface ObservedRecord {
  readonly offset: number;
  readonly value: string;
}

/** Fields common to every event. `time` is the observer's clock in ms (monotonic or virtual). */
interface EventBase {
  /** Unique per operation; joins an invocation with its completion. */
  readonly id: number;
  /** The client (producer or consumer) that ran the operation: order rules are per process. */
  readonly process: string;
  readonly partition: string;
  readonly time: number;
}

/** A send was issued. */
export interface SendInvoke extends EventBase {
  readonly type: 'invoke';
  readonly f: 'send';
  readonly value: string;
  readonly acks: Acks;
}

/** A send was acknowledged at `offset`. */
export interface SendOk extends EventBase {
  readonly type: 'ok';
  readonly f: 'send';
  readonly value: string;
  readonly offset: number;
}

/** A send failed definitely (`fail`) or with an unknown outcome (`info`). */
export interface SendError extends EventBase {
  readonly type: 'fail' | 'info';
  readonly f: 'send';
  readonly value: string;
  /** The error code or a short description, for the report. */
  readonly error: string;
}

/** A read from `offset` was issued. */
export interface ReadInvoke extends EventBase {
  readonly type: 'invoke';
  readonly f: ReadKind;
  readonly offset: number;
}

/** A read returned records (offsets strictly increasing within one read). */
export interface ReadOk extends EventBase {
  readonly type: 'ok';
  readonly f: ReadKind;
  readonly records: readonly ObservedRecord[];
}

/** A read failed; reads have no effect, so `fail` and `info` mean the same to the checker. */
export interface ReadError extends EventBase {
  readonly type: 'fail' | 'info';
  readonly f: ReadKind;
  readonly error: string;
}

/** A DeleteRecords of the records below `offset` was issued (`offset` ≥ 0; the history holds no "-1 = HW"). */
export interface DeleteInvoke extends EventBase {
  readonly type: 'invoke';
  readonly f: 'delete';
  readonly offset: number;
}

/** The leader moved the log start to `logStartOffset` (at most the requested offset). */
export interface DeleteOk extends EventBase {
  readonly type: 'ok';
  readonly f: 'delete';
  readonly logStartOffset: number;
}

/** A DeleteRecords failed definitely (`fail`: nothing was deleted) or with an unknown outcome (`info`). */
export interface DeleteError extends EventBase {
  readonly type: 'fail' | 'info';
  readonly f: 'delete';
  readonly error: string;
}

/** One line of a history. */
export type HistoryEvent = SendInvoke | SendOk | SendError | ReadInvoke | ReadOk | ReadError | DeleteInvoke | DeleteOk | DeleteError;
