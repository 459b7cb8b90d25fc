import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Consumer, Producer } from '@runnel/client';
import { round, type BenchConfig, type BenchResult } from './bench-config.ts';

/**
 * `members` consumers of one new group read the topic (which already holds `expected` records)
 * from the earliest offset. The clock starts at subscribe, so the figure includes joining and the
 * revocations that spread the partitions; `notes` also gives the rate from the first record on.
 */
export async function groupConsumeBench(cfg: BenchConfig, expected: number, members: number): Promise<BenchResult> {
  const groupId = `bench-group-${Math.random().toString(36).slice(2, 8)}`;
  const consumers = Array.from({ length: members }, () => new Consumer({
    bootstrap: cfg.bootstrap,
    maxPartitionBytes: 4 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxPrefetchBytes: Math.max(4 * 1024 * 1024, Math.floor(64 * 1024 * 1024 / members)),
    maxWaitMs: 100,
    autoOffsetReset: 'earliest',
  }));
  const done = new AbortController();
  const signal = AbortSignal.any([done.signal, AbortSignal.timeout(Math.max(30_000, cfg.durationSec * 3000))]);
  let count = 0;
  let bytes = 0;
  let first: number | undefined;
  const start = performance.now();
  for (const c of consumers) c.subscribe({ groupId, topics: [cfg.topic], autoCommitIntervalMs: 1000 });
  await Promise.all(consumers.map(async (c) => {
    for await (const batch of c.batches({ signal })) {
      first ??= performance.now();
      count += batch.records.length;
      for (const r of batch.records) bytes += r.value?.length ?? 0;
      if (count >= expected) done.abort();
    }
  }));
  const end = performance.now();
  await Promise.all(consumers.map((c) => c.close()));
  const seconds = (end - start) / 1000;
  const steady = first === undefined ? 0 : (end - first) / 1000;
  return {
    workload: `consume --group, ${members} member${members === 1 ? '' : 's'} p=${cfg.partitions}`,
    records: count,
    seconds: round(seconds, 2),
    recordsPerSec: Math.round(count / seconds),
    mbPerSec: round(bytes / seconds / 1e6),
    notes: `from subscribe (join and rebalance included); ${round(bytes / Math.max(steady, 1e-3) / 1e6)} MB/s from the first record${count < expected ? `; read ${count} of ${expected} before the deadline` : ''}`,
  };
}

/** A `runnel consume --group` child process printing the partition of each record. */
interface MemberProcess {
  readonly child: ChildProcess;
  /** Time (performance.now) of the first record printed of each partition after `since`. */
  firstRecordAfter(since: number): Map<number, number>;
  /** Partitions it owns, from its assigned / revoked lines. */
  owned(): Set<number>;
  readonly exited: Promise<unknown>;
}

function startMember(bootstrap: string, topic: string, groupId: string): MemberProcess {
  const child = spawn(process.execPath, [process.argv[1]!, 'consume', topic, '--group', groupId, '--format', '%p'], { env: { ...process.env, RUNNEL_BOOTSTRAP: bootstrap }, stdio: ['ignore', 'pipe', 'pipe'] });
  const records: Array<[number, number]> = [];
  const owned = new Set<number>();
  createInterface({ input: child.stdout! }).on('line', (l) => records.push([performance.now(), Number(l)]));
  createInterface({ input: child.stderr! }).on('line', (l) => {
    const m = / (assigned|revoked|lost) (.*)$/.exec(l);
    if (!m) return;
    for (const tp of m[2]!.split(', ')) {
      const p = Number(tp.slice(tp.lastIndexOf('-') + 1));
      if (m[1] === 'assigned') owned.add(p);
      else owned.delete(p);
    }
  });
  return {
    child,
    exited: new Promise((resolve) => child.once('exit', resolve)),
    owned: () => owned,
    firstRecordAfter(since) {
      const out = new Map<number, number>();
      for (const [t, p] of records) if (t >= since && !out.has(p)) out.set(p, t);
      return out;
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench consume --group: timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Failover timings with `runnel consume --group` processes while a producer writes to every
 * partition: three members run, one is killed with SIGKILL, and the time until each of its
 * partitions has a record printed by another member is measured (the session timeout dominates);
 * then a fourth member starts, and the time from its spawn to its first record is measured.
 */
export async function groupFailoverBench(cfg: BenchConfig): Promise<Array<[string, string]>> {
  const groupId = `bench-failover-${Math.random().toString(36).slice(2, 8)}`;
  const producer = new Producer({ bootstrap: cfg.bootstrap, lingerMs: 5, acks: cfg.acks });
  const writing = new AbortController();
  const produce = (async () => {
    while (!writing.signal.aborted) {
      await Promise.all(Array.from({ length: cfg.partitions }, (_, partition) => producer.send({ topic: cfg.topic, partition, value: Buffer.alloc(Math.min(cfg.recordSize, 1024)) }).catch(() => undefined)));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const members = [0, 1, 2].map(() => startMember(cfg.bootstrap, cfg.topic, groupId));
  try {
    await until('three members own partitions', () => members.every((m) => m.owned().size > 0) && members.reduce((n, m) => n + m.owned().size, 0) === cfg.partitions, 120_000);
    const victim = members[0]!;
    const lost = [...victim.owned()];
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    const survivors = members.slice(1);
    const takenOver = (): Map<number, number> => {
      const merged = new Map<number, number>();
      for (const m of survivors) for (const [p, t] of m.firstRecordAfter(killedAt)) if (lost.includes(p)) merged.set(p, Math.min(merged.get(p) ?? t, t));
      return merged;
    };
    await until("the killed member's partitions are read elsewhere", () => takenOver().size === lost.length, 180_000);
    const crashToConsumed = Math.max(...takenOver().values()) - killedAt;
    const spawnedAt = performance.now();
    const added = startMember(cfg.bootstrap, cfg.topic, groupId);
    members.push(added);
    await until('the new member prints a record', () => added.firstRecordAfter(spawnedAt).size > 0, 120_000);
    const joinToRecord = Math.min(...added.firstRecordAfter(spawnedAt).values()) - spawnedAt;
    return [
      ['group: member crash -> its partitions read elsewhere', `${round(crashToConsumed / 1000, 2)} s (${lost.length} partitions; the broker's session timeout dominates)`],
      ['group: new member spawn -> first record', `${round(joinToRecord / 1000, 2)} s (includes starting a Node process)`],
    ];
  } finally {
    writing.abort();
    await produce;
    await producer.close();
    for (const m of members) m.child.kill('SIGTERM');
    await Promise.all(members.map((m) => m.exited));
  }
}
