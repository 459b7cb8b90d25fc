import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMetadataStore } from './memory-metadata-store.ts';
import { StoreJournal, type JournalEntry } from './store-journal.ts';
import type { TopicDefinition } from './topic-model.ts';

interface TestSnapshot {
  readonly revision: number;
  readonly names: readonly string[];
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-journal-'));
  dirs.push(dir);
  return join(dir, 'metadata.json');
}

function entry(revision: number, name = `t${revision}`): JournalEntry {
  return { revision, kind: 'topics', type: 'ADDED', name, value: { n: revision } };
}

function topic(name: string): TopicDefinition {
  return { name, topicId: crypto.randomUUID(), partitions: 1, replicationFactor: 1, configs: {}, assignments: [[0]] };
}

const parse = (text: string): TestSnapshot => JSON.parse(text) as TestSnapshot;

describe('StoreJournal', () => {
  it('keeps every acknowledged change across a crash (no close), without a snapshot', async () => {
    const path = await tempPath();
    const crashed = await MemoryMetadataStore.open({ path });
    await crashed.topics.create('a', topic('a'));
    const b = await crashed.topics.create('b', topic('b'));
    await crashed.topics.delete('a');
    // No close(): the process "dies" here. A second open must see exactly what was acknowledged.
    const reopened = await MemoryMetadataStore.open({ path });
    expect((await reopened.topics.list()).items.map((o) => o.name)).toEqual(['b']);
    expect((await reopened.topics.get('b'))?.resourceVersion).toBe(b.resourceVersion);
    expect(Number((await reopened.topics.create('c', topic('c'))).resourceVersion)).toBeGreaterThan(Number(b.resourceVersion) + 1);
    await reopened.close();
  });

  it('writes O(n) bytes for n changes: the journal is compacted into a snapshot as it grows', async () => {
    const path = await tempPath();
    const names: string[] = [];
    let revision = 0;
    const journal = new StoreJournal<TestSnapshot>({ path, compactAfterBytes: 4096, snapshot: () => ({ revision, names: [...names] }) });
    for (let i = 1; i <= 500; i++) {
      names.push(`t${i}`);
      revision = i;
      await journal.append(entry(i));
    }
    await journal.close();
    const journalBytes = (await stat(`${path}.journal`)).size;
    const snapshot = parse(await readFile(path, 'utf8'));
    // Compaction happened (the snapshot holds most changes) and the journal stayed small.
    expect(snapshot.names.length).toBeGreaterThan(400);
    expect(journalBytes).toBeLessThan(Math.max(4096, (await stat(path)).size) + 200);
    const loaded = await new StoreJournal<TestSnapshot>({ path, snapshot: () => ({ revision: 0, names: [] }) }).load(parse);
    expect([...(loaded.snapshot?.names ?? []), ...loaded.entries.map((e) => e.name)]).toEqual(names);
  });

  it('skips journal entries already in the snapshot (a crash between snapshot and emptying the journal)', async () => {
    const path = await tempPath();
    await writeFile(path, JSON.stringify({ revision: 5, names: ['t1', 't2', 't3', 't4', 't5'] }));
    await writeFile(`${path}.journal`, [3, 4, 5, 6, 7].map((r) => `${JSON.stringify(entry(r))}\n`).join(''));
    const loaded = await new StoreJournal<TestSnapshot>({ path, snapshot: () => ({ revision: 0, names: [] }) }).load(parse);
    expect(loaded.entries.map((e) => e.revision)).toEqual([6, 7]);
  });

  it('drops a torn last line (never acknowledged) but refuses a corrupt line before it', async () => {
    const path = await tempPath();
    await writeFile(`${path}.journal`, `${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n{"revision":3,"ki`);
    const journal = new StoreJournal<TestSnapshot>({ path, snapshot: () => ({ revision: 0, names: [] }) });
    expect((await journal.load(parse)).entries.map((e) => e.revision)).toEqual([1, 2]);
    // Loading cut the torn tail off, so the next append starts on a line of its own.
    expect(await readFile(`${path}.journal`, 'utf8')).toBe(`${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n`);

    await writeFile(`${path}.journal`, `${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n{"revision":3,"ki\n${JSON.stringify(entry(4))}\n`);
    await expect(new StoreJournal<TestSnapshot>({ path, snapshot: () => ({ revision: 0, names: [] }) }).load(parse)).rejects.toThrow(
      /Cannot load metadata store journal .*metadata\.json\.journal: line 3 is corrupt/,
    );
  });

  it('a store reopened after a torn append keeps going from the last whole change', async () => {
    const path = await tempPath();
    const first = await MemoryMetadataStore.open({ path });
    await first.topics.create('a', topic('a'));
    await appendFile(`${path}.journal`, '{"revision":2,"kind":"topics","ty');
    const second = await MemoryMetadataStore.open({ path });
    expect((await second.topics.list()).items.map((o) => o.name)).toEqual(['a']);
    await second.topics.create('b', topic('b'));
    await second.close();
    const third = await MemoryMetadataStore.open({ path });
    expect((await third.topics.list()).items.map((o) => o.name).sort()).toEqual(['a', 'b']);
    await third.close();
  });
});
