import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { intFlag, parse, sizeFlag, type Options, type Parsed } from '../args.ts';
import { formatSoak, soakBench, type SoakOptions } from '../bench/soak-bench.ts';
import { UsageError } from '../usage-error.ts';

export const SOAK_USAGE = `Usage: runnel bench soak [options]

Hours of load with a broker killed now and then: are the brokers' memory and the end-to-end
latency flat? Starts N brokers (a local cluster, as "runnel local --brokers N") in one process of
their own, creates one topic (RF min(3, N), min.insync.replicas 2) whose small segments and
retention make log maintenance delete segments all along, measures the max acks=all produce rate
for --measure (unless --rate), then produces at --rate-fraction of it (acks=all) while a consumer
tails the topic. Every --kill-every it kills a broker as kill -9 would and starts it again after
--restart-after. Prints one row per --sample-every (the brokers' RSS from /proc, heap and buffers
after a full GC, e2e p50/p99, records acked and received, segments deleted, kills), then the
verdicts: RSS growth over the last half (aim < 5%), and e2e p99 over the last sixth against the
first sixth, outside failovers (aim: no worse). An acknowledged record never received counts as
deleted by retention before it was read when the consumer fell behind the log start and skipped
its offset (an out-of-range reset: the small default retention holds only seconds of data at high
rates, less than the consumer's lag after a kill); every other one is lost. A phase that fails is
reported; the soak goes on. Exit code 1 when a verdict fails, a phase failed, or an acknowledged
record was lost (records deleted by retention unread do not count).

Durations take a unit: 90s, 10m, 1h (a bare number is seconds).

Options:
  --duration D           how long the load runs (default 1h)
  --brokers N            (default 3)
  --partitions N         (default 6)
  --record-size BYTES    (default 1024; at least 16)
  --rate N               records/s (default: --rate-fraction of the measured max)
  --rate-fraction F      (default 0.5)
  --measure D            how long to measure the max rate (default 10s)
  --kill-every D         kill a broker this often, round robin; 0 = never (default 10m)
  --kills N              at most N kills (default: every --kill-every until the end)
  --restart-after D      start the killed broker again after this long (default 5s)
  --sample-every D       (default 1m, or a twelfth of --duration when that is shorter)
  --segment-bytes BYTES  the topic's segment.bytes (default 1m)
  --retention-bytes BYTES  the topic's retention.bytes per partition (default 4m; -1: no size
                         limit). Make it exceed what the consumer can lag behind (rate x record
                         size / partitions x the lag in seconds) to have every record read
  --retention-ms MS      the topic's retention.ms (default -1: by size only)
  --maintenance-every D  the brokers' log maintenance period (default 5s)
  --fast-failover        the brokers' fast failover timings (lease 1 s) instead of the defaults (10 s)
  --data-dir DIR         data directory of the brokers (default: a temporary one, removed after)
  --broker-node-args=ARGS  more node flags for the brokers' process, space-separated (with "="
                         as they start with a dash, e.g. --broker-node-args=--heapsnapshot-signal=SIGUSR2)
  --json                 one JSON object instead of the table
  --json-file PATH       also write that JSON object to PATH
  -h, --help             show this help`;

const OPTIONS: Options = {
  duration: { type: 'string' },
  brokers: { type: 'string' },
  partitions: { type: 'string' },
  'record-size': { type: 'string' },
  rate: { type: 'string' },
  'rate-fraction': { type: 'string' },
  measure: { type: 'string' },
  'kill-every': { type: 'string' },
  'restart-after': { type: 'string' },
  kills: { type: 'string' },
  'sample-every': { type: 'string' },
  'segment-bytes': { type: 'string' },
  'retention-bytes': { type: 'string' },
  'retention-ms': { type: 'string' },
  'maintenance-every': { type: 'string' },
  'fast-failover': { type: 'boolean' },
  'data-dir': { type: 'string' },
  'broker-node-args': { type: 'string' },
  json: { type: 'boolean' },
  'json-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** A duration flag in seconds: `90`, `90s`, `10m`, `1h`, `1.5h`. */
export function durationFlag(p: Parsed, name: string, fallbackSec: number, minSec: number, maxSec: number): number {
  const raw = p.values[name];
  if (raw === undefined) return fallbackSec;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(raw));
  const unit = m?.[2] ?? 's';
  const sec = m ? Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!Number.isFinite(sec) || sec < minSec || sec > maxSec) {
    throw new UsageError(`Invalid value for --${name}: "${String(raw)}" (expected a duration from ${minSec} s to ${maxSec} s, e.g. 90s, 10m, 1h)`, SOAK_USAGE);
  }
  return sec;
}

/** Parses `runnel bench soak` flags; every bad value is a UsageError naming the flag. */
export function soakOptions(argv: string[]): (SoakOptions & { json: boolean; jsonFile: string | undefined; ownDataDir: boolean }) | 'help' {
  const p = parse(argv, OPTIONS, SOAK_USAGE, 0);
  if (p.values['help'] === true) return 'help';
  const durationSec = durationFlag(p, 'duration', 3600, 10, 7 * 24 * 3600);
  const brokers = intFlag(p, 'brokers', SOAK_USAGE, 3, 1, 16);
  const recordSize = sizeFlag(p, 'record-size', SOAK_USAGE, 1024);
  if (recordSize < 16) throw new UsageError(`Invalid value for --record-size: ${recordSize} (at least 16 bytes: the value carries its send time and sequence number)`, SOAK_USAGE);
  const rawFraction = (p.values['rate-fraction'] as string | undefined) ?? '0.5';
  const rateFraction = Number(rawFraction);
  if (!/^\d*\.?\d+$/.test(rawFraction) || !(rateFraction > 0 && rateFraction <= 1)) throw new UsageError(`Invalid value for --rate-fraction: "${rawFraction}" (expected a number in (0, 1], e.g. 0.5)`, SOAK_USAGE);
  if (p.values['rate'] !== undefined && p.values['rate-fraction'] !== undefined) throw new UsageError('--rate and --rate-fraction exclude each other (--rate-fraction applies to the measured max rate)', SOAK_USAGE);
  const rawRetentionMs = (p.values['retention-ms'] as string | undefined) ?? '-1';
  if (!/^(-1|\d+)$/.test(rawRetentionMs)) throw new UsageError(`Invalid value for --retention-ms: "${rawRetentionMs}" (expected milliseconds, or -1 for no time limit)`, SOAK_USAGE);
  const rawRetentionBytes = p.values['retention-bytes'] as string | undefined;
  if (rawRetentionBytes !== undefined && rawRetentionBytes.trim() !== '-1' && !/^\d+[kKmMgG]?i?[bB]?$/.test(rawRetentionBytes.trim())) {
    throw new UsageError(`Invalid value for --retention-bytes: "${rawRetentionBytes}" (expected bytes per partition, e.g. 4m or 64m, or -1 for no size limit)`, SOAK_USAGE);
  }
  const dataDir = p.values['data-dir'] as string | undefined;
  return {
    durationSec,
    brokers,
    partitions: intFlag(p, 'partitions', SOAK_USAGE, 6, 1, 10_000),
    recordSize,
    rate: p.values['rate'] === undefined ? undefined : intFlag(p, 'rate', SOAK_USAGE, 0, 1),
    rateFraction,
    measureSec: durationFlag(p, 'measure', 10, 1, 600),
    killEverySec: durationFlag(p, 'kill-every', 600, 0, 7 * 24 * 3600),
    maxKills: p.values['kills'] === undefined ? Infinity : intFlag(p, 'kills', SOAK_USAGE, 0, 0),
    restartAfterSec: durationFlag(p, 'restart-after', 5, 0, 3600),
    sampleEverySec: durationFlag(p, 'sample-every', Math.min(60, Math.max(1, durationSec / 12)), 1, 3600),
    segmentBytes: sizeFlag(p, 'segment-bytes', SOAK_USAGE, 1024 * 1024),
    retentionBytes: rawRetentionBytes?.trim() === '-1' ? -1 : sizeFlag(p, 'retention-bytes', SOAK_USAGE, 4 * 1024 * 1024),
    retentionMs: Number(rawRetentionMs),
    logMaintenanceIntervalMs: Math.round(durationFlag(p, 'maintenance-every', 5, 0.1, 3600) * 1000),
    fastFailover: p.values['fast-failover'] === true,
    dataDir: dataDir === undefined ? '' : resolve(dataDir),
    clusterNodeArgs: ((p.values['broker-node-args'] as string | undefined) ?? '').split(' ').filter((a) => a !== ''),
    json: p.values['json'] === true,
    jsonFile: p.values['json-file'] === undefined ? undefined : resolve(p.values['json-file'] as string),
    ownDataDir: dataDir === undefined,
  };
}

/** `runnel bench soak`. */
export async function soakCommand(argv: string[]): Promise<number> {
  const o = soakOptions(argv);
  if (o === 'help') {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return 0;
  }
  if (o.killEverySec > 0 && o.brokers < 2) throw new UsageError('--kill-every needs --brokers 2 or more (a kill of the only broker stops the soak); use --kill-every 0', SOAK_USAGE);
  if (o.ownDataDir) o.dataDir = await mkdtemp(join(tmpdir(), 'runnel-soak-'));
  try {
    const report = await soakBench(o, (line) => process.stderr.write(`bench soak: ${line}\n`));
    const { json, jsonFile, ownDataDir, dataDir, ...config } = o;
    void ownDataDir;
    const line = `${JSON.stringify({ workload: 'soak', config: { ...config, dataDir }, ...report })}\n`;
    if (json) process.stdout.write(line);
    else process.stdout.write(formatSoak(report, o));
    // After the report is printed: a bad path must not lose an hour's figures.
    const written = jsonFile === undefined ? true : await writeFile(jsonFile, line).then(() => true, (err: unknown) => (process.stderr.write(`runnel bench soak: cannot write --json-file ${jsonFile}: ${err instanceof Error ? err.message : String(err)}\n`), false));
    const v = report.verdicts;
    return !written || report.failures.length > 0 || report.totals.lost > 0 || v.rssFlat === false || v.p99NoWorse === false ? 1 : 0;
  } finally {
    if (o.ownDataDir) await rm(o.dataDir, { recursive: true, force: true });
  }
}
