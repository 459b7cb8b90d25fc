/**
 * The broker's `/metrics` against the table in packages/broker/README.md, on real brokers in both
 * modes: every documented metric is exported exactly once, with its documented type, help text and
 * labels, and nothing `runnel_*` is exported that the table does not list.
 */
import { readFile } from 'node:fs/promises';
import { FAST_REPLICATION_TIMING, type LocalCluster } from '@runnel/broker';
import { Consumer, Producer } from '@runnel/client';
import { afterEach, describe, expect, it } from 'vitest';
import { findCoordinator, groupClient, retrying } from './broker/group-clients.ts';
import { call, connect, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

interface DocumentedMetric {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly mode: 'all' | 'replicated';
  readonly help: string;
}

const README = new URL('../../packages/broker/README.md', import.meta.url);

/** The rows of the README's metric table. */
async function documentedMetrics(): Promise<DocumentedMetric[]> {
  const rows = (await readFile(README, 'utf8')).split('\n').filter((l) => l.startsWith('| `runnel_'));
  return rows.map((row) => {
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 5) throw new Error(`README metric row has ${cells.length} cells, expected 5: ${row}`);
    const [name, type, labels, mode, help] = cells as [string, string, string, string, string];
    if (mode !== 'all' && mode !== 'replicated') throw new Error(`README metric row has mode "${mode}", expected all or replicated: ${row}`);
    return { name: name.replaceAll('`', ''), type, labels: labels === '' ? [] : labels.split(',').map((l) => l.trim()), mode, help };
  });
}

interface ScrapedFamily {
  help: string[];
  type: string[];
  /** Label names seen on the family's samples, without `broker` and a histogram's `le`. */
  labels: Set<string>;
  samples: number;
}

/** Parses the text exposition format into families (HELP and TYPE lines kept as lists to see duplicates). */
function parseExposition(text: string): Map<string, ScrapedFamily> {
  const families = new Map<string, ScrapedFamily>();
  const family = (name: string): ScrapedFamily => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { help: [], type: [], labels: new Set(), samples: 0 }));
    return f;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const f = family(meta[2]!);
      // The exposition format escapes backslashes and newlines in help text.
      (meta[1] === 'HELP' ? f.help : f.type).push(meta[3]!.replaceAll('\\n', '\n').replaceAll('\\\\', '\\'));
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (sample === null) continue;
    const name = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    const f = families.get(name) ?? families.get(sample[1]!);
    if (f === undefined) continue;
    f.samples++;
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) if (m[1] !== 'broker' && m[1] !== 'le') f.labels.add(m[1]!);
  }
  return families;
}

/** Produces and consumes a few records so every labelled family has samples. */
async function traffic(cluster: LocalCluster, topic: string): Promise<void> {
  const producer = new Producer({ bootstrap: cluster.bootstrap, lingerMs: 0 });
  try {
    for (let i = 0; i < 20; i++) await producer.send({ topic, key: `k${i}`, value: `v${i}` });
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({ bootstrap: cluster.bootstrap, maxWaitMs: 50 });
  try {
    consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
    for (const partition of [0, 1]) consumer.seek({ topic, partition }, 'earliest');
    let n = 0;
    for await (const _ of consumer.records()) if (++n >= 20) break;
  } finally {
    await consumer.close();
  }
  // A consumer group member that is caught up: members, rebalances and lag have samples.
  const groupId = `g-${topic}`;
  const { address } = await findCoordinator(cluster.brokers.map((b) => b.address), groupId);
  const group = groupClient(address);
  try {
    const joined = await retrying(() => call(group, group.Heartbeat, { groupId, memberId: 'metrics-member', memberEpoch: 0, subscribedTopicNames: [topic], subscribedTopicNamesSet: true }));
    const ends = await Promise.all([0, 1].map((partition) => logEnd(cluster, topic, partition)));
    const res = await call(group, group.OffsetCommit, { groupId, memberId: 'metrics-member', memberEpoch: joined.memberEpoch, partitions: ends.map((offset, partition) => ({ topic, partition, offset })) });
    expect(res.partitions.map((p) => p.error?.code ?? 'ok')).toEqual(['ok', 'ok']);
  } finally {
    group.close();
  }
}

/** The high watermark of a partition, asked of its leader (whichever broker answers without error). */
async function logEnd(cluster: LocalCluster, topic: string, partition: number): Promise<number> {
  for (const b of cluster.brokers) {
    const clients = connect(b.address);
    try {
      const res = await call(clients.log, clients.log.ListOffsets, { partitions: [{ topic, partition, spec: 'OFFSET_SPEC_LATEST' }] });
      const p = res.partitions[0];
      if (p !== undefined && p.error == null) return Number(p.offset);
    } finally {
      clients.close();
    }
  }
  throw new Error(`No broker leads ${topic}-${partition}`);
}

async function scrape(cluster: LocalCluster): Promise<Array<{ id: number; text: string }>> {
  return Promise.all(cluster.brokers.map(async (b) => ({ id: b.id, text: await (await fetch(`http://${b.metricsAddress}/metrics`)).text() })));
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(options: Parameters<typeof startTestCluster>[1]): Promise<{ c: LocalCluster; topic: string }> {
  const dir = await tempDir();
  cleanups.push(() => removeDir(dir));
  const topic = `m-${crypto.randomUUID().slice(0, 8)}`;
  // One offsets partition: the partition counts below then include exactly one more.
  const c = await startTestCluster(dir, { metricsPort: 0, defaultMetrics: true, demoTopic: { name: topic, partitions: 2 }, groups: { offsetsTopicPartitions: 1 }, ...options });
  cleanups.push(() => c.close());
  return { c, topic };
}

/** Checks one scrape against the table; returns the documented families that had samples. */
function expectMatchesTable(text: string, documented: readonly DocumentedMetric[], replicated: boolean, where: string): Set<string> {
  const families = parseExposition(text);
  const ours = [...families.keys()].filter((n) => n.startsWith('runnel_')).sort();
  const expected = documented.filter((m) => replicated || m.mode === 'all').map((m) => m.name).sort();
  expect(ours, `${where}: runnel_* families on /metrics vs the README table`).toEqual(expected);
  for (const m of documented) {
    const f = families.get(m.name);
    if (f === undefined) continue;
    expect(f.help, `${where}: # HELP of ${m.name}`).toEqual([m.help]);
    expect(f.type, `${where}: # TYPE of ${m.name}`).toEqual([m.type]);
    // A labelled family has no samples until its first child (a leader-less broker has no topic counters).
    if (f.samples > 0) expect([...f.labels].sort(), `${where}: labels of ${m.name}`).toEqual([...m.labels].sort());
  }
  return new Set(documented.filter((m) => (families.get(m.name)?.samples ?? 0) > 0).map((m) => m.name));
}

describe('broker /metrics and the README table', () => {
  it('the table parses: unique names, known types, the runnel_broker_ prefix and Prometheus unit suffixes', async () => {
    const documented = await documentedMetrics();
    expect(documented.length).toBeGreaterThan(20);
    expect(new Set(documented.map((m) => m.name)).size).toBe(documented.length);
    for (const m of documented) {
      expect(m.name).toMatch(/^runnel_broker_[a-z_]+$/);
      expect(['counter', 'gauge', 'histogram']).toContain(m.type);
      if (m.type === 'counter') expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
      if (m.type === 'histogram') expect(m.name).toMatch(/_seconds$/);
    }
  });

  it('a single-replica broker exports exactly the rows for all modes, each once, as documented', async () => {
    const documented = await documentedMetrics();
    const { c, topic } = await cluster({ brokers: 1 });
    await traffic(c, topic);
    const [{ text }] = (await scrape(c)) as [{ id: number; text: string }];
    const sampled = expectMatchesTable(text, documented, false, 'RF=1 broker');
    expect(documented.filter((m) => m.mode === 'all' && !sampled.has(m.name)).map((m) => m.name), 'families without samples').toEqual([]);
    expect(text).toMatch(/^runnel_broker_data_dir_capacity_bytes\{broker="0"\} [1-9]/m);
  });

  it('replicated brokers export every row, each once, as documented; leaders add up to the partitions and nothing is offline', async () => {
    const documented = await documentedMetrics();
    const { c, topic } = await cluster({ brokers: 3, replicationFactor: 3, replicationTiming: FAST_REPLICATION_TIMING });
    await traffic(c, topic);
    const scraped = await scrape(c);
    let leaders = 0;
    const sampled = new Set<string>();
    for (const { id, text } of scraped) {
      for (const name of expectMatchesTable(text, documented, true, `replicated broker ${id}`)) sampled.add(name);
      const value = (name: string): number => Number(new RegExp(`^${name}\\{broker="${id}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      leaders += value('runnel_broker_leader_partitions');
      expect(value('runnel_broker_partitions')).toBe(3); // the topic's 2 and __consumer_offsets' 1
      expect(value('runnel_broker_offline_partitions')).toBe(0);
      expect(value('runnel_broker_under_min_isr_partitions')).toBe(0);
      expect(value('runnel_broker_lease_renew_deadline_seconds')).toBe(FAST_REPLICATION_TIMING.renewDeadlineMs / 1000);
      expect(value('runnel_broker_lease_renewal_age_seconds')).toBeGreaterThanOrEqual(0);
      const renewals = text.split('\n').find((l) => l.startsWith('runnel_broker_lease_writes_total{') && l.includes('lease="broker"') && l.includes('outcome="ok"'));
      expect(Number(renewals?.split(' ').at(-1))).toBeGreaterThan(0);
    }
    expect(leaders).toBe(3);
    expect(documented.filter((m) => !sampled.has(m.name)).map((m) => m.name), 'families without samples on any broker').toEqual([]);
  });
});
