/**
 * White-box invariants of DESIGN.md §6, checked from what the simulation can see inside:
 *
 * - S7 (from the API server's log of applied partition-record writes, in write order): the
 *   leader epoch never decreases, strictly increases whenever the holder changes, and each
 *   (partition, epoch) has exactly one holder {id, brokerEpoch}; a holder is in the ISR it writes.
 * - S8 (from the brokers' high-watermark observations): only the holder of epoch e advances the
 *   HW as leader in epoch e.
 * - S9: the leader of a later epoch holds every record committed before: the highest HW reached
 *   in epoch e is at most epochStartOffset of every later epoch (its log end at takeover, rule 8),
 *   and, at the end, every replica whose log reaches the committed offset holds the committed
 *   records the leader holds.
 * - S10 (from the replicas' logs after healing): log matching — two replicas that hold a batch
 *   at the same offset with the same epoch hold identical records up to there — and every
 *   replica holding the committed prefix holds the same one (both from the higher log start of
 *   the two: records below a log start were deleted on purpose). And as the run goes
 *   ({@link checkCommittedRecords}): what a replica holds below its own HW is what any replica
 *   held there below its HW before; a divergence found only after healing may have been deleted.
 * - S11 (log start, sampled during the run and checked after healing): no replica's log start
 *   is ever above the highest HW any leader of the partition reached (a deletion never removes
 *   uncommitted records), no leader's log start is above its own HW, and after healing every
 *   replica has the same log start ({@link checkLogStartSample}, {@link checkLogStartsAgree}).
 *   A follower's own HW is not held to it: one that restarts its log at the leader's log start
 *   (`truncateFullyAndStartAt`) has the new log start a moment before its HW follows (seed 6).
 */
import type { PartitionState, ReplicaIdentity, Versioned } from '@runnel/metadata';

/** A violation of S7–S11. */
export interface WhiteBoxViolation {
  readonly invariant: 'S7' | 'S8' | 'S9' | 'S10' | 'S11';
  readonly partition: string;
  readonly detail: string;
}

/** One applied write of a partition record, in the order the store applied them. */
export interface RecordWrite {
  readonly writer: string;
  readonly object: Versioned<PartitionState>;
}

/** A broker moved a partition's high watermark. */
export interface HighWatermarkObservation {
  readonly broker: number;
  readonly brokerEpoch: number;
  readonly partition: string;
  /** The broker's leader epoch for the partition when it moved the HW. */
  readonly leaderEpoch: number;
  /** Whether it moved it as leader (followers copy the leader's HW). */
  readonly asLeader: boolean;
  readonly highWatermark: number;
}

/** What one epoch of a partition looked like in the store. */
export interface EpochRecord {
  readonly holder: ReplicaIdentity;
  readonly epochStartOffset: number;
}

/** One record of a replica's log. */
export interface ReplicaRecord {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly value: string;
}

/** A replica's log after healing. */
export interface ReplicaLog {
  readonly broker: number;
  readonly partition: string;
  /** Its log start: it holds no record below (absent: 0). */
  readonly logStartOffset?: number;
  readonly records: readonly ReplicaRecord[];
}

/** One replica's log start and HW at one moment. */
export interface LogStartSample {
  readonly broker: number;
  readonly partition: string;
  readonly role: 'leader' | 'follower';
  readonly logStartOffset: number;
  readonly highWatermark: number;
}

/**
 * S11 on one sample: the log start is at most `committed`, the highest HW a leader of the
 * partition has reached so far, and a leader's is at most its own HW.
 */
export function checkLogStartSample(sample: LogStartSample, committed: number): WhiteBoxViolation | undefined {
  const { broker, partition, logStartOffset, highWatermark } = sample;
  if (sample.role === 'leader' && logStartOffset > highWatermark) return { invariant: 'S11', partition, detail: `leader ${broker}'s log start ${logStartOffset} is above its HW ${highWatermark}` };
  if (logStartOffset > committed) return { invariant: 'S11', partition, detail: `broker ${broker}'s log start ${logStartOffset} is above the highest HW any leader reached, ${committed}: uncommitted records were deleted` };
  return undefined;
}

/** S11 after healing: every replica of each partition has the same log start. */
export function checkLogStartsAgree(samples: readonly LogStartSample[]): WhiteBoxViolation[] {
  const byPartition = new Map<string, LogStartSample[]>();
  for (const s of samples) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s]);
  const violations: WhiteBoxViolation[] = [];
  for (const [partition, list] of byPartition) {
    if (new Set(list.map((s) => s.logStartOffset)).size > 1) {
      violations.push({ invariant: 'S11', partition, detail: `replicas disagree on the log start after healing: ${list.map((s) => `broker ${s.broker} at ${s.logStartOffset}`).join(', ')}` });
    }
  }
  return violations;
}

const same = (a: ReplicaIdentity | null, b: ReplicaIdentity | null): boolean => a?.id === b?.id && a?.brokerEpoch === b?.brokerEpoch;
const who = (h: ReplicaIdentity | null): string => (h === null ? 'nobody' : `${h.id}/${h.brokerEpoch}`);

/** S7 over the store's write log; also returns each partition's epochs for S8/S9. */
export function checkLeaderEpochs(writes: readonly RecordWrite[]): { violations: WhiteBoxViolation[]; epochs: Map<string, Map<number, EpochRecord>> } {
  const violations: WhiteBoxViolation[] = [];
  const epochs = new Map<string, Map<number, EpochRecord>>();
  const last = new Map<string, PartitionState>();
  for (const { object, writer } of writes) {
    const partition = object.name;
    const state = object.value;
    const prev = last.get(partition);
    last.set(partition, state);
    if (prev !== undefined) {
      if (state.leaderEpoch < prev.leaderEpoch) {
        violations.push({ invariant: 'S7', partition, detail: `${writer} wrote leader epoch ${state.leaderEpoch} after ${prev.leaderEpoch} (version ${object.resourceVersion})` });
      } else if (!same(state.holder, prev.holder) && state.leaderEpoch === prev.leaderEpoch) {
        violations.push({ invariant: 'S7', partition, detail: `${writer} changed the holder from ${who(prev.holder)} to ${who(state.holder)} without a new epoch (${state.leaderEpoch}, version ${object.resourceVersion})` });
      }
    }
    if (state.holder === null) continue;
    const holder = state.holder;
    if (!state.isr.some((m) => same(m, holder))) {
      violations.push({ invariant: 'S7', partition, detail: `${writer} wrote holder ${who(holder)} at epoch ${state.leaderEpoch}, which is not in its ISR [${state.isr.map(who).join(', ')}]` });
    }
    let byEpoch = epochs.get(partition);
    if (byEpoch === undefined) epochs.set(partition, (byEpoch = new Map()));
    const known = byEpoch.get(state.leaderEpoch);
    if (known === undefined) byEpoch.set(state.leaderEpoch, { holder, epochStartOffset: state.epochStartOffset });
    else if (!same(known.holder, holder)) {
      violations.push({ invariant: 'S7', partition, detail: `epoch ${state.leaderEpoch} has two holders: ${who(known.holder)} and ${who(holder)} (written by ${writer})` });
    }
  }
  return { violations, epochs };
}

/** S8 (single committer per epoch) and the epoch part of S9 (later epochs start above what earlier ones committed). */
export function checkHighWatermarks(epochs: Map<string, Map<number, EpochRecord>>, observations: readonly HighWatermarkObservation[]): WhiteBoxViolation[] {
  const violations: WhiteBoxViolation[] = [];
  /** partition -> epoch -> highest HW reached as leader. */
  const maxHw = new Map<string, Map<number, number>>();
  for (const o of observations) {
    if (!o.asLeader) continue;
    const epoch = epochs.get(o.partition)?.get(o.leaderEpoch);
    if (epoch === undefined || epoch.holder.id !== o.broker || epoch.holder.brokerEpoch !== o.brokerEpoch) {
      violations.push({ invariant: 'S8', partition: o.partition, detail: `broker ${o.broker}/${o.brokerEpoch} advanced the HW to ${o.highWatermark} as leader of epoch ${o.leaderEpoch}, whose holder is ${epoch === undefined ? 'unknown' : who(epoch.holder)}` });
      continue;
    }
    let byEpoch = maxHw.get(o.partition);
    if (byEpoch === undefined) maxHw.set(o.partition, (byEpoch = new Map()));
    byEpoch.set(o.leaderEpoch, Math.max(byEpoch.get(o.leaderEpoch) ?? 0, o.highWatermark));
  }
  for (const [partition, byEpoch] of maxHw) {
    const starts = [...(epochs.get(partition) ?? new Map<number, EpochRecord>())].sort(([a], [b]) => a - b);
    for (const [epoch, hw] of byEpoch) {
      for (const [later, record] of starts) {
        if (later > epoch && record.epochStartOffset < hw) {
          violations.push({ invariant: 'S9', partition, detail: `epoch ${epoch} committed up to ${hw}, but epoch ${later} (holder ${who(record.holder)}) started at log end ${record.epochStartOffset}: committed records are missing from the new leader` });
        }
      }
    }
  }
  return violations;
}

/**
 * S10 as the run goes: `records`, which `broker` holds below its own HW, against `committed`, the
 * record first seen below a HW at each offset of the partition (it learns the offsets it lacks).
 * Committed records never change, so a replica holding another record there diverged from the
 * committed log (a follower that kept records of its own under the leader's, say). Returns the
 * first disagreement.
 */
export function checkCommittedRecords(committed: Map<number, { key: string; broker: number }>, broker: number, partition: string, records: readonly ReplicaRecord[]): WhiteBoxViolation | undefined {
  for (const r of records) {
    const key = `${r.leaderEpoch}:${r.value}`;
    const seen = committed.get(r.offset);
    if (seen === undefined) committed.set(r.offset, { key, broker });
    else if (seen.key !== key) return { invariant: 'S10', partition, detail: `broker ${broker} holds ${key} at offset ${r.offset} below its HW, where broker ${seen.broker} held ${seen.key} below its HW` };
  }
  return undefined;
}

/**
 * S10 and the log part of S9 over the replicas' logs after healing. `committed` is the leader's
 * final high watermark per partition; `leader` names the broker whose log is the reference.
 */
export function checkReplicaLogs(logs: readonly ReplicaLog[], committed: ReadonlyMap<string, { leader: number; highWatermark: number }>): WhiteBoxViolation[] {
  const violations: WhiteBoxViolation[] = [];
  const byPartition = new Map<string, ReplicaLog[]>();
  for (const log of logs) {
    const list = byPartition.get(log.partition);
    if (list === undefined) byPartition.set(log.partition, [log]);
    else list.push(log);
  }
  for (const [partition, replicas] of byPartition) {
    const key = (r: ReplicaRecord): string => `${r.leaderEpoch}:${r.value}`;
    const maps = replicas.map((r) => ({ broker: r.broker, start: r.logStartOffset ?? 0, at: new Map(r.records.map((rec) => [rec.offset, rec])) }));
    // Log matching: find the highest offset where two replicas agree on the epoch; everything below must match.
    for (let i = 0; i < maps.length; i++) {
      for (let j = i + 1; j < maps.length; j++) {
        const a = maps[i]!;
        const b = maps[j]!;
        let agreeUpTo = -1;
        for (const [offset, rec] of a.at) {
          const other = b.at.get(offset);
          if (other !== undefined && other.leaderEpoch === rec.leaderEpoch && offset > agreeUpTo) agreeUpTo = offset;
        }
        const from = Math.max(a.start, b.start);
        const offsets = [...new Set([...a.at.keys(), ...b.at.keys()])].filter((o) => o >= from && o <= agreeUpTo).sort((x, y) => x - y);
        for (const offset of offsets) {
          const ra = a.at.get(offset);
          const rb = b.at.get(offset);
          if (ra === undefined || rb === undefined || key(ra) !== key(rb)) {
            const show = (r: ReplicaRecord | undefined): string => (r === undefined ? 'nothing' : key(r));
            violations.push({ invariant: 'S10', partition, detail: `brokers ${a.broker} and ${b.broker} agree on the epoch at offset ${agreeUpTo} but differ at offset ${offset}: ${show(ra)} vs ${show(rb)}` });
            break;
          }
        }
      }
    }
    const reference = committed.get(partition);
    if (reference === undefined) continue;
    const leader = maps.find((m) => m.broker === reference.leader);
    if (leader === undefined) continue;
    for (const replica of maps) {
      if (replica === leader) continue;
      for (const [offset, rec] of leader.at) {
        if (offset >= reference.highWatermark || offset < replica.start) continue;
        const other = replica.at.get(offset);
        // A replica that has not fetched this far yet is behind, not wrong.
        if (other === undefined && ![...replica.at.keys()].some((o) => o > offset)) break;
        if (other === undefined || key(other) !== key(rec)) {
          violations.push({ invariant: 'S10', partition, detail: `committed offset ${offset} (< HW ${reference.highWatermark}) is ${key(rec)} on leader ${leader.broker} but ${other === undefined ? 'missing' : key(other)} on broker ${replica.broker}` });
          break;
        }
      }
    }
  }
  return violations;
}
