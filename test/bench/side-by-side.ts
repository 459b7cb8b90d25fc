// Apache Kafka beside Runnel on this machine, same workloads, one run (a benchmark, not a test):
//
//   node test/bench/side-by-side.ts [--records-1k N] [--records-100 N] [--e2e-rate N]
//                                   [--kafka-home DIR] [--skip-kafka] [--skip-runnel] [--json FILE]
//
// Kafka 4.1.1 runs as one KRaft broker (1 GiB heap, its default page-cache durability) from Maven
// Central jars, fetched once with `mvn` into --kafka-home (default ~/.cache/runnel/kafka-4.1.1;
// needs Java 17+ and Maven), and is measured with its own ProducerPerformance and
// ConsumerPerformance. Runnel runs `runnel bench consume` (its broker in its own process, fsync
// durability) and `runnel bench e2e`. Both producers use acks=all, linger 5 ms, 256 KiB batches,
// one partition. Prints one line per phase while running, then the ratio table (records/s, so
// the MB of either tool compare) and one JSON object (also written to --json FILE).
// A failed phase is reported with its reason and the run carries on; the exit code is 1 if any
// phase failed. The machine should be otherwise idle: the load average is printed per phase.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_KAFKA_HOME, formatRatioTable, ratioRows, sideBySide } from '../../packages/cli/src/bench/side-by-side.ts';

const { values } = parseArgs({
  options: {
    'records-1k': { type: 'string', default: '1000000' },
    'records-100': { type: 'string', default: '5000000' },
    'e2e-rate': { type: 'string', default: '5000' },
    'kafka-home': { type: 'string', default: DEFAULT_KAFKA_HOME },
    'skip-kafka': { type: 'boolean', default: false },
    'skip-runnel': { type: 'boolean', default: false },
    'timeout-sec': { type: 'string', default: '900' },
    json: { type: 'string' },
  },
});

function count(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`Invalid --${name} ${JSON.stringify(v)}: expected a whole number >= 0\n`);
    process.exit(2);
  }
  return n;
}

const sizes = [
  { recordSize: 1024, records: count('records-1k', values['records-1k']) },
  { recordSize: 100, records: count('records-100', values['records-100']) },
].filter((s) => s.records > 0);
const loadBefore = loadavg();
const results = await sideBySide({
  sizes,
  kafkaHome: values['kafka-home'],
  skipKafka: values['skip-kafka'],
  skipRunnel: values['skip-runnel'],
  e2eRate: count('e2e-rate', values['e2e-rate']),
  timeoutMs: count('timeout-sec', values['timeout-sec']) * 1000,
  log: (line) => process.stderr.write(`${line}\n`),
});
const rows = ratioRows(results);
const report = { when: new Date().toISOString(), loadAverage: { before: loadBefore, after: loadavg() }, sizes, rows, results };
process.stdout.write(`\n${formatRatioTable(rows)}\n\nload average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n${JSON.stringify(report)}\n`);
if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
process.exitCode = results.some((r) => !r.ok) ? 1 : 0;
