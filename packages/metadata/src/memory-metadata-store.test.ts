import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { isMetadataStoreError } from './errors.ts';
import { MemoryMetadataStore } from './memory-metadata-store.ts';
import type { WatchEvent } from './metadata-store.ts';
import { STORE_WRITE_CHANNEL, type StoreWriteEvent } from './store-diagnostics.ts';
import type { TopicDefinition } from './topic-model.ts';

function topic(name: string, partitions = 1): TopicDefinition {
  return { name, topicId: crypto.randomUUID(), partitions, replicationFactor: 1, configs: {}, assignments: Array.from({ length: partitions }, () => [0]) };
}

async function take<T>(it: AsyncIterator<WatchEvent<T>>, n: number): Promise<Array<WatchEvent<T>>> {
  const out: Array<WatchEvent<T>> = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done === true) break;
    out.push(r.value);
  }
  return out;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('MemoryMetadataStore', () => {
  it('creates, reads and refuses a second create of the same name', async () => {
    const store = await MemoryMetadataStore.open();
    const created = await store.topics.create('orders', topic('orders', 3));
    expect((await store.topics.get('orders'))?.value.partitions).toBe(3);
    await expect(store.topics.create('orders', topic('orders'))).rejects.toSatisfy((e) => isMetadataStoreError(e, 'ALREADY_EXISTS'));
    expect((await store.topics.get('orders'))?.resourceVersion).toBe(created.resourceVersion);
  });

  it('updates by compare-and-swap: the second writer with the same version gets CONFLICT', async () => {
    const store = await MemoryMetadataStore.open();
    const v1 = await store.topics.create('t', topic('t', 1));
    const v2 = await store.topics.update('t', { ...v1.value, partitions: 2 }, v1.resourceVersion);
    expect(v2.resourceVersion).not.toBe(v1.resourceVersion);
    await expect(store.topics.update('t', { ...v1.value, partitions: 5 }, v1.resourceVersion)).rejects.toSatisfy((e) =>
      isMetadataStoreError(e, 'CONFLICT'),
    );
    expect((await store.topics.get('t'))?.value.partitions).toBe(2);
    await expect(store.topics.update('missing', v1.value, v1.resourceVersion)).rejects.toSatisfy((e) => isMetadataStoreError(e, 'NOT_FOUND'));
  });

  it('deletes conditionally on the version', async () => {
    const store = await MemoryMetadataStore.open();
    const v1 = await store.topics.create('t', topic('t'));
    await store.topics.update('t', v1.value, v1.resourceVersion);
    await expect(store.topics.delete('t', { resourceVersion: v1.resourceVersion })).rejects.toSatisfy((e) => isMetadataStoreError(e, 'CONFLICT'));
    await store.topics.delete('t');
    expect(await store.topics.get('t')).toBeUndefined();
    await expect(store.topics.delete('t')).rejects.toSatisfy((e) => isMetadataStoreError(e, 'NOT_FOUND'));
  });

  it('watch from a list version replays every later change in order, then follows live changes', async () => {
    const store = await MemoryMetadataStore.open();
    await store.topics.create('a', topic('a'));
    const { resourceVersion, items } = await store.topics.list();
    expect(items.map((i) => i.name)).toEqual(['a']);
    const b = await store.topics.create('b', topic('b'));
    await store.brokers.create('0', { id: 0, host: 'h', port: 1, rack: '', brokerUuid: 'u', brokerEpoch: 1 });
    const controller = new AbortController();
    const it = store.topics.watch({ resourceVersion, signal: controller.signal })[Symbol.asyncIterator]();
    await store.topics.update('b', { ...b.value, partitions: 4 }, b.resourceVersion);
    await store.topics.delete('a');
    const events = await take(it, 3);
    expect(events.map((e) => [e.type, e.object.name])).toEqual([
      ['ADDED', 'b'],
      ['MODIFIED', 'b'],
      ['DELETED', 'a'],
    ]);
    expect(events[1]?.object.value.partitions).toBe(4);
    controller.abort();
    expect((await it.next()).done).toBe(true);
  });

  it('expires a watch from a version older than the history, and a watcher that falls too far behind', async () => {
    const store = await MemoryMetadataStore.open({ historyLimit: 2, watchBufferLimit: 2 });
    const { resourceVersion } = await store.topics.list();
    for (const n of ['a', 'b', 'c']) await store.topics.create(n, topic(n));
    const old = store.topics.watch({ resourceVersion, signal: AbortSignal.timeout(5000) })[Symbol.asyncIterator]();
    await expect(old.next()).rejects.toSatisfy((e) => isMetadataStoreError(e, 'EXPIRED'));

    const slow = store.topics.watch({ signal: AbortSignal.timeout(5000) })[Symbol.asyncIterator]();
    for (const n of ['d', 'e', 'f']) await store.topics.create(n, topic(n));
    expect((await slow.next()).value?.object.name).toBe('d');
    expect((await slow.next()).value?.object.name).toBe('e');
    await expect(slow.next()).rejects.toSatisfy((e) => isMetadataStoreError(e, 'EXPIRED'));
  });

  it('keeps only the changes of the last historyMaxAgeMs, so registrations renewed for hours do not pile up in the history', async () => {
    let now = 0;
    const store = await MemoryMetadataStore.open({ historyMaxAgeMs: 1000, now: () => now });
    await store.topics.create('t', topic('t'));
    // An hour of a value rewritten every 100 ms (as brokers renew their registrations): 36,000 changes.
    const versionAt = new Map<number, string>();
    for (let i = 0; i < 36_000; i++) {
      now += 100;
      const current = await store.topics.get('t');
      versionAt.set(now, (await store.topics.update('t', { ...current!.value, partitions: (i % 5) + 1 }, current!.resourceVersion)).resourceVersion);
    }
    // A watch from 2 s ago is older than the history: it expires (the watcher lists again)...
    const old = store.topics.watch({ resourceVersion: versionAt.get(now - 2000)!, signal: AbortSignal.timeout(5000) })[Symbol.asyncIterator]();
    await expect(old.next()).rejects.toSatisfy((e) => isMetadataStoreError(e, 'EXPIRED'));
    // ...while one from half a second ago still resumes without a gap.
    const recent = store.topics.watch({ resourceVersion: versionAt.get(now - 500)!, signal: AbortSignal.timeout(5000) })[Symbol.asyncIterator]();
    expect((await recent.next()).value?.object.resourceVersion).toBe(String(Number(versionAt.get(now - 500)!) + 1));
    // Without the age limit the same hour keeps the last 10,000 changes (the count limit): 2 s ago is still there.
    let now2 = 0;
    const unbounded = await MemoryMetadataStore.open({ now: () => now2 });
    await unbounded.topics.create('t', topic('t'));
    const at2 = new Map<number, string>();
    for (let i = 0; i < 2000; i++) {
      now2 += 100;
      const current = await unbounded.topics.get('t');
      at2.set(now2, (await unbounded.topics.update('t', { ...current!.value, partitions: (i % 5) + 1 }, current!.resourceVersion)).resourceVersion);
    }
    const kept = unbounded.topics.watch({ resourceVersion: at2.get(now2 - 2000)!, signal: AbortSignal.timeout(5000) })[Symbol.asyncIterator]();
    expect((await kept.next()).done).toBe(false);
  });

  it('persists to a JSON file and reloads objects and versions; CAS still works after reload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-meta-'));
    dirs.push(dir);
    const path = join(dir, 'metadata.json');
    const first = await MemoryMetadataStore.open({ path });
    const v = await first.topics.create('kept', topic('kept', 2));
    await first.topics.create('gone', topic('gone'));
    await first.topics.delete('gone');
    await first.close();
    const second = await MemoryMetadataStore.open({ path });
    const reloaded = await second.topics.get('kept');
    expect(reloaded?.value).toEqual(v.value);
    expect(await second.topics.get('gone')).toBeUndefined();
    await expect(second.topics.update('kept', v.value, '0')).rejects.toSatisfy((e) => isMetadataStoreError(e, 'CONFLICT'));
    const next = await second.topics.create('new', topic('new'));
    expect(Number(next.resourceVersion)).toBeGreaterThan(Number(v.resourceVersion));
    await second.close();
    expect(JSON.parse(await readFile(path, 'utf8')).objects.topics.map((o: { name: string }) => o.name).sort()).toEqual(['kept', 'new']);
  });

  it('refuses to load a damaged store file instead of starting empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-meta-'));
    dirs.push(dir);
    const path = join(dir, 'metadata.json');
    await writeFile(path, '{"revision": 3, "obj');
    await expect(MemoryMetadataStore.open({ path })).rejects.toThrow(/Cannot load metadata store .*metadata\.json/);
  });

  it('publishes each write and its outcome on the runnel:metadata:write channel, like the Kubernetes store', async () => {
    const store = await MemoryMetadataStore.open();
    const seen: StoreWriteEvent[] = [];
    const listener = (message: unknown): void => void seen.push(message as StoreWriteEvent);
    subscribe(STORE_WRITE_CHANNEL, listener);
    try {
      const v1 = await store.topics.create('t', topic('t'));
      await store.topics.update('t', v1.value, v1.resourceVersion);
      await store.topics.update('t', v1.value, v1.resourceVersion).catch(() => undefined);
      await store.topics.delete('gone').catch(() => undefined);
    } finally {
      unsubscribe(STORE_WRITE_CHANNEL, listener);
    }
    expect(seen.map((e) => [e.collection, e.name, e.op, e.outcome, e.code])).toEqual([
      ['topics', 't', 'create', 'ok', undefined],
      ['topics', 't', 'update', 'ok', undefined],
      ['topics', 't', 'update', 'conflict', 'CONFLICT'],
      ['topics', 'gone', 'delete', 'error', 'NOT_FOUND'],
    ]);
  });

  it('ends watches on close and refuses writes afterwards', async () => {
    const store = await MemoryMetadataStore.open();
    const it = store.partitions.watch({ signal: new AbortController().signal })[Symbol.asyncIterator]();
    const pending = it.next();
    await store.close();
    expect((await pending).done).toBe(true);
    await expect(store.topics.create('x', topic('x'))).rejects.toSatisfy((e) => isMetadataStoreError(e, 'CLOSED'));
  });
});
