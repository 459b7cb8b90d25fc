/**
 * The consumer-group simulation: the real `GroupCoordinator` of `@runnel/broker` (and, through it,
 * `ConsumerGroup` and the group-records replay) on a simulated `__consumer_offsets` partition,
 * driven by simulated members under the seeded scheduler. One seed decides every delay, lost
 * reply, member crash and coordinator failover.
 *
 * Faults: lost heartbeat/commit replies (the request was applied), slow requests, member crashes
 * (kill -9: the member's pending events never run) and restarts under a new member id, and
 * coordinator failovers: the offsets partition's leadership moves to the other broker with a new
 * leader epoch (sometimes on a fresh coordinator object, as after a broker restart), appends in
 * flight at the old leader fail, and the new coordinator rebuilds from the committed records; and
 * offsets appends that commit but answer a timeout (the coordinator drops its state and reloads).
 * Members cache their coordinator and look it up again after an error or a timeout.
 *
 * Checks (issue 11):
 * - G1: no partition is owned by two members at once, in the coordinator's view (every committed
 *   prefix of the offsets log, replayed: assigned and pending revocation disjoint) and in the
 *   members' view (a member takes a partition only when no live member holds it);
 * - G2: a partition's committed offset (replayed from the committed log) never goes backwards;
 * - G3: after healing, every acknowledged record was delivered to some member at least once;
 * - G4: every committed offset covers only processed records (commit after processing).
 *
 * `plant` swaps in a known bug in the simulated members so a test can show each check fails.
 */
import { RunnelError } from '@runnel/protocol';
import { GroupCoordinator, type OffsetsLog } from '../../../packages/broker/src/group/group-coordinator.ts';
import { replayGroupRecords, type GroupRecord } from '../../../packages/broker/src/group/group-records.ts';
import { parsePartitionKey, partitionKey, type PartitionKey } from '../../../packages/broker/src/group/partition-key.ts';
import { SimRandom } from '../harness/sim-random.ts';
import { SimProcess, SimScheduler, type SimTimer } from '../harness/sim-scheduler.ts';

/** A bug planted in the members, to show a check can fail. */
export type GroupPlant =
  | 'none'
  /** G1: a revoked partition is reported released but kept and consumed. */
  | 'keep-revoked'
  /** G2: a member commits offset 0 for a partition it takes, whatever was committed. */
  | 'commit-zero-on-take'
  /** G3: a member starts a partition it takes at the log end, skipping what was committed. */
  | 'start-at-end'
  /** G4: a member commits one record past what it processed. */
  | 'commit-ahead'
  /**
   * G1 (coordinator view): a deposed offsets leader is never fenced: it keeps its leader epoch and
   * its appends still commit, so members that still talk to it are served by a second coordinator.
   */
  | 'unfenced-old-leader';

export interface GroupSimOptions {
  readonly seed: number;
  readonly plant?: GroupPlant;
  /** Virtual ms of faults before healing. @default 8000 */
  readonly faultMs?: number;
  /** Offsets appends that commit but answer a timeout (unknown outcome). @default true */
  readonly appendTimeouts?: boolean;
  /** Receives a line per member and coordinator event (for replaying a failing seed). */
  readonly trace?: (line: string) => void;
}

export interface GroupSimResult {
  readonly seed: number;
  readonly violations: string[];
  readonly counts: {
    g1CoordinatorChecks: number;
    g1MemberTakes: number;
    g2Commits: number;
    g3Records: number;
    g4Commits: number;
    failovers: number;
    appendTimeouts: number;
    memberCrashes: number;
    lostReplies: number;
    heartbeats: number;
    commitsAccepted: number;
  };
}

const GROUP = 'sim-group';
const TOPIC = 't';
const PARTITIONS = 6;
const MEMBERS = 3;
const BROKERS = 2;
const TIMERS = { sessionTimeoutMs: 1_000, heartbeatIntervalMs: 100 };
const RPC_TIMEOUT_MS = 150;

/** Runs one seed and returns what each check observed. */
export async function runGroupSimulation(options: GroupSimOptions): Promise<GroupSimResult> {
  const plant = options.plant ?? 'none';
  const faultMs = options.faultMs ?? 8_000;
  const random = new SimRandom(options.seed);
  const scheduler = new SimScheduler(random.fork());
  const net = random.fork();
  const faults = random.fork();
  const violations: string[] = [];
  const counts = { g1CoordinatorChecks: 0, g1MemberTakes: 0, g2Commits: 0, g3Records: 0, g4Commits: 0, failovers: 0, appendTimeouts: 0, memberCrashes: 0, lostReplies: 0, heartbeats: 0, commitsAccepted: 0 };
  const perCheck = new Map<string, number>();
  /** Records a violation (the first 5 of each check, so one check cannot hide another). */
  const violate = (what: string): void => {
    const check = what.slice(0, what.indexOf(':'));
    const n = perCheck.get(check) ?? 0;
    perCheck.set(check, n + 1);
    if (n < 5) violations.push(`t=${scheduler.now}: ${what}`);
  };
  let healed = false;
  const trace = (line: string): void => options.trace?.(`t=${scheduler.now} ${line}`);

  // --- the topic: records produced with acks (in memory: acknowledged once appended) ---
  const topic: number[][] = Array.from({ length: PARTITIONS }, () => []);
  let nextValue = 0;
  const processed: Array<Set<number>> = Array.from({ length: PARTITIONS }, () => new Set());

  // --- the offsets partition: committed records, leader broker and epoch ---
  const committed: GroupRecord[] = [];
  let leader = 0;
  let leaderEpoch = 1;
  /** The epoch each broker last led with (the plant unfenced-old-leader lets it keep using it). */
  const ledWith = new Map<number, number>([[0, 1]]);
  let lastOffsets = new Map<PartitionKey, number>();
  const checkCommittedPrefix = (): void => {
    const replayed = replayGroupRecords(committed, scheduler.now, TIMERS);
    const group = replayed.groups.get(GROUP);
    if (group !== undefined) {
      counts.g1CoordinatorChecks++;
      const owner = new Map<PartitionKey, string>();
      for (const m of group.snapshot().members) {
        for (const [key] of [...m.assigned, ...m.pendingRevocation]) {
          const other = owner.get(key);
          if (other !== undefined && other !== m.memberId) violate(`G1 coordinator: ${key} owned by ${other} and ${m.memberId}`);
          owner.set(key, m.memberId);
        }
      }
    }
    const offsets = replayed.offsets.get(GROUP) ?? new Map();
    for (const [key, c] of offsets) {
      const before = lastOffsets.get(key);
      if (before !== undefined && c.offset !== before) counts.g2Commits++;
      if (before !== undefined && c.offset < before) violate(`G2: committed offset of ${key} went back from ${before} to ${c.offset}`);
      if (before !== c.offset) {
        counts.g4Commits++;
        const { partition } = parsePartitionKey(key);
        for (let o = 0; o < c.offset; o++) if (!processed[partition]!.has(o)) violate(`G4: ${key} committed at ${c.offset} but offset ${o} was never processed`);
      }
    }
    lastOffsets = new Map([...offsets].map(([k, c]) => [k, c.offset]));
  };
  const logFor = (broker: number): OffsetsLog => ({
    partitionCount: () => 1,
    leaderEpoch: () =>
      plant === 'unfenced-old-leader' && ledWith.has(broker)
        ? ledWith.get(broker)!
        : (leader === broker ? leaderEpoch : new RunnelError('NOT_LEADER', `broker ${broker} does not lead the offsets partition`, { leaderHint: leader })),
    append: (_p, records) =>
      new Promise((resolve, reject) => {
        const epoch = leaderEpoch;
        scheduler.schedule(net.int(1, 20), undefined, 'offsets append', () => {
          if (plant !== 'unfenced-old-leader' && (leader !== broker || leaderEpoch !== epoch)) {
            reject(new RunnelError('NOT_LEADER', `broker ${broker} lost the offsets partition before the append committed`));
            return;
          }
          committed.push(...records);
          trace(`broker ${broker} appended ${records.map((r) => `${r.key}=${r.value}`).join(' ')}`);
          checkCommittedPrefix();
          // Unknown outcome: committed, but the coordinator hears a timeout (it must rebuild from the log).
          if (!healed && options.appendTimeouts !== false && faults.chance(0.03)) {
            counts.appendTimeouts++;
            trace('append timeout');
            reject(new RunnelError('REQUEST_TIMED_OUT', 'the offsets append timed out after it committed'));
            return;
          }
          resolve();
        });
      }),
    readAll: () => Promise.resolve([...committed]),
  });
  const topics = (): ReadonlyMap<string, number> => new Map([[TOPIC, PARTITIONS]]);
  const makeCoordinator = (broker: number): GroupCoordinator =>
    new GroupCoordinator({ log: logFor(broker), topics, now: () => scheduler.now, timers: TIMERS });
  const coordinators = Array.from({ length: BROKERS }, (_, b) => makeCoordinator(b));
  const tickAll = (): void => {
    for (const c of coordinators) c.tick();
    scheduler.schedule(100, undefined, 'coordinator tick', tickAll);
  };
  tickAll();

  // --- members ---
  const holders = new Map<number, string>();
  const live = new Set<string>();
  const take = (p: number, memberId: string): void => {
    counts.g1MemberTakes++;
    trace(`${memberId} takes ${p}`);
    const other = holders.get(p);
    if (other !== undefined && other !== memberId && live.has(other)) violate(`G1 members: ${memberId} took ${TOPIC}-${p} while ${other} still holds it`);
    holders.set(p, memberId);
  };
  const release = (p: number, memberId: string): void => {
    trace(`${memberId} releases ${p}`);
    if (holders.get(p) === memberId) holders.delete(p);
  };

  /** One RPC from a member process to a broker's coordinator: FIFO per member, a lost reply times out. */
  const rpc = <T>(proc: SimProcess, link: { lastAt: number; coordinator: number }, fn: (c: GroupCoordinator) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const target = link.coordinator; // found with FindCoordinator, cached until an error
      const at = Math.max(link.lastAt, scheduler.now + net.int(1, 30));
      link.lastAt = at;
      let done = false;
      const timer = scheduler.schedule(RPC_TIMEOUT_MS + 60, proc, 'rpc timeout', () => {
        if (done) return;
        done = true;
        link.coordinator = leader;
        reject(new Error('timeout'));
      });
      scheduler.schedule(at - scheduler.now, undefined, 'rpc request', () => {
        fn(coordinators[target]!).then(
          (value) => reply(() => resolve(value)),
          (err: unknown) => reply(() => ((link.coordinator = leader), reject(err))),
        );
      });
      const reply = (settle: () => void): void => {
        if (!healed && net.chance(0.08)) {
          counts.lostReplies++;
          return;
        }
        scheduler.schedule(net.int(1, 30), proc, 'rpc reply', () => {
          if (done) return;
          done = true;
          timer.cancel();
          settle();
        });
      };
    });

  let memberSerial = 0;
  const startMember = (slot: number): void => {
    const memberId = `m${slot}-${memberSerial++}`;
    const proc = new SimProcess(memberId, 1);
    live.add(memberId);
    const link = { lastAt: 0, coordinator: leader };
    let id = memberId;
    let epoch = 0;
    const owned = new Map<number, number>(); // partition -> next offset to process
    const ghosts = new Set<number>(); // plant keep-revoked: kept without saying so
    let watchdog: SimTimer | undefined;
    let commitChain: Promise<unknown> = Promise.resolve();

    const dropAll = (): void => {
      for (const p of owned.keys()) release(p, id);
      owned.clear();
      for (const p of ghosts) release(p, id);
      ghosts.clear();
    };
    const rejoin = (): void => {
      dropAll();
      live.delete(id);
      id = `${memberId}.${memberSerial++}`;
      live.add(id);
      epoch = 0;
    };
    const commit = (parts: number[]): Promise<unknown> => {
      const offsets = parts.filter((p) => owned.has(p)).map((p) => ({ topic: TOPIC, partition: p, offset: owned.get(p)! + (plant === 'commit-ahead' ? 1 : 0), leaderEpoch: -1, metadata: '' }));
      if (offsets.length === 0) return commitChain;
      const memberEpoch = epoch;
      const who = id;
      commitChain = commitChain
        .then(() => rpc(proc, link, (c) => c.commitOffsets(GROUP, who, memberEpoch, offsets)))
        .then((errors) => (counts.commitsAccepted += errors.filter((e) => e === undefined).length))
        .catch(() => undefined);
      return commitChain;
    };

    const heartbeatLoop = async (): Promise<void> => {
      for (;;) {
        const sentAt = scheduler.now;
        const sentAs = id;
        counts.heartbeats++;
        try {
          const resp = await rpc(proc, link, (c) =>
            c.heartbeat(GROUP, { memberId: id, memberEpoch: epoch, topics: [TOPIC], ownedPartitions: [...owned.keys()].map((p) => partitionKey(TOPIC, p)) }),
          );
          trace(`${sentAs} heartbeat sent at ${sentAt}: epoch ${resp.memberEpoch} assignment ${resp.assignment?.join(',') ?? '-'}`);
          if (id !== sentAs) continue; // the watchdog gave this member id up meanwhile
          // Our session lasts at most sessionTimeout from this send: give everything up before then.
          watchdog?.cancel();
          watchdog = scheduler.schedule(sentAt + TIMERS.sessionTimeoutMs - 1 - scheduler.now, proc, 'session watchdog', rejoin);
          epoch = resp.memberEpoch;
          if (resp.assignment !== undefined) {
            const target = new Set(resp.assignment.map((k) => parsePartitionKey(k).partition));
            const revoked = [...owned.keys()].filter((p) => !target.has(p));
            if (revoked.length > 0) {
              if (plant === 'keep-revoked') {
                for (const p of revoked) {
                  ghosts.add(p);
                  owned.delete(p);
                }
              } else {
                await commit(revoked);
                for (const p of revoked) {
                  owned.delete(p);
                  release(p, id);
                }
              }
            }
            const added = [...target].filter((p) => !owned.has(p));
            if (added.length > 0) {
              const fetched = await rpc(proc, link, (c) => c.fetchOffsets(GROUP, added.map((p) => ({ topic: TOPIC, partition: p }))));
              for (const f of fetched) {
                if (owned.has(f.partition) || !target.has(f.partition)) continue;
                take(f.partition, id);
                ghosts.delete(f.partition);
                owned.set(f.partition, plant === 'start-at-end' ? topic[f.partition]!.length : Math.max(0, f.offset));
              }
              if (plant === 'commit-zero-on-take') {
                const saved = new Map(owned);
                for (const p of added) if (owned.has(p)) owned.set(p, 0);
                await commit(added);
                for (const [p, o] of saved) if (owned.has(p)) owned.set(p, o);
              }
            }
          }
        } catch (err) {
          trace(`${sentAs} heartbeat sent at ${sentAt} failed: ${String(err)}`);
          if (id !== sentAs) continue;
          const code = err instanceof RunnelError ? err.code : 'TIMEOUT';
          if (code !== 'TIMEOUT' && code !== 'NOT_COORDINATOR' && code !== 'COORDINATOR_NOT_AVAILABLE') {
            watchdog?.cancel();
            rejoin();
          }
        }
        await sleep(proc, TIMERS.heartbeatIntervalMs);
      }
    };
    let ticks = 0;
    const processLoop = (): void => {
      for (const [p, next] of owned) {
        if (next < topic[p]!.length) {
          processed[p]!.add(next);
          owned.set(p, next + 1);
        }
      }
      if (++ticks % 10 === 0) void commit([...owned.keys()]);
      scheduler.schedule(20, proc, 'process', processLoop);
    };
    void heartbeatLoop();
    scheduler.schedule(20, proc, 'process', processLoop);
    members[slot] = { proc, ids: () => id, dropAll, owned };
  };
  const sleep = (proc: SimProcess, ms: number): Promise<void> => new Promise((r) => scheduler.schedule(ms, proc, 'sleep', r));
  const members: Array<{ proc: SimProcess; ids: () => string; dropAll: () => void; owned: Map<number, number> }> = [];
  for (let s = 0; s < MEMBERS; s++) startMember(s);

  // --- producer ---
  const produce = (): void => {
    if (!healed || scheduler.now < faultMs + 500) {
      const p = net.int(0, PARTITIONS - 1);
      topic[p]!.push(nextValue++);
      scheduler.schedule(net.int(5, 40), undefined, 'produce', produce);
    }
  };
  produce();

  // --- faults ---
  const nemesis = (): void => {
    if (scheduler.now >= faultMs) return;
    const kind = faults.int(0, 2);
    if (kind === 0) {
      counts.failovers++;
      trace('failover');
      const next = (leader + 1) % BROKERS;
      if (faults.chance(0.5)) coordinators[next] = makeCoordinator(next); // the broker restarted
      leader = next;
      leaderEpoch++;
      ledWith.set(next, leaderEpoch);
    } else if (kind === 1) {
      counts.memberCrashes++;
      const slot = faults.int(0, MEMBERS - 1);
      const m = members[slot]!;
      scheduler.kill(m.proc);
      const gone = m.ids();
      m.dropAll();
      live.delete(gone);
      scheduler.schedule(faults.int(200, 2_000), undefined, 'member restart', () => startMember(slot));
    }
    scheduler.schedule(faults.int(200, 1_200), undefined, 'nemesis', nemesis);
  };
  scheduler.schedule(faults.int(200, 1_200), undefined, 'nemesis', nemesis);

  await scheduler.runUntilTime(faultMs);
  healed = true;
  // Settle: producing stops 500 ms after healing; then every record must reach a member (G3).
  const allDelivered = (): boolean => topic.every((records, p) => records.every((_, o) => processed[p]!.has(o)));
  await scheduler.runUntil(() => scheduler.now > faultMs + 600 && allDelivered(), 20_000);
  for (let p = 0; p < PARTITIONS; p++) {
    for (let o = 0; o < topic[p]!.length; o++) {
      counts.g3Records++;
      if (!processed[p]!.has(o)) {
        violate(`G3: ${TOPIC}-${p} offset ${o} was acknowledged but never delivered`);
        break;
      }
    }
  }
  return { seed: options.seed, violations, counts };
}
