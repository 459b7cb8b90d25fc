import { queryObjects } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { BrokerMetrics, type PartitionGaugeSource } from './broker-metrics.ts';

/** A gauge source that stands for a broker's partitions (in a broker, they hold its logs). */
class FakePartitions implements PartitionGaugeSource {
  readonly offlineCount = 0;
  *partitions(): Iterable<never> {}
}

/** Live instances of `ctor` after a full GC (`v8.queryObjects` collects first). */
function live(ctor: abstract new (...args: never[]) => unknown): number {
  return queryObjects(ctor as never, { format: 'count' }) as number;
}

describe('BrokerMetrics', () => {
  it('lets a dropped broker be collected: Node metrics are collected once per process, not once per broker', () => {
    const before = live(FakePartitions);
    const scrapeable: BrokerMetrics[] = [];
    // Five brokers' metrics, of which only the first stays referenced (built in a function of its
    // own so that no stack slot keeps the last one).
    const build = (): void => {
      for (let i = 0; i < 5; i++) {
        const m = new BrokerMetrics({ brokerId: i, source: new FakePartitions() });
        if (i === 0) scrapeable.push(m);
      }
    };
    build();
    // Per broker, prom-client's GC observer kept its registry, every gauge's collect() and so the
    // source: a local cluster leaked each killed broker's partitions and logs (`runnel bench soak`).
    expect(live(FakePartitions) - before).toBe(1);
    expect(scrapeable).toHaveLength(1);
  });

  it('still exports the Node process metrics with each broker label', async () => {
    const a = new BrokerMetrics({ brokerId: 7, source: new FakePartitions() });
    const b = new BrokerMetrics({ brokerId: 8, source: new FakePartitions() });
    const [ta, tb] = await Promise.all([a.registry.metrics(), b.registry.metrics()]);
    expect(ta).toMatch(/^nodejs_heap_size_used_bytes\{broker="7"\} \d+/m);
    expect(ta).toMatch(/^process_resident_memory_bytes\{broker="7"\} \d+/m);
    expect(tb).toMatch(/^process_resident_memory_bytes\{broker="8"\} \d+/m);
    expect(ta).toMatch(/^runnel_broker_partitions\{broker="7"\} 0/m);
  });
});
