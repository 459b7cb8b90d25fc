import { RunnelError } from '@runnel/protocol';
import type { Assignor } from './assignor.ts';
import { JOINING, reconcileMember, type MemberAssignment } from './member-reconciler.ts';
import { parsePartitionKey, sortPartitionKeys, type PartitionKey } from './partition-key.ts';
import { rangeAssignor } from './range-assignor.ts';
import { uniformAssignor } from './uniform-assignor.ts';

/** The server assignors, the first being the default (Kafka's `group.consumer.assignors`). */
export const ASSIGNORS: readonly Assignor[] = [uniformAssignor, rangeAssignor];

/** Timers of a group, with Kafka's defaults. */
export interface GroupTimers {
  /** @default 45000 (group.consumer.session.timeout.ms) */
  readonly sessionTimeoutMs: number;
  /** @default 5000 (group.consumer.heartbeat.interval.ms) */
  readonly heartbeatIntervalMs: number;
}

export const DEFAULT_GROUP_TIMERS: GroupTimers = Object.freeze({ sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5_000 });

/** Member epochs with a meaning of their own in a heartbeat. */
export const JOIN_EPOCH = 0;
export const LEAVE_EPOCH = -1;
export const STATIC_LEAVE_EPOCH = -2;

/** One consumer group heartbeat (KIP-848 `ConsumerGroupHeartbeat`). */
export interface HeartbeatRequest {
  /** Chosen by the client: a UUID kept for the life of the consumer. */
  readonly memberId: string;
  /** 0 joins, −1 leaves, −2 leaves for a while (static members), otherwise the current epoch. */
  readonly memberEpoch: number;
  /** Static membership: the same id (e.g. the pod name) rejoins without a rebalance. */
  readonly instanceId?: string;
  /** Topic names subscribed to; with `pattern`, neither is set. Omitted: unchanged. */
  readonly topics?: readonly string[];
  /** A regular expression over topic names; omitted: unchanged. */
  readonly pattern?: string;
  /** The partitions the member owns now; omitted: unknown (it is assumed to own what it was given). */
  readonly ownedPartitions?: readonly PartitionKey[];
  /** How long the member may take to revoke partitions. @default 300000 (max.poll.interval.ms) */
  readonly rebalanceTimeoutMs?: number;
  /** A server assignor by name; omitted: the group's default. */
  readonly assignor?: string;
}

/** The coordinator's answer to a heartbeat. */
export interface HeartbeatResponse {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  /** The full set of partitions the member may consume now; `undefined` when unchanged. */
  readonly assignment: PartitionKey[] | undefined;
}

/** A member as the group keeps it. */
export interface GroupMember {
  readonly memberId: string;
  readonly instanceId: string | undefined;
  readonly topics: ReadonlySet<string>;
  /** A subscription by pattern: the text as the client sent it, and its anchored form. */
  readonly pattern: SubscriptionPattern | undefined;
  readonly assignor: string | undefined;
  readonly rebalanceTimeoutMs: number;
  readonly lastHeartbeatMs: number;
  /** Set while the member is revoking: past it, the member is fenced. */
  readonly revocationDeadlineMs: number | undefined;
  /** A static member that left with epoch −2 and may come back within the session timeout. */
  readonly away: boolean;
  readonly assignment: MemberAssignment;
  /** The partitions last sent to the member (joined keys), to send only changes. */
  readonly lastSent: string;
}

/** Why a member was removed by {@link ConsumerGroup.expire}. */
export interface ExpiredMember {
  readonly memberId: string;
  readonly reason: 'session-timeout' | 'rebalance-timeout';
}

const MAX_REBALANCE_TIMEOUT_MS = 30 * 60_000;

/** A group's durable state, in the shape its records store it (group-records.ts). */
export interface GroupSnapshot {
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly topicsHash: string;
  readonly members: readonly MemberSnapshot[];
  /** Target assignment per member id. */
  readonly targets: ReadonlyMap<string, readonly PartitionKey[]>;
}

/** One member's durable state. */
export interface MemberSnapshot {
  readonly memberId: string;
  readonly instanceId: string | undefined;
  readonly topics: readonly string[];
  readonly pattern: string | undefined;
  readonly assignor: string | undefined;
  readonly rebalanceTimeoutMs: number;
  readonly away: boolean;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberAssignment['state'];
  readonly assigned: ReadonlyArray<readonly [PartitionKey, number]>;
  readonly pendingRevocation: ReadonlyArray<readonly [PartitionKey, number]>;
}

/**
 * The coordinator's state machine for one consumer group (KIP-848), kept pure: no I/O, no
 * timers, time passed in. The coordinator persists what changes and answers once it is committed.
 *
 * Epochs: the *group epoch* is bumped whenever a new assignment is needed (a member joins or
 * leaves, a subscription changes, a subscribed topic gains partitions); the *target assignment* is
 * computed for it (its epoch is the *assignment epoch*); each member then converges to its target
 * one heartbeat at a time, revoking before anything is assigned elsewhere ({@link reconcileMember}).
 */
export class ConsumerGroup {
  readonly groupId: string;
  readonly #timers: GroupTimers;
  #groupEpoch = 0;
  #assignmentEpoch = 0;
  #target = new Map<string, Set<PartitionKey>>();
  #topicsHash = '';
  readonly #members = new Map<string, GroupMember>();
  /** Owner of every partition that some member holds (assigned or pending revocation). */
  readonly #owners = new Map<PartitionKey, string>();

  constructor(groupId: string, timers: Partial<GroupTimers> = {}) {
    this.groupId = groupId;
    this.#timers = { ...DEFAULT_GROUP_TIMERS, ...timers };
  }

  /** The durable state (what a new coordinator needs to carry on). */
  snapshot(): GroupSnapshot {
    return {
      groupEpoch: this.#groupEpoch,
      assignmentEpoch: this.#assignmentEpoch,
      topicsHash: this.#topicsHash,
      members: this.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        topics: [...m.topics].sort(),
        pattern: m.pattern?.text,
        assignor: m.assignor,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        away: m.away,
        memberEpoch: m.assignment.memberEpoch,
        previousMemberEpoch: m.assignment.previousMemberEpoch,
        state: m.assignment.state,
        assigned: sortPartitionKeys(m.assignment.assigned.keys()).map((k) => [k, m.assignment.assigned.get(k)!] as const),
        pendingRevocation: sortPartitionKeys(m.assignment.pendingRevocation.keys()).map((k) => [k, m.assignment.pendingRevocation.get(k)!] as const),
      })),
      targets: new Map([...this.#target].map(([id, keys]) => [id, sortPartitionKeys(keys)])),
    };
  }

  /**
   * A group rebuilt from its durable state, as a new coordinator does after a failover. Every
   * member gets a fresh session from `nowMs` (it may not have reached the new coordinator yet), and
   * its next heartbeat is answered with its full assignment.
   */
  static restore(groupId: string, snapshot: GroupSnapshot, nowMs: number, timers: Partial<GroupTimers> = {}): ConsumerGroup {
    const group = new ConsumerGroup(groupId, timers);
    group.#groupEpoch = snapshot.groupEpoch;
    group.#assignmentEpoch = snapshot.assignmentEpoch;
    group.#topicsHash = snapshot.topicsHash;
    for (const [id, keys] of snapshot.targets) group.#target.set(id, new Set(keys));
    for (const m of snapshot.members) {
      const assignment: MemberAssignment = {
        memberEpoch: m.memberEpoch,
        previousMemberEpoch: m.previousMemberEpoch,
        state: m.state,
        assigned: new Map(m.assigned),
        pendingRevocation: new Map(m.pendingRevocation),
      };
      group.#members.set(m.memberId, {
        memberId: m.memberId,
        instanceId: m.instanceId,
        topics: new Set(m.topics),
        pattern: m.pattern === undefined ? undefined : compilePattern(m.pattern, groupId),
        assignor: m.assignor,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        lastHeartbeatMs: nowMs,
        revocationDeadlineMs: m.state === 'UNREVOKED_PARTITIONS' ? nowMs + m.rebalanceTimeoutMs : undefined,
        away: m.away,
        assignment,
        lastSent: '\u0000',
      });
      for (const [k] of [...m.assigned, ...m.pendingRevocation]) group.#owners.set(k, m.memberId);
    }
    return group;
  }

  get groupEpoch(): number {
    return this.#groupEpoch;
  }

  get assignmentEpoch(): number {
    return this.#assignmentEpoch;
  }

  /** The members, in join order. */
  get members(): readonly GroupMember[] {
    return [...this.#members.values()];
  }

  /** `Empty` with no members, `Stable` when every member has reached the target, else `Reconciling`. */
  get state(): 'Empty' | 'Reconciling' | 'Stable' {
    if (this.#members.size === 0) return 'Empty';
    for (const m of this.#members.values()) if (m.assignment.memberEpoch !== this.#assignmentEpoch || m.assignment.state !== 'STABLE') return 'Reconciling';
    return this.#assignmentEpoch === this.#groupEpoch ? 'Stable' : 'Reconciling';
  }

  /** The member that owns `key` now (assigned, or still revoking it), if any. */
  ownerOf(key: PartitionKey): string | undefined {
    return this.#owners.get(key);
  }

  /** The target assignment of a member (what it converges to). */
  targetOf(memberId: string): ReadonlySet<PartitionKey> {
    return this.#target.get(memberId) ?? new Set();
  }

  /**
   * Handles one heartbeat. `topics` maps every existing topic to its partition count.
   * @throws RunnelError UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, UNRELEASED_INSTANCE_ID,
   *   UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION, INVALID_REQUEST
   */
  heartbeat(request: HeartbeatRequest, nowMs: number, topics: ReadonlyMap<string, number>): HeartbeatResponse {
    if (request.memberId === '') throw new RunnelError('INVALID_REQUEST', `Cannot heartbeat in group ${this.groupId}: member id is empty (the client chooses one, e.g. a UUID)`);
    if (request.assignor !== undefined && !ASSIGNORS.some((a) => a.name === request.assignor)) {
      throw new RunnelError('UNSUPPORTED_ASSIGNOR', `Cannot use assignor ${request.assignor} in group ${this.groupId}: the server assignors are ${ASSIGNORS.map((a) => a.name).join(', ')}`);
    }
    const pattern = request.pattern === undefined ? undefined : compilePattern(request.pattern, this.groupId);
    if (request.memberEpoch === LEAVE_EPOCH || request.memberEpoch === STATIC_LEAVE_EPOCH) return this.#leave(request, nowMs);

    let member = this.#members.get(request.memberId);
    if (request.memberEpoch === JOIN_EPOCH) member = this.#join(request, nowMs, member);
    else if (member === undefined) {
      throw new RunnelError('UNKNOWN_MEMBER_ID', `Member ${request.memberId} is not in group ${this.groupId}; rejoin with epoch 0`);
    } else this.#checkEpoch(member, request);

    member = this.#updateSubscription(member, request, pattern, nowMs);
    this.#refreshTarget(topics);
    return this.#reconcile(member, request, nowMs);
  }

  /**
   * Removes members whose session expired or who did not revoke within their rebalance timeout;
   * their partitions become free. Call it as time passes.
   */
  expire(nowMs: number): ExpiredMember[] {
    const expired: ExpiredMember[] = [];
    for (const m of this.#members.values()) {
      if (nowMs - m.lastHeartbeatMs > this.#timers.sessionTimeoutMs) expired.push({ memberId: m.memberId, reason: 'session-timeout' });
      else if (m.revocationDeadlineMs !== undefined && nowMs > m.revocationDeadlineMs) expired.push({ memberId: m.memberId, reason: 'rebalance-timeout' });
    }
    for (const e of expired) this.#remove(e.memberId);
    return expired;
  }

  /**
   * KIP-1251 offset-commit fencing for one partition: the commit is accepted only when
   * `assignmentEpoch(p) ≤ memberEpoch ≤ the member's current epoch`. A member epoch of −1 (an
   * admin or a manually assigned consumer) may commit only while the group has no members.
   * @returns undefined when accepted, else the error.
   */
  validateCommit(memberId: string, memberEpoch: number, key: PartitionKey): RunnelError | undefined {
    if (memberEpoch === LEAVE_EPOCH && memberId === '') {
      return this.#members.size === 0 ? undefined : new RunnelError('NON_EMPTY_GROUP', `Cannot commit to group ${this.groupId} without a member id: the group has ${this.#members.size} member(s)`);
    }
    const member = this.#members.get(memberId);
    if (member === undefined) return new RunnelError('UNKNOWN_MEMBER_ID', `Cannot commit for member ${memberId}: it is not in group ${this.groupId}`);
    if (memberEpoch > member.assignment.memberEpoch) {
      return new RunnelError('FENCED_MEMBER_EPOCH', `Cannot commit for member ${memberId} of group ${this.groupId}: epoch ${memberEpoch} is newer than its current epoch ${member.assignment.memberEpoch}`);
    }
    const assignedAt = member.assignment.assigned.get(key) ?? member.assignment.pendingRevocation.get(key);
    if (assignedAt === undefined) {
      const { topic, partition } = parsePartitionKey(key);
      return new RunnelError('UNASSIGNED_PARTITION', `Cannot commit ${topic}-${partition} for member ${memberId} of group ${this.groupId}: the member does not own it`);
    }
    if (memberEpoch < assignedAt) {
      return new RunnelError('STALE_MEMBER_EPOCH', `Cannot commit ${key} for member ${memberId}: epoch ${memberEpoch} is older than the epoch ${assignedAt} the partition was assigned at`);
    }
    return undefined;
  }

  #join(request: HeartbeatRequest, nowMs: number, existing: GroupMember | undefined): GroupMember {
    if (existing !== undefined) this.#remove(existing.memberId); // a rejoin at epoch 0 starts over
    const instanceId = request.instanceId;
    if (instanceId !== undefined) {
      const holder = this.members.find((m) => m.instanceId === instanceId);
      if (holder !== undefined) {
        if (!holder.away) {
          throw new RunnelError('UNRELEASED_INSTANCE_ID', `Cannot join group ${this.groupId} as instance ${instanceId}: member ${holder.memberId} still holds it`);
        }
        // A static member coming back within its session: it inherits the old member's epoch and
        // assignment under its new member id, and nobody else is rebalanced.
        this.#members.delete(holder.memberId);
        const member: GroupMember = { ...holder, memberId: request.memberId, away: false, lastHeartbeatMs: nowMs, lastSent: '\u0000' };
        this.#members.set(member.memberId, member);
        for (const key of [...member.assignment.assigned.keys(), ...member.assignment.pendingRevocation.keys()]) this.#owners.set(key, member.memberId);
        const target = this.#target.get(holder.memberId);
        this.#target.delete(holder.memberId);
        if (target !== undefined) this.#target.set(member.memberId, target);
        return member;
      }
    }
    const member: GroupMember = {
      memberId: request.memberId,
      instanceId,
      topics: new Set(),
      pattern: undefined,
      assignor: undefined,
      rebalanceTimeoutMs: clampRebalanceTimeout(request.rebalanceTimeoutMs),
      lastHeartbeatMs: nowMs,
      revocationDeadlineMs: undefined,
      away: false,
      assignment: JOINING,
      lastSent: '\u0000', // never equal to a real assignment, so the first response carries one
    };
    this.#members.set(member.memberId, member);
    this.#groupEpoch++;
    return member;
  }

  #checkEpoch(member: GroupMember, request: HeartbeatRequest): void {
    const { memberEpoch, previousMemberEpoch, assigned } = member.assignment;
    if (request.memberEpoch === memberEpoch) return;
    // A member whose last (bumped) response was lost retries with its previous epoch; that is
    // accepted as long as it owns nothing it was not given.
    const owned = request.ownedPartitions ?? [];
    if (request.memberEpoch < memberEpoch && request.memberEpoch === previousMemberEpoch && owned.every((k) => assigned.has(k))) return;
    // Fenced, but not removed: the member may still be consuming until this answer reaches it, so
    // its partitions stay its own until it rejoins with epoch 0 (after dropping them) or its
    // session expires, as Kafka's coordinator does. Removing it here handed its partitions to
    // another member while it still read them (found by test/sim/group).
    throw new RunnelError(
      'FENCED_MEMBER_EPOCH',
      `Member ${member.memberId} of group ${this.groupId} sent epoch ${request.memberEpoch}, but its epoch is ${memberEpoch}: it lost its partitions and must rejoin with epoch 0`,
    );
  }

  #leave(request: HeartbeatRequest, nowMs: number): HeartbeatResponse {
    const member = this.#members.get(request.memberId);
    if (member !== undefined) {
      if (request.memberEpoch === STATIC_LEAVE_EPOCH && member.instanceId !== undefined) {
        // Keeps its assignment for the session timeout, so a restarted pod resumes without a rebalance.
        this.#members.set(member.memberId, { ...member, away: true, lastHeartbeatMs: nowMs });
      } else this.#remove(member.memberId);
    }
    return { memberId: request.memberId, memberEpoch: request.memberEpoch, heartbeatIntervalMs: this.#timers.heartbeatIntervalMs, assignment: undefined };
  }

  #remove(memberId: string): void {
    const member = this.#members.get(memberId);
    if (member === undefined) return;
    this.#members.delete(memberId);
    this.#target.delete(memberId);
    for (const [key, owner] of this.#owners) if (owner === memberId) this.#owners.delete(key);
    this.#groupEpoch++;
  }

  #updateSubscription(member: GroupMember, request: HeartbeatRequest, pattern: SubscriptionPattern | undefined, nowMs: number): GroupMember {
    let next: GroupMember = { ...member, lastHeartbeatMs: nowMs };
    if (request.rebalanceTimeoutMs !== undefined) next = { ...next, rebalanceTimeoutMs: clampRebalanceTimeout(request.rebalanceTimeoutMs) };
    let changed = false;
    if (request.topics !== undefined && !sameSet(member.topics, request.topics)) {
      next = { ...next, topics: new Set(request.topics), pattern: undefined };
      changed = true;
    }
    if (pattern !== undefined && pattern.text !== member.pattern?.text) {
      next = { ...next, pattern, topics: new Set() };
      changed = true;
    }
    if (request.assignor !== undefined && request.assignor !== member.assignor) {
      next = { ...next, assignor: request.assignor };
      changed = true;
    }
    if (changed) this.#groupEpoch++;
    this.#members.set(next.memberId, next);
    return next;
  }

  /** Recomputes the target when the group epoch moved past it, or a subscribed topic changed. */
  #refreshTarget(topics: ReadonlyMap<string, number>): void {
    const subscribed = new Map<string, number>();
    const resolved = new Map<string, Set<string>>();
    for (const m of this.#members.values()) {
      const names = m.pattern === undefined ? m.topics : new Set([...topics.keys()].filter((t) => m.pattern!.regex.test(t)));
      resolved.set(m.memberId, new Set(names));
      for (const t of names) if (topics.has(t)) subscribed.set(t, topics.get(t)!);
    }
    const hash = JSON.stringify([...subscribed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (hash !== this.#topicsHash) {
      this.#topicsHash = hash;
      this.#groupEpoch++;
    }
    if (this.#assignmentEpoch === this.#groupEpoch) return;
    const assignor = this.#assignor();
    this.#target = assignor.assign({
      topics: subscribed,
      members: this.members.map((m) => ({ memberId: m.memberId, topics: resolved.get(m.memberId)!, previous: this.#target.get(m.memberId) ?? new Set() })),
    });
    this.#assignmentEpoch = this.#groupEpoch;
  }

  /** The assignor most members asked for (ties by name), or the default. */
  #assignor(): Assignor {
    const votes = new Map<string, number>();
    for (const m of this.#members.values()) if (m.assignor !== undefined) votes.set(m.assignor, (votes.get(m.assignor) ?? 0) + 1);
    let best: string | undefined;
    for (const [name, n] of votes) if (best === undefined || n > votes.get(best)! || (n === votes.get(best)! && name < best)) best = name;
    return ASSIGNORS.find((a) => a.name === best) ?? ASSIGNORS[0]!;
  }

  #reconcile(member: GroupMember, request: HeartbeatRequest, nowMs: number): HeartbeatResponse {
    const owned = request.ownedPartitions === undefined ? undefined : new Set(request.ownedPartitions);
    const before = member.assignment;
    const after = reconcileMember(before, {
      target: this.#target.get(member.memberId) ?? new Set(),
      targetEpoch: this.#assignmentEpoch,
      ownedByClient: owned,
      ownedByOther: (key) => {
        const owner = this.#owners.get(key);
        return owner !== undefined && owner !== member.memberId;
      },
    });
    for (const key of [...before.assigned.keys(), ...before.pendingRevocation.keys()]) if (this.#owners.get(key) === member.memberId) this.#owners.delete(key);
    for (const key of [...after.assigned.keys(), ...after.pendingRevocation.keys()]) this.#owners.set(key, member.memberId);
    const revoking = after.state === 'UNREVOKED_PARTITIONS';
    const deadline = revoking ? (before.state === 'UNREVOKED_PARTITIONS' ? member.revocationDeadlineMs : nowMs + member.rebalanceTimeoutMs) : undefined;
    const assignment = sortPartitionKeys(after.assigned.keys());
    const sent = assignment.join(',');
    // Sent again whenever the member may not have it: it changed, the member answers with another
    // epoch (its last response may have been lost), or it reports owning something else.
    const resend =
      sent !== member.lastSent ||
      request.memberEpoch !== before.memberEpoch ||
      (owned !== undefined && (owned.size !== after.assigned.size || [...owned].some((k) => !after.assigned.has(k))));
    this.#members.set(member.memberId, { ...member, assignment: after, revocationDeadlineMs: deadline, lastSent: sent });
    return {
      memberId: member.memberId,
      memberEpoch: after.memberEpoch,
      heartbeatIntervalMs: this.#timers.heartbeatIntervalMs,
      assignment: resend ? assignment : undefined,
    };
  }
}

/** A subscription regex: the client's text, and the anchored RegExp matched against topic names. */
export interface SubscriptionPattern {
  readonly text: string;
  readonly regex: RegExp;
}

function compilePattern(source: string, groupId: string): SubscriptionPattern {
  try {
    // Anchored: a subscription pattern names whole topics, as Kafka's does.
    return { text: source, regex: new RegExp(`^(?:${source})$`, 'u') };
  } catch (err) {
    throw new RunnelError('INVALID_REGULAR_EXPRESSION', `Cannot subscribe group ${groupId} to /${source}/: ${(err as Error).message}`, { cause: err });
  }
}

function clampRebalanceTimeout(ms: number | undefined): number {
  if (ms === undefined) return 300_000;
  return Math.min(Math.max(ms, 1), MAX_REBALANCE_TIMEOUT_MS);
}

function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === new Set(b).size && b.every((x) => a.has(x));
}
