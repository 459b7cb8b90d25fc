import { MemoryMetadataStore, type TopicDefinition } from '@runnel/metadata';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ClusterView, type ViewChange } from './cluster-view.ts';

function topic(name: string): TopicDefinition {
  return { name, topicId: crypto.randomUUID(), partitions: 1, replicationFactor: 1, configs: {}, assignments: [[0]] };
}

function nextChange(view: ClusterView, predicate: (c: ViewChange) => boolean): Promise<ViewChange> {
  return new Promise((resolve) => {
    const off = view.onChange((c) => {
      if (predicate(c)) {
        off();
        resolve(c);
      }
    });
  });
}

describe('ClusterView', () => {
  it('lists, then follows creates, updates and deletes', async () => {
    const store = await MemoryMetadataStore.open();
    await store.topics.create('a', topic('a'));
    const view = new ClusterView(pino({ level: 'silent' }));
    await view.start(store);
    expect([...view.topics.keys()]).toEqual(['a']);
    const added = nextChange(view, (c) => c.name === 'b');
    await store.topics.create('b', topic('b'));
    await added;
    expect(view.topics.has('b')).toBe(true);
    const removed = nextChange(view, (c) => c.name === 'a');
    await store.topics.delete('a');
    await removed;
    expect([...view.topics.keys()]).toEqual(['b']);
    await view.close();
    await store.close();
  });

  it('lists again when its watch expires, ending with the store state', async () => {
    const store = await MemoryMetadataStore.open({ watchBufferLimit: 2 });
    const logged: string[] = [];
    const view = new ClusterView(pino({ level: 'warn' }, { write: (line: string) => logged.push(line) }));
    await view.start(store);
    const last = nextChange(view, (c) => c.name === 't19');
    // Twenty changes in one synchronous burst overflow the 2-event watch buffer.
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.topics.create(`t${i}`, topic(`t${i}`))));
    await last;
    expect(view.topics.size).toBe(20);
    expect(logged.some((l) => l.includes('metadata watch expired'))).toBe(true);
    await view.close();
    await store.close();
  });
});
