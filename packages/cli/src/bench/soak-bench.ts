/**
 * `runnel bench soak`: hours of load with a broker killed now and then, and whether the brokers'
 * memory and the end-to-end latency stay flat (issue 12 §3).
 *
 * The brokers run as a local cluster (`runnel local --brokers N`) in one child process of their
 * own (soak-cluster-main.ts), so that process's RSS and heap are the brokers' alone, apart from
 * the bench's producer and consumer. One topic (RF min(3, N), min.insync.replicas 2) with small
 * segments and retention, so log maintenance deletes segments all along. The bench measures the
 * maximum acks=all produce rate briefly (or takes --rate), then produces at a fraction of it while
 * a consumer tails the topic; every value carries its send time and a sequence number, so the
 * bench measures send-to-receipt latency and counts acknowledged records never received: those at
 * offsets the consumer skipped when it fell behind the log start (retention deleted them before
 * they were read; soak-ledger.ts) apart from the truly lost ones. Every
 * --kill-every it kills a broker (as kill -9) and starts it again after --restart-after. Every
 * sample interval it records the process's RSS, its heap after a full GC, e2e p50/p99 of the
 * interval, records acked/received, segments deleted and kills. A phase that fails is reported
 * and the soak goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, Producer } from '@runnel/client';
import { RunnelError } from '@runnel/protocol';
import { round, type BenchConfig } from './bench-config.ts';
import { BROKER_NODE_FLAGS, readRss } from './broker-process.ts';
import { produceBench } from './produce-bench.ts';
import { SoakLedger, type OutOfRangeReset } from './soak-ledger.ts';

const CLUSTER_MAIN = fileURLToPath(new URL('./soak-cluster-main.ts', import.meta.url));

export interface SoakOptions {
  durationSec: number;
  brokers: number;
  partitions: number;
  recordSize: number;
  /** Records/s; undefined: `rateFraction` of the rate measured for `measureSec`. */
  rate: number | undefined;
  rateFraction: number;
  measureSec: number;
  /** Seconds between kills (0: none). */
  killEverySec: number;
  /** At most this many kills (Infinity: every killEverySec until the end). */
  maxKills: number;
  restartAfterSec: number;
  sampleEverySec: number;
  segmentBytes: number;
  retentionBytes: number;
  retentionMs: number;
  logMaintenanceIntervalMs: number;
  fastFailover: boolean;
  dataDir: string;
  /** More node flags for the cluster process (e.g. --heapsnapshot-signal=SIGUSR2). */
  clusterNodeArgs: readonly string[];
}

export interface SoakSample {
  /** Seconds since the soak's load started (end of the interval). */
  t: number;
  rssMb: number | null;
  /** Heap used after a full GC, MB. */
  heapMb: number | null;
  /** ArrayBuffers (Buffers) after that GC, MB. */
  buffersMb: number | null;
  acked: number;
  received: number;
  p50Ms: number | null;
  p99Ms: number | null;
  segmentsDeleted: number;
  kills: number;
  sendFailures: number;
  /** The consumer's outOfRange resets so far (it fell behind the log start: retention deleted what it had still to read). */
  outOfRangeResets: number;
  /** A kill or restart happened in this interval or the one before (its latency is failover, not steady state). */
  failover: boolean;
}

export interface SoakReport {
  rate: number;
  measuredMaxRate: number | null;
  samples: SoakSample[];
  kills: Array<{ t: number; broker: number; restartedAt: number | null; error?: string }>;
  failures: string[];
  /**
   * `lost`: acknowledged, never received, and not explained by retention. `skippedByRetention`:
   * acknowledged, never received, at an offset the consumer skipped when it was out of range
   * (retention deleted it before it was read). `outOfRangeResets`: how often the consumer was.
   */
  totals: { acked: number; received: number; lost: number; skippedByRetention: number; outOfRangeResets: number; sendFailures: number; segmentsDeleted: number };
  /** The consumer's outOfRange resets (the first 100), with the time in seconds since the load started. */
  outOfRangeResets: Array<OutOfRangeReset & { t: number }>;
  /** Up to 10 lost records: sequence number, and the partition and offset of their ack. */
  lostExamples: Array<{ seq: number; partition: number; offset: number }>;
  verdicts: {
    rssGrowthLastHalfPct: number | null;
    heapGrowthLastHalfPct: number | null;
    /** Least-squares slope of the heap after GC over the last half's intervals without a failover, MB/min. */
    heapSlopeLastHalfMbPerMin: number | null;
    rssFlat: boolean | null;
    p99FirstMs: number | null;
    p99EndMs: number | null;
    p99NoWorse: boolean | null;
  };
  pid: number | null;
}

/** The child process with the cluster, and its command channel. */
class SoakCluster {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  readonly #answers: Array<(o: Record<string, unknown>) => void> = [];
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(child: ChildProcess, bootstrap: string, lines: ReturnType<typeof createInterface>) {
    this.child = child;
    this.bootstrap = bootstrap;
    lines.on('line', (line) => {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      this.#answers.shift()?.(o);
    });
    child.once('exit', (code, signal) => {
      for (const answer of this.#answers.splice(0)) answer({ error: `the cluster process exited (${signal ?? code})` });
    });
  }

  static start(o: SoakOptions): Promise<SoakCluster> {
    // --expose-gc: each sample's heap is measured after a full GC. --no-flush-bytecode: V8 drops
    // the bytecode of functions unused for a few major GCs (which the samples force), so without
    // it the heap after GC swings by ~5 MB of code and hides a leak's trend.
    const child = spawn(process.execPath, [...BROKER_NODE_FLAGS, '--expose-gc', '--no-flush-bytecode', ...o.clusterNodeArgs, CLUSTER_MAIN, JSON.stringify({ brokers: o.brokers, dataDir: o.dataDir, logMaintenanceIntervalMs: o.logMaintenanceIntervalMs, fast: o.fastFailover })], {
      env: { ...process.env, RUNNEL_LOG_LEVEL: process.env['RUNNEL_LOG_LEVEL'] ?? 'error' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the soak cluster process exited with ${code} before it was ready`));
      child.once('exit', onExit);
      lines.once('line', (line) => {
        child.off('exit', onExit);
        try {
          resolve(new SoakCluster(child, (JSON.parse(line) as { bootstrap: string }).bootstrap, lines));
        } catch (err) {
          child.kill('SIGKILL');
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  }

  /** Sends one command and resolves with its answer; commands run one at a time. */
  command(line: string): Promise<Record<string, unknown>> {
    const run = (): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve({ error: 'the cluster process is not running' });
        this.#answers.push(resolve);
        this.child.stdin!.write(`${line}\n`);
      });
    const next = this.#queue.then(run, run);
    this.#queue = next;
    return next;
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return done();
      const force = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
      this.child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      this.child.kill('SIGTERM');
    });
  }
}

/** Each sample's latency histogram (kept out of the sample, which is printed as JSON). */
const HISTOGRAMS = new WeakMap<SoakSample, RecordableHistogram>();
const newHistogram = (): RecordableHistogram => createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 });
const ms = (us: number): number => Math.round(us) / 1000;
const sleep = (msec: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, msec);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
const message = (err: unknown): string => (err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err));

/** Segment files (`<base>.log`) seen under the cluster's data directory, to count deletions. */
class SegmentCounter {
  readonly #seen = new Set<string>();
  readonly dataDir: string;
  readonly topic: string;
  deleted = 0;
  constructor(dataDir: string, topic: string) {
    this.dataDir = dataDir;
    this.topic = topic;
  }

  async scan(): Promise<void> {
    const present = new Set<string>();
    for (const broker of await readdir(this.dataDir).catch(() => [] as string[])) {
      if (!broker.startsWith('broker-')) continue;
      const dirs = await readdir(join(this.dataDir, broker)).catch(() => [] as string[]);
      for (const dir of dirs.filter((d) => d.startsWith(`${this.topic}-`))) {
        for (const f of await readdir(join(this.dataDir, broker, dir)).catch(() => [] as string[])) {
          if (f.endsWith('.log')) present.add(`${broker}/${dir}/${f}`);
        }
      }
    }
    // A segment counts once it has been seen and is gone; a replica restarted on an emptied dir is not this bench's case.
    for (const s of this.#seen) {
      if (!present.has(s)) {
        this.#seen.delete(s);
        this.deleted++;
      }
    }
    for (const s of present) this.#seen.add(s);
  }
}

/** Creates the soak topic and waits until every partition has a leader and a full ISR. */
async function createSoakTopic(bootstrap: string, name: string, o: SoakOptions, rf: number): Promise<void> {
  const admin = new Admin({ bootstrap });
  try {
    await admin.createTopics([
      {
        name,
        partitions: o.partitions,
        replicationFactor: rf,
        configs: {
          'min.insync.replicas': String(Math.min(2, rf)),
          'segment.bytes': String(o.segmentBytes),
          'retention.bytes': String(o.retentionBytes),
          'retention.ms': String(o.retentionMs),
        },
      },
    ]).catch((err: unknown) => {
      if (!(err instanceof RunnelError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
    });
    const deadline = performance.now() + 60_000;
    for (;;) {
      const topic = (await admin.describeTopics([name]).catch(() => []))[0];
      if (topic !== undefined && topic.partitions.length === o.partitions && topic.partitions.every((p) => p.leaderId >= 0 && p.isr.length === rf)) return;
      if (performance.now() > deadline) throw new RunnelError('REQUEST_TIMED_OUT', `Topic ${name} did not get a leader and a full ISR on every partition within 60 s`);
      await sleep(200);
    }
  } finally {
    await admin.close();
  }
}

/** Runs the soak. Never throws: a failed phase is in `failures`, and what ran is reported. */
export async function soakBench(o: SoakOptions, log: (line: string) => void): Promise<SoakReport> {
  const failures: string[] = [];
  const samples: SoakSample[] = [];
  const kills: SoakReport['kills'] = [];
  const resets: SoakReport['outOfRangeResets'] = [];
  const lostExamples: SoakReport['lostExamples'] = [];
  const report = (rate: number, measured: number | null, pid: number | null, totals: SoakReport['totals']): SoakReport => ({ rate, measuredMaxRate: measured, samples, kills, failures, totals, outOfRangeResets: resets, lostExamples, verdicts: verdicts(samples, o), pid });
  const noTotals = { acked: 0, received: 0, lost: 0, skippedByRetention: 0, outOfRangeResets: 0, sendFailures: 0, segmentsDeleted: 0 };
  let cluster: SoakCluster;
  try {
    cluster = await SoakCluster.start(o);
  } catch (err) {
    failures.push(`start the cluster process: ${message(err)}`);
    return report(0, null, null, noTotals);
  }
  const pid = cluster.child.pid ?? null;
  log(`cluster of ${o.brokers} brokers in process ${pid} (${cluster.bootstrap})`);
  try {
    const rf = Math.min(3, o.brokers);
    const topic = `soak-${Math.random().toString(36).slice(2, 8)}`;
    try {
      await createSoakTopic(cluster.bootstrap, topic, o, rf);
    } catch (err) {
      failures.push(`create topic ${topic}: ${message(err)}`);
      return report(0, null, pid, noTotals);
    }
    const base: BenchConfig = { bootstrap: cluster.bootstrap, topic, recordSize: o.recordSize, records: undefined, durationSec: o.measureSec, partitions: o.partitions, acks: 'all', batchSize: 256 * 1024, lingerMs: 5, compression: 'none', maxInFlight: 16, rate: 0 };
    let measured: number | null = null;
    let rate = o.rate ?? 0;
    if (o.rate === undefined) {
      log(`measuring the max acks=all produce rate for ${o.measureSec} s`);
      try {
        measured = (await produceBench(base)).recordsPerSec;
        rate = Math.max(1, Math.round(measured * o.rateFraction));
      } catch (err) {
        failures.push(`measure the max rate: ${message(err)}`);
        rate = 1000;
      }
    }
    log(`soak: ${rate} records/s of ${o.recordSize} B for ${o.durationSec} s${o.killEverySec > 0 ? `, a broker killed every ${o.killEverySec} s` : ''}`);
    const totals = await runLoad(cluster, base, rate, o, { samples, kills, failures, resets, lostExamples }, log);
    return report(rate, measured, pid, totals);
  } catch (err) {
    failures.push(`soak: ${message(err)}`);
    return report(0, null, pid, noTotals);
  } finally {
    await cluster.stop();
  }
}

type Collected = Pick<SoakReport, 'samples' | 'kills' | 'failures' | 'lostExamples'> & { resets: SoakReport['outOfRangeResets'] };

async function runLoad(cluster: SoakCluster, base: BenchConfig, rate: number, o: SoakOptions, { samples, kills, failures, resets, lostExamples }: Collected, log: (line: string) => void): Promise<SoakReport['totals']> {
  const producer = new Producer({ bootstrap: base.bootstrap, acks: 'all', batchSize: base.batchSize, lingerMs: base.lingerMs, maxInFlight: base.maxInFlight, bufferMemory: 128 * 1024 * 1024, maxRequestSize: 1024 * 1024 });
  // The client's default fetch sizes (1 MiB a partition), not e2e's 8 MiB: a consumer catching up
  // after a stall then makes every broker build 8 MiB x partitions responses, and the brokers' RSS
  // keeps that peak (measured: 130-155 MB of live Buffers after GC, RSS up by 100-150 MB for good).
  const consumer = new Consumer({ bootstrap: base.bootstrap, maxWaitMs: 100, autoOffsetReset: 'earliest' });
  const ledger = new SoakLedger();
  const stopReading = new AbortController();
  let start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  // Registered before the first seek, so no reset is missed; read as they come (the client drops
  // the oldest of more than 256 unread events: a dropped reset would count its records as lost).
  const statuses = consumer.status({ signal: stopReading.signal });
  const watching = (async () => {
    for await (const s of statuses) {
      if (s.type !== 'offsetReset' || s.reason !== 'outOfRange' || s.topic !== base.topic || s.outOfRangeOffset === undefined) continue;
      ledger.outOfRange(s.partition, s.outOfRangeOffset, s.offset);
      const reset = { t: round(elapsed()), partition: s.partition, outOfRangeOffset: s.outOfRangeOffset, resumedAt: s.offset, logStartOffset: s.logStartOffset ?? null, logEndOffset: s.logEndOffset ?? null };
      if (resets.length < 100) resets.push(reset);
      log(`consumer out of range on partition ${reset.partition} at ${reset.t} s: asked for offset ${reset.outOfRangeOffset}, log start ${reset.logStartOffset}, log end ${reset.logEndOffset}; resumed at ${reset.resumedAt}`);
    }
  })();
  const partitions = Array.from({ length: o.partitions }, (_, partition) => ({ topic: base.topic, partition }));
  consumer.assign(partitions);
  for (const tp of partitions) consumer.seek(tp, 'latest');
  let interval = newHistogram();
  let sendFailures = 0;
  let lastFailure = '';
  const reading = (async () => {
    // The consumer retries through failovers; an error that ends it is reported, and reading starts again.
    while (!stopReading.signal.aborted) {
      try {
        for await (const batch of consumer.batches({ signal: stopReading.signal })) {
          const now = performance.now();
          for (const r of batch.records) {
            if (!r.value || r.value.length < 16) continue;
            ledger.receive(r.value.readUInt32LE(8) * 2 ** 20 + r.value.readUInt32LE(12));
            interval.record(Math.max(1, Math.round((now - r.value.readDoubleLE(0)) * 1000)));
          }
        }
      } catch (err) {
        if (stopReading.signal.aborted) break;
        failures.push(`consume: ${message(err)}`);
        await sleep(1000, stopReading.signal);
      }
    }
  })();
  // Let the consumer position itself at the log end before producing. The value is shorter than
  // the soak's records (16 bytes and more), so the reader does not take it for sequence number 0.
  await producer.sendBatch(base.topic, [{ value: Buffer.alloc(8), partition: 0 }]).catch((err: unknown) => failures.push(`first produce: ${message(err)}`));
  await sleep(500);

  const segments = new SegmentCounter(o.dataDir, base.topic);
  start = performance.now();
  const stop = new AbortController();
  let killCount = 0;
  let failoverUntil = -1;
  let victim = 1 % o.brokers;
  const killing = (async () => {
    if (o.killEverySec <= 0) return;
    for (let k = 1; k * o.killEverySec < o.durationSec && k <= o.maxKills; k++) {
      await sleep(start + k * o.killEverySec * 1000 - performance.now(), stop.signal);
      if (stop.signal.aborted) return;
      const broker = victim;
      victim = (victim + 1) % o.brokers;
      const entry: SoakReport['kills'][number] = { t: round(elapsed()), broker, restartedAt: null };
      kills.push(entry);
      failoverUntil = elapsed() + o.restartAfterSec + Math.max(o.sampleEverySec, 10);
      const killed = await cluster.command(`kill ${broker}`);
      if (killed['error'] !== undefined) {
        entry.error = `kill: ${String(killed['error'])}`;
        failures.push(`kill broker ${broker} at ${entry.t} s: ${String(killed['error'])}`);
        continue;
      }
      killCount++;
      log(`killed broker ${broker} at ${entry.t} s`);
      await sleep(o.restartAfterSec * 1000);
      const started = await cluster.command(`start ${broker}`);
      if (started['error'] !== undefined) {
        entry.error = `restart: ${String(started['error'])}`;
        failures.push(`restart broker ${broker} at ${round(elapsed())} s: ${String(started['error'])}`);
      } else {
        entry.restartedAt = round(elapsed());
        log(`restarted broker ${broker} at ${entry.restartedAt} s`);
      }
      failoverUntil = elapsed() + Math.max(o.sampleEverySec, 10);
    }
  })();

  let sendFailuresAtSample = 0;
  let ackedAtSample = 0;
  let receivedAtSample = 0;
  const sampling = (async () => {
    for (let i = 1; !stop.signal.aborted; i++) {
      await sleep(start + i * o.sampleEverySec * 1000 - performance.now(), stop.signal);
      if (stop.signal.aborted) return;
      const t = elapsed();
      const h = interval;
      interval = newHistogram();
      const [rss, mem] = await Promise.all([cluster.child.pid === undefined ? undefined : readRss(cluster.child.pid), cluster.command('mem')]);
      await segments.scan();
      const m = mem['mem'] as Record<string, number> | undefined;
      const wasFailover = samples.length > 0 && samples.at(-1)!.kills !== killCount;
      const s: SoakSample = {
        t: round(t),
        rssMb: rss ? round(rss.rss / 1e6) : null,
        heapMb: m ? round(m['heapUsed']! / 1e6) : null,
        buffersMb: m ? round(m['arrayBuffers']! / 1e6) : null,
        acked: ledger.acked - ackedAtSample,
        received: ledger.received - receivedAtSample,
        p50Ms: h.count > 0 ? ms(h.percentile(50)) : null,
        p99Ms: h.count > 0 ? ms(h.percentile(99)) : null,
        segmentsDeleted: segments.deleted,
        kills: killCount,
        sendFailures: sendFailures - sendFailuresAtSample,
        outOfRangeResets: ledger.resets,
        failover: wasFailover || t <= failoverUntil,
      };
      HISTOGRAMS.set(s, h);
      ackedAtSample = ledger.acked;
      receivedAtSample = ledger.received;
      sendFailuresAtSample = sendFailures;
      samples.push(s);
      log(`${String(s.t).padStart(7)} s  rss ${s.rssMb} MB  heap ${s.heapMb} MB  buffers ${s.buffersMb} MB  acked ${s.acked}  received ${s.received}  p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms  segments deleted ${s.segmentsDeleted}  kills ${s.kills}${s.outOfRangeResets > 0 ? `  out-of-range resets ${s.outOfRangeResets}` : ''}${s.sendFailures > 0 ? `  send failures ${s.sendFailures} (${lastFailure})` : ''}`);
    }
  })();

  // Produce at `rate`, paced every millisecond; value = send time (f64), sequence (2 x u32), padding.
  let sent = 0;
  const pending = new Set<Promise<unknown>>();
  const total = Math.round(rate * o.durationSec);
  while (sent < total) {
    const due = Math.min(total, Math.floor(elapsed() * rate));
    const n = due - sent;
    if (n > 0) {
      const now = performance.now();
      const first = sent;
      const messages = Array.from({ length: n }, (_, i) => {
        const value = Buffer.alloc(Math.max(16, o.recordSize));
        value.writeDoubleLE(now, 0);
        const seq = first + i;
        value.writeUInt32LE(Math.floor(seq / 2 ** 20), 8);
        value.writeUInt32LE(seq % 2 ** 20, 12);
        return { value, partition: seq % o.partitions };
      });
      const p: Promise<unknown> = producer
        .sendBatch(base.topic, messages)
        .then(
          (metadata) => {
            for (let i = 0; i < n; i++) ledger.ack(first + i, metadata[i]!.partition, metadata[i]!.offset);
          },
          (err: unknown) => {
            sendFailures += n;
            lastFailure = message(err);
          },
        )
        .finally(() => pending.delete(p));
      pending.add(p);
      sent += n;
    }
    // Bounded: a stalled cluster must not turn into an unbounded queue in this process.
    if (pending.size > 10_000) await Promise.race(pending);
    else await sleep(1);
  }
  await Promise.all(pending);
  const drainDeadline = performance.now() + 30_000;
  // Until every acknowledged record is received or known skipped (retention deleted it unread).
  while (ledger.unresolved > 0 && performance.now() < drainDeadline) await sleep(50);
  stop.abort();
  await Promise.all([killing, sampling]);
  stopReading.abort();
  await Promise.all([reading, watching]);
  await Promise.allSettled([producer.close(), consumer.close()]);
  lostExamples.push(...ledger.lostExamples(10));
  if (lastFailure !== '') failures.push(`produce: ${sendFailures} records not acknowledged (last error: ${lastFailure})`);
  await segments.scan();
  return { ...ledger.totals(), sendFailures, segmentsDeleted: segments.deleted };
}

/** Merged steady-state (non-failover) latency of the samples in [from, to) seconds. */
function steadyP99(samples: readonly SoakSample[], from: number, to: number): number | null {
  const merged = newHistogram();
  for (const s of samples) {
    const h = HISTOGRAMS.get(s);
    if (h === undefined || s.failover || s.t <= from || s.t > to) continue;
    merged.add(h);
  }
  return merged.count > 0 ? ms(merged.percentile(99)) : null;
}

/** Least-squares slope of y over x; null with fewer than 3 points. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? null : round(points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx, 2);
}

/**
 * The issue's goals: RSS grows by less than 5% over the last half (the last 30 minutes of an
 * hour), and e2e p99 at the end (the last sixth: the last 10 minutes of an hour) is no worse than
 * in the first sixth, both over intervals without a kill or restart.
 */
export function verdicts(samples: readonly SoakSample[], o: Pick<SoakOptions, 'durationSec'>): SoakReport['verdicts'] {
  const last = samples.at(-1);
  const half = samples.filter((s) => s.t <= o.durationSec / 2).at(-1);
  const growth = (a: number | null | undefined, b: number | null | undefined): number | null => (a && b ? round(((b - a) / a) * 100, 1) : null);
  const rssGrowthLastHalfPct = growth(half?.rssMb, last?.rssMb);
  const sixth = o.durationSec / 6;
  const end = last?.t ?? o.durationSec;
  const p99FirstMs = steadyP99(samples, 0, sixth);
  const p99EndMs = steadyP99(samples, end - sixth, end);
  return {
    rssGrowthLastHalfPct,
    heapGrowthLastHalfPct: growth(half?.heapMb, last?.heapMb),
    heapSlopeLastHalfMbPerMin: slope(samples.filter((s) => s.t > o.durationSec / 2 && !s.failover && s.heapMb !== null).map((s) => [s.t / 60, s.heapMb!])),
    rssFlat: rssGrowthLastHalfPct === null ? null : rssGrowthLastHalfPct < 5,
    p99FirstMs,
    p99EndMs,
    p99NoWorse: p99FirstMs === null || p99EndMs === null ? null : p99EndMs <= p99FirstMs,
  };
}

/** The samples as a table and the verdicts, for the terminal. */
export function formatSoak(r: SoakReport, o: SoakOptions): string {
  const header = ['t s', 'RSS MB', 'heap MB', 'buffers MB', 'acked', 'received', 'p50 ms', 'p99 ms', 'segs deleted', 'kills', 'send fail', 'oor resets', ''];
  const rows = r.samples.map((s) => [s.t, s.rssMb, s.heapMb, s.buffersMb, s.acked, s.received, s.p50Ms, s.p99Ms, s.segmentsDeleted, s.kills, s.sendFailures, s.outOfRangeResets, s.failover ? 'failover' : ''].map((v) => (v === null ? 'n/a' : String(v))));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ').trimEnd();
  const v = r.verdicts;
  const yes = (b: boolean | null): string => (b === null ? 'n/a' : b ? 'PASS' : 'FAIL');
  const out = [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `rate                           ${r.rate} records/s of ${o.recordSize} B${r.measuredMaxRate === null ? '' : ` (${o.rateFraction} of the measured max ${r.measuredMaxRate}/s)`}, acks=all, ${o.partitions} partitions, RF ${Math.min(3, o.brokers)}, ${o.brokers} brokers in process ${r.pid ?? 'n/a'}`,
    `records                        acked ${r.totals.acked}, received ${r.totals.received}, acked but never received ${r.totals.lost + r.totals.skippedByRetention}, not acknowledged ${r.totals.sendFailures}`,
    `deleted by retention unread    ${r.totals.skippedByRetention} acked records, in ${r.totals.outOfRangeResets} out-of-range resets of the consumer (it fell behind the log start${r.totals.skippedByRetention > 0 ? '; a larger --retention-bytes keeps them until read' : ''})`,
    `segments deleted / kills       ${r.totals.segmentsDeleted} / ${r.kills.length} (${r.kills.map((k) => `broker ${k.broker} at ${k.t} s${k.restartedAt === null ? ' not restarted' : `, back at ${k.restartedAt} s`}`).join('; ') || 'none'})`,
    `RSS growth over the last half  ${v.rssGrowthLastHalfPct ?? 'n/a'}% (aim < 5%): ${yes(v.rssFlat)}; heap after GC ${v.heapGrowthLastHalfPct ?? 'n/a'}%, trend ${v.heapSlopeLastHalfMbPerMin ?? 'n/a'} MB/min outside failovers`,
    `e2e p99 first / last sixth     ${v.p99FirstMs ?? 'n/a'} ms / ${v.p99EndMs ?? 'n/a'} ms, intervals without a failover (aim: no worse): ${yes(v.p99NoWorse)}`,
    `acked records lost (not explained by retention): ${r.totals.lost} (aim 0): ${yes(r.totals.lost === 0)}${r.lostExamples.length > 0 ? `; e.g. ${r.lostExamples.map((l) => `seq ${l.seq} at ${l.partition}/${l.offset}`).join(', ')}` : ''}`,
    ...r.failures.map((f) => `FAILED: ${f}`),
  ];
  return `${out.join('\n')}\n`;
}
