/**
 * The black-box checker of DESIGN.md §6 (S1–S5) over a recorded history (`history-types.ts`),
 * with the anomaly names of Jepsen's Kafka workload where they exist:
 *
 * - S1 `lost-write`: an acknowledged `acks=all` send whose value is not in the final drain of its
 *   partition (a partition that has no successful drain loses every such value: a missing drain
 *   must fail the check, never pass it). The log-start rule: a value is excused (counted as
 *   `deletedBelowLogStart`, not lost) only when its offset is below a log start that a `delete`
 *   (DeleteRecords) made the leader reach — the `logStartOffset` of an acknowledged delete, or the
 *   requested offset of a delete whose outcome is unknown (it may have happened, never further).
 *   A definitely failed delete excuses nothing.
 * - S2 `inconsistent-offset`: one (partition, offset) observed with two values, counting every
 *   read, every drain and every `acks=all` acknowledgement. `acks=1` acknowledgements are not
 *   held to S2: the leader may lose them and the offset may be reused.
 * - S3 `duplicate`: one value observed at two places (offsets or partitions).
 * - S4 order: `nonmonotonic-send` (one process's acknowledged `acks=all` sends to one partition,
 *   in invocation order, must have increasing offsets), `realtime-order` (if A was acknowledged
 *   before B was invoked, both `acks=all` on one partition, then offset(A) < offset(B)) and
 *   `nonmonotonic-read` (offsets within one read strictly increase).
 * - S5 `aborted-read`: a definitely failed send is read; `phantom-read`: a read value that no send
 *   ever carried.
 *
 * Bad histories (a completion without invocation, an id used twice, a value sent twice) are
 * workload bugs, not anomalies: they throw {@link HistoryFormatError}.
 */
import type { Acks, HistoryEvent, ObservedRecord } from './history-types.ts';

/** The invariants this checker decides. */
export type BlackBoxInvariant = 'S1' | 'S2' | 'S3' | 'S4' | 'S5';

/** One violation, with the operations that show it. */
export interface Anomaly {
  readonly invariant: BlackBoxInvariant;
  readonly kind: 'lost-write' | 'inconsistent-offset' | 'duplicate' | 'nonmonotonic-send' | 'realtime-order' | 'nonmonotonic-read' | 'aborted-read' | 'phantom-read';
  readonly partition: string;
  /** What was seen, in words, naming values, offsets and operation ids. */
  readonly detail: string;
  /** Ids of the operations involved. */
  readonly ops: readonly number[];
}

/** Figures of a history: what was attempted and what came of it. */
export interface HistoryCounts {
  sends: number;
  sendsByAcks: Record<Acks, number>;
  sendsOk: number;
  sendsFailed: number;
  /** Unknown outcomes, including invocations that never completed. */
  sendsUnknown: number;
  reads: number;
  readsFailed: number;
  recordsRead: number;
  partitionsDrained: number;
  recordsDrained: number;
  /** acks=1 acknowledged values missing from the drain: measured, not an anomaly. */
  leaderAckedLost: number;
  /** Unknown-outcome sends whose value is in the drain (they did happen). */
  unknownCommitted: number;
  /** DeleteRecords operations: issued, acknowledged, failed definitely. */
  deletes: number;
  deletesOk: number;
  deletesFailed: number;
  /** Acknowledged acks=all values missing from the drain because a delete moved the log start past them (not an anomaly). */
  deletedBelowLogStart: number;
}

/** The verdict: `valid` iff there is no anomaly. */
export interface CheckResult {
  readonly valid: boolean;
  readonly counts: HistoryCounts;
  readonly anomalies: readonly Anomaly[];
  readonly byInvariant: Record<BlackBoxInvariant, number>;
}

/** The history itself is malformed (a bug in the workload or the recorder, not in the system). */
export class HistoryFormatError extends Error {
  readonly code = 'INVALID_HISTORY';
  constructor(message: string) {
    super(message);
    this.name = 'HistoryFormatError';
  }
}

interface SendOp {
  readonly id: number;
  readonly process: string;
  readonly partition: string;
  readonly value: string;
  readonly acks: Acks;
  readonly invokedAt: number;
  outcome: 'ok' | 'fail' | 'info' | undefined;
  offset: number | undefined;
  /** Highest acknowledged acks=all offset on the partition when this send was invoked (realtime order). */
  readonly floor: { offset: number; id: number } | undefined;
}

/** Checks S1–S5 over `history` (events in observation order). */
export function checkHistory(history: readonly HistoryEvent[]): CheckResult {
  const anomalies: Anomaly[] = [];
  const counts: HistoryCounts = {
    sends: 0, sendsByAcks: { all: 0, leader: 0, none: 0 }, sendsOk: 0, sendsFailed: 0, sendsUnknown: 0,
    reads: 0, readsFailed: 0, recordsRead: 0, partitionsDrained: 0, recordsDrained: 0, leaderAckedLost: 0, unknownCommitted: 0,
    deletes: 0, deletesOk: 0, deletesFailed: 0, deletedBelowLogStart: 0,
  };
  const sends = new Map<number, SendOp>();
  const sendByValue = new Map<string, SendOp>();
  const invoked = new Map<number, HistoryEvent>();
  const completed = new Set<number>();
  /** partition -> offset -> value -> operation ids that saw it. */
  const seen = new Map<string, Map<number, Map<string, number[]>>>();
  /** value -> "partition@offset" places it was seen -> operation ids. */
  const places = new Map<string, Map<string, number[]>>();
  const drained = new Map<string, Set<string>>();
  const readValues = new Map<string, number[]>();
  const ackFloor = new Map<string, { offset: number; id: number }>();
  /** partition -> the highest log start a delete may have made the leader reach. */
  const deletedBelow = new Map<string, number>();
  const raiseDeleted = (partition: string, offset: number): void => {
    if (offset > (deletedBelow.get(partition) ?? 0)) deletedBelow.set(partition, offset);
  };

  const observe = (partition: string, offset: number, value: string, op: number): void => {
    let byOffset = seen.get(partition);
    if (byOffset === undefined) seen.set(partition, (byOffset = new Map()));
    let byValue = byOffset.get(offset);
    if (byValue === undefined) byOffset.set(offset, (byValue = new Map()));
    pushTo(byValue, value, op);
    let where = places.get(value);
    if (where === undefined) places.set(value, (where = new Map()));
    pushTo(where, `${partition}@${offset}`, op);
  };

  history.forEach((event, index) => {
    if (event.type === 'invoke') {
      if (invoked.has(event.id)) throw new HistoryFormatError(`Event ${index}: operation id ${event.id} is invoked twice`);
      invoked.set(event.id, event);
      if (event.f === 'send') {
        if (sendByValue.has(event.value)) throw new HistoryFormatError(`Event ${index}: value ${JSON.stringify(event.value)} is sent twice (operations ${sendByValue.get(event.value)?.id} and ${event.id}); values must be unique`);
        const floor = ackFloor.get(event.partition);
        const op: SendOp = { id: event.id, process: event.process, partition: event.partition, value: event.value, acks: event.acks, invokedAt: index, outcome: undefined, offset: undefined, floor };
        sends.set(event.id, op);
        sendByValue.set(event.value, op);
        counts.sends++;
        counts.sendsByAcks[event.acks]++;
      } else if (event.f === 'delete') {
        if (!Number.isSafeInteger(event.offset) || event.offset < 0) throw new HistoryFormatError(`Event ${index}: delete ${event.id} asks for invalid offset ${event.offset}`);
        counts.deletes++;
      }
      return;
    }
    const invocation = invoked.get(event.id);
    if (invocation === undefined) throw new HistoryFormatError(`Event ${index}: ${event.type} of operation ${event.id}, which was never invoked`);
    if (completed.has(event.id)) throw new HistoryFormatError(`Event ${index}: operation ${event.id} completes twice`);
    if (invocation.f !== event.f || invocation.process !== event.process || invocation.partition !== event.partition) {
      throw new HistoryFormatError(`Event ${index}: completion of operation ${event.id} does not match its invocation (f, process or partition differ)`);
    }
    completed.add(event.id);
    if (event.f === 'delete') {
      const requested = (invocation as { offset: number }).offset;
      if (event.type === 'ok') {
        if (!Number.isSafeInteger(event.logStartOffset) || event.logStartOffset < 0) throw new HistoryFormatError(`Event ${index}: delete ${event.id} answered invalid log start ${event.logStartOffset}`);
        counts.deletesOk++;
        raiseDeleted(event.partition, event.logStartOffset);
      } else if (event.type === 'info') raiseDeleted(event.partition, requested);
      else counts.deletesFailed++;
      return;
    }
    if (event.f === 'send') {
      const op = sends.get(event.id)!;
      op.outcome = event.type;
      if (event.type === 'ok') {
        if (!Number.isSafeInteger(event.offset) || event.offset < 0) throw new HistoryFormatError(`Event ${index}: send ${event.id} acknowledged at invalid offset ${event.offset}`);
        op.offset = event.offset;
        counts.sendsOk++;
        if (op.acks === 'all') {
          observe(op.partition, event.offset, op.value, op.id);
          const floor = ackFloor.get(op.partition);
          if (floor === undefined || event.offset > floor.offset) ackFloor.set(op.partition, { offset: event.offset, id: op.id });
        }
      } else if (event.type === 'fail') counts.sendsFailed++;
      return;
    }
    if (event.type !== 'ok') {
      counts.readsFailed++;
      return;
    }
    counts.reads++;
    if (event.f === 'drain') {
      let values = drained.get(event.partition);
      if (values === undefined) drained.set(event.partition, (values = new Set()));
      for (const r of event.records) values.add(r.value);
      counts.recordsDrained += event.records.length;
    } else counts.recordsRead += event.records.length;
    checkReadOrder(event.id, event.partition, event.records, anomalies);
    for (const r of event.records) {
      observe(event.partition, r.offset, r.value, event.id);
      pushTo(readValues, r.value, event.id);
    }
  });
  counts.sendsUnknown = counts.sends - counts.sendsOk - counts.sendsFailed;
  counts.partitionsDrained = drained.size;
  // A delete invoked but never completed may have happened, up to its requested offset.
  for (const [id, event] of invoked) if (event.type === 'invoke' && event.f === 'delete' && !completed.has(id)) raiseDeleted(event.partition, event.offset);

  checkDurability(sends, drained, deletedBelow, counts, anomalies);
  checkOffsets(seen, anomalies);
  checkDuplicates(places, anomalies);
  checkSendOrder(sends, anomalies);
  checkAbortedReads(readValues, sendByValue, anomalies);

  const byInvariant: Record<BlackBoxInvariant, number> = { S1: 0, S2: 0, S3: 0, S4: 0, S5: 0 };
  for (const a of anomalies) byInvariant[a.invariant]++;
  return { valid: anomalies.length === 0, counts, anomalies, byInvariant };
}

function pushTo<K>(map: Map<K, number[]>, key: K, op: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [op]);
  else if (list.at(-1) !== op) list.push(op);
}

function checkReadOrder(id: number, partition: string, records: readonly ObservedRecord[], anomalies: Anomaly[]): void {
  for (let i = 1; i < records.length; i++) {
    const prev = records[i - 1]!;
    const cur = records[i]!;
    if (cur.offset <= prev.offset) {
      anomalies.push({ invariant: 'S4', kind: 'nonmonotonic-read', partition, ops: [id], detail: `read ${id} returned offset ${cur.offset} (${cur.value}) after offset ${prev.offset} (${prev.value})` });
    }
  }
}

function checkDurability(sends: Map<number, SendOp>, drained: Map<string, Set<string>>, deletedBelow: Map<string, number>, counts: HistoryCounts, anomalies: Anomaly[]): void {
  for (const op of sends.values()) {
    const values = drained.get(op.partition);
    const present = values?.has(op.value) ?? false;
    if (op.outcome === 'ok' && !present) {
      if (op.offset! < (deletedBelow.get(op.partition) ?? 0)) counts.deletedBelowLogStart++;
      else if (op.acks === 'all') {
        const why = values === undefined ? 'the partition was never drained' : 'it is not in the final drain';
        anomalies.push({ invariant: 'S1', kind: 'lost-write', partition: op.partition, ops: [op.id], detail: `value ${op.value} acknowledged (acks=all) at offset ${op.offset} by send ${op.id} is lost: ${why}` });
      } else counts.leaderAckedLost++;
    }
    if ((op.outcome === 'info' || op.outcome === undefined) && present) counts.unknownCommitted++;
  }
}

function checkOffsets(seen: Map<string, Map<number, Map<string, number[]>>>, anomalies: Anomaly[]): void {
  for (const [partition, byOffset] of seen) {
    for (const [offset, byValue] of byOffset) {
      if (byValue.size < 2) continue;
      const what = [...byValue].map(([value, ops]) => `${value} (ops ${ops.join(',')})`).join(' vs ');
      anomalies.push({ invariant: 'S2', kind: 'inconsistent-offset', partition, ops: [...byValue.values()].flat(), detail: `offset ${offset} holds different values: ${what}` });
    }
  }
}

function checkDuplicates(places: Map<string, Map<string, number[]>>, anomalies: Anomaly[]): void {
  for (const [value, where] of places) {
    if (where.size < 2) continue;
    const first = [...where.keys()][0]!;
    anomalies.push({
      invariant: 'S3', kind: 'duplicate', partition: first.slice(0, first.lastIndexOf('@')), ops: [...where.values()].flat(),
      detail: `value ${value} appears at ${[...where.keys()].join(' and ')}`,
    });
  }
}

function checkSendOrder(sends: Map<number, SendOp>, anomalies: Anomaly[]): void {
  const lastByStream = new Map<string, SendOp>();
  const acked = [...sends.values()].filter((op) => op.outcome === 'ok' && op.acks === 'all').sort((a, b) => a.invokedAt - b.invokedAt);
  for (const op of acked) {
    const offset = op.offset!;
    const stream = `${op.process}\u0000${op.partition}`;
    const prev = lastByStream.get(stream);
    if (prev !== undefined && prev.offset! >= offset) {
      anomalies.push({ invariant: 'S4', kind: 'nonmonotonic-send', partition: op.partition, ops: [prev.id, op.id], detail: `${op.process} sent ${prev.value} before ${op.value}, but they were acknowledged at offsets ${prev.offset} and ${offset}` });
    }
    lastByStream.set(stream, op);
    if (op.floor !== undefined && op.floor.offset >= offset) {
      const before = sends.get(op.floor.id)!;
      anomalies.push({ invariant: 'S4', kind: 'realtime-order', partition: op.partition, ops: [before.id, op.id], detail: `${before.value} was acknowledged at offset ${before.offset} before ${op.value} was sent, yet ${op.value} got offset ${offset}` });
    }
  }
}

function checkAbortedReads(readValues: Map<string, number[]>, sendByValue: Map<string, SendOp>, anomalies: Anomaly[]): void {
  for (const [value, ops] of readValues) {
    const send = sendByValue.get(value);
    if (send === undefined) {
      anomalies.push({ invariant: 'S5', kind: 'phantom-read', partition: '', ops, detail: `value ${value} was read by ops ${ops.join(',')} but never sent` });
    } else if (send.outcome === 'fail') {
      anomalies.push({ invariant: 'S5', kind: 'aborted-read', partition: send.partition, ops: [send.id, ...ops], detail: `value ${value} of send ${send.id}, which failed definitely, was read by ops ${ops.join(',')}` });
    }
  }
}

/** A readable summary: counts, anomalies per invariant, and the first `limit` anomalies. */
export function formatCheckResult(result: CheckResult, limit = 20): string {
  const c = result.counts;
  const lines = [
    `sends ${c.sends} (acks=all ${c.sendsByAcks.all}, acks=1 ${c.sendsByAcks.leader}, acks=0 ${c.sendsByAcks.none}): ok ${c.sendsOk}, failed ${c.sendsFailed}, unknown ${c.sendsUnknown} (${c.unknownCommitted} of them committed)`,
    `reads ${c.reads} ok / ${c.readsFailed} failed, ${c.recordsRead} records read; drained ${c.recordsDrained} records from ${c.partitionsDrained} partitions; acks=1 acknowledged but lost: ${c.leaderAckedLost}`,
    ...(c.deletes === 0 ? [] : [`deletes ${c.deletes}: ok ${c.deletesOk}, failed ${c.deletesFailed}; acknowledged values deleted below a log start: ${c.deletedBelowLogStart}`]),
    `anomalies ${result.anomalies.length}: ${Object.entries(result.byInvariant).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    ...result.anomalies.slice(0, limit).map((a) => `  ${a.invariant} ${a.kind} [${a.partition}] ${a.detail}`),
  ];
  if (result.anomalies.length > limit) lines.push(`  ... and ${result.anomalies.length - limit} more`);
  return lines.join('\n');
}
