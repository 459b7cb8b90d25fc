import { describe, expect, it } from 'vitest';
import { formatRatioTable, parseConsumerPerformance, parseProducerPerformance, phase, ratioRows, run } from './side-by-side.ts';

describe('side-by-side benchmark', () => {
  it("parses Kafka's ProducerPerformance summary", () => {
    const line = '1500000 records sent, 106007.4 records/sec (103.52 MB/sec), 264.00 ms avg latency, 700.00 ms max latency, 264 ms 50th, 500 ms 95th, 559 ms 99th, 600 ms 99.9th.';
    expect(parseProducerPerformance(line)).toEqual({ records: 1_500_000, recordsPerSec: 106007.4, p50: 264, p99: 559 });
    expect(() => parseProducerPerformance('WARN something else')).toThrow(/Not a ProducerPerformance summary: "WARN something else"/);
  });

  it("parses Kafka's ConsumerPerformance data line", () => {
    const line = '2026-12-04 19:09:51:331, 2026-12-04 19:10:01:921, 97.6563, 9.2217, 100000, 9442.8706, 4590, 6000, 16.2760, 16666.6667';
    expect(parseConsumerPerformance(line)).toEqual({ records: 100000, recordsPerSec: 9442.8706, fetchRecordsPerSec: 16666.6667 });
    expect(() => parseConsumerPerformance('start.time, end.time, data.consumed.in.MB')).toThrow(/Not a ConsumerPerformance data line/);
  });

  it('reports a failed phase with its reason instead of throwing, and the ratio is n/a for it', async () => {
    const failed = await phase('kafka', 'produce 1024 B', 'java ...', () => run('/nonexistent/java', [], 5_000).then(() => ({})));
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/nonexistent\/java/);
    const fine = await phase('runnel', 'produce 1024 B', 'node ...', () => Promise.resolve({ recordsPerSec: 2000, mbPerSec: 2 }));
    const kafkaOk = await phase('kafka', 'consume 1024 B', 'java ...', () => Promise.resolve({ recordsPerSec: 1000, mbPerSec: 1 }));
    const runnelOk = await phase('runnel', 'consume 1024 B', 'node ...', () => Promise.resolve({ recordsPerSec: 1500, mbPerSec: 1.5 }));
    const rows = ratioRows([failed, fine, kafkaOk, runnelOk]);
    expect(rows.map((r) => [r.workload, r.ratio])).toEqual([['produce 1024 B', undefined], ['consume 1024 B', 1.5]]);
    const table = formatRatioTable(rows);
    expect(table).toMatch(/produce 1024 B \| FAILED \(.*nonexistent/);
    expect(table).toMatch(/consume 1024 B .*\| 1\.50$/m);
  });
});
