/**
 * Apache Kafka beside Runnel on the same machine and workloads, in one run (test/bench/side-by-side.ts
 * is the entry point). Kafka runs as a single KRaft broker from Maven Central jars (cached outside
 * the repository) and is measured with its own ProducerPerformance and ConsumerPerformance; Runnel
 * with `runnel bench`, its broker in its own process. Every phase that fails is reported with its
 * reason and the run carries on.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './bench-config.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
/** The pom that names the Kafka jars (test/bench/kafka/pom.xml). */
export const KAFKA_POM = fileURLToPath(new URL('../../../../test/bench/kafka/pom.xml', import.meta.url));
/** Where the Kafka jars are cached unless --kafka-home says otherwise. */
export const DEFAULT_KAFKA_HOME = join(homedir(), '.cache', 'runnel', 'kafka-4.1.1');

/** One measured phase of one system. Throughput figures count record values; MB = 10^6 bytes. */
export interface PhaseResult {
  system: 'kafka' | 'runnel';
  workload: string;
  ok: boolean;
  recordsPerSec?: number;
  mbPerSec?: number;
  /** Consume only, Kafka only: the rate without the consumer group's join time. */
  fetchRecordsPerSec?: number;
  latencyMs?: { p50: number; p99: number };
  error?: string;
  command: string;
  /** 1-minute load average before and after the phase. */
  load: [number, number];
  seconds: number;
}

/** Parsed last line of Kafka's ProducerPerformance. */
export interface ProducerPerfSummary {
  records: number;
  recordsPerSec: number;
  p50: number;
  p99: number;
}

/**
 * Parses ProducerPerformance's summary line, e.g. `1000000 records sent, 106007.4 records/sec
 * (103.52 MB/sec), 264.00 ms avg latency, 700.00 ms max latency, 264 ms 50th, 500 ms 95th, 559 ms
 * 99th, 600 ms 99.9th.`
 * @throws Error naming the line when it is not such a summary
 */
export function parseProducerPerformance(line: string): ProducerPerfSummary {
  const m = /^\s*(\d+) records sent, ([\d.]+) records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(line);
  if (!m) throw new Error(`Not a ProducerPerformance summary: ${JSON.stringify(line.slice(0, 200))}`);
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]) };
}

/** Parsed data line of Kafka's ConsumerPerformance. */
export interface ConsumerPerfSummary {
  records: number;
  recordsPerSec: number;
  fetchRecordsPerSec: number;
}

/**
 * Parses ConsumerPerformance's data line: `start, end, MB, MB/s, records, records/s, rebalance ms,
 * fetch ms, fetch MB/s, fetch records/s`.
 * @throws Error naming the line when it has not those ten columns
 */
export function parseConsumerPerformance(line: string): ConsumerPerfSummary {
  const cols = line.split(',').map((c) => c.trim());
  const nums = cols.slice(2).map(Number);
  if (cols.length !== 10 || nums.some((n) => !Number.isFinite(n))) throw new Error(`Not a ConsumerPerformance data line: ${JSON.stringify(line.slice(0, 200))}`);
  return { records: nums[2]!, recordsPerSec: nums[3]!, fetchRecordsPerSec: nums[7]! };
}

/** Runs `fn` as one phase: never throws; a failure becomes `ok: false` with its reason. */
export async function phase(system: PhaseResult['system'], workload: string, command: string, fn: () => Promise<Omit<PhaseResult, 'system' | 'workload' | 'ok' | 'command' | 'load' | 'seconds'>>): Promise<PhaseResult> {
  const before = loadavg()[0]!;
  const start = performance.now();
  const base = { system, workload, command };
  try {
    const figures = await fn();
    return { ...base, ok: true, ...figures, load: [round(before, 1), round(loadavg()[0]!, 1)], seconds: round((performance.now() - start) / 1000, 1) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { ...base, ok: false, error, load: [round(before, 1), round(loadavg()[0]!, 1)], seconds: round((performance.now() - start) / 1000, 1) };
  }
}

/** Runs a command to completion; rejects with its stderr's tail on a non-zero exit or after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], timeoutMs: number, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL', ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as { killed?: boolean }).killed ? `timed out after ${timeoutMs} ms` : err.message.split('\n')[0];
        reject(new Error(`${[cmd, ...args].join(' ').slice(0, 300)}: ${why}${stderr ? `; stderr: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500)}` : ''}`));
      } else resolve(stdout);
    });
  });
}

/** The jars directory under `home`, fetched with Maven on first use. */
export async function ensureKafkaJars(home: string): Promise<string> {
  const lib = join(home, 'lib');
  if (await exists(join(lib, '.done'))) return lib;
  await mkdir(home, { recursive: true });
  await copyFile(KAFKA_POM, join(home, 'pom.xml'));
  await run('mvn', ['-q', 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'], 15 * 60_000, home).catch((err: unknown) => {
    throw new Error(`Cannot fetch the Kafka jars with Maven into ${lib} (needs mvn and Java 17+ on PATH, and Maven Central): ${(err as Error).message}`);
  });
  await writeFile(join(lib, '.done'), '');
  return lib;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`Kafka exited with ${child.exitCode} before listening on ${port}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`Kafka did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 500);
      });
    };
    attempt();
  });
}

/** A single-node KRaft Kafka broker (1 GiB heap, page-cache durability: Kafka's defaults). */
export class KafkaPeer {
  readonly bootstrap: string;
  readonly #java: string[];
  readonly #child: ChildProcess;
  readonly #dir: string;

  private constructor(bootstrap: string, java: string[], child: ChildProcess, dir: string) {
    this.bootstrap = bootstrap;
    this.#java = java;
    this.#child = child;
    this.#dir = dir;
  }

  static async start(lib: string): Promise<KafkaPeer> {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-kafka-peer-'));
    const port = 30000 + Math.floor(Math.random() * 20000);
    const cport = port + 1;
    await writeFile(join(dir, 'server.properties'), [
      'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${cport}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=PLAINTEXT', 'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'logs')}`, 'num.partitions=1', 'offsets.topic.replication.factor=1', 'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1', 'share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1', 'group.initial.rebalance.delay.ms=0', '',
    ].join('\n'));
    await writeFile(join(dir, 'log4j2.yaml'), 'Configuration:\n  Status: warn\n  Appenders:\n    Console: {name: STDERR, target: SYSTEM_ERR, PatternLayout: {Pattern: "%m%n"}}\n  Loggers:\n    Root: {level: warn, AppenderRef: [{ref: STDERR}]}\n');
    const java = [`-Dlog4j2.configurationFile=${join(dir, 'log4j2.yaml')}`, '-cp', `${lib}/*`];
    const uuid = (await run('java', [...java, 'kafka.tools.StorageTool', 'random-uuid'], 120_000)).trim();
    await run('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', uuid, '-c', join(dir, 'server.properties')], 120_000);
    const child = spawn('java', [...java, '-Xms1g', '-Xmx1g', 'kafka.Kafka', join(dir, 'server.properties')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const peer = new KafkaPeer(`127.0.0.1:${port}`, java, child, dir);
    try {
      await waitForPort(port, 120_000, child);
    } catch (err) {
      await peer.stop();
      throw new Error(`${(err as Error).message}${stderr ? `; stderr: ${stderr.trim().slice(-500)}` : ''}`);
    }
    return peer;
  }

  /** The java command line for a Kafka tool, for the report. */
  command(tool: string, args: readonly string[]): string {
    return ['java', '-cp', '<kafka-lib>/*', tool, ...args].join(' ');
  }

  async tool(tool: string, args: readonly string[], timeoutMs: number): Promise<string> {
    return run('java', [...this.#java, tool, ...args], timeoutMs);
  }

  async createTopic(topic: string): Promise<void> {
    await this.tool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', this.bootstrap, '--create', '--topic', topic, '--partitions', '1', '--replication-factor', '1'], 120_000);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** Options of one side-by-side run. */
export interface SideBySideOptions {
  sizes: Array<{ recordSize: number; records: number }>;
  kafkaHome: string;
  skipKafka: boolean;
  skipRunnel: boolean;
  /** Runnel e2e rate (records/s, 1 KiB, acks=all, linger 0); 0 skips it. */
  e2eRate: number;
  timeoutMs: number;
  log: (line: string) => void;
}

/** Producer settings used for both systems. */
export const PRODUCER_SETTINGS = { acks: 'all', lingerMs: 5, batchSize: 262144 } as const;

/** Runs every phase (Kafka first, then Runnel, per record size); failed phases are in the result. */
export async function sideBySide(o: SideBySideOptions): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  const push = (r: PhaseResult): void => {
    results.push(r);
    o.log(`${r.system} ${r.workload}: ${r.ok ? `${r.recordsPerSec?.toLocaleString('en-US')} rec/s, ${r.mbPerSec} MB/s` : `FAILED: ${r.error}`} (load ${r.load.join(' -> ')})`);
  };
  if (!o.skipKafka) await kafkaPhases(o, push);
  if (!o.skipRunnel) await runnelPhases(o, push);
  return results;
}

async function kafkaPhases(o: SideBySideOptions, push: (r: PhaseResult) => void): Promise<void> {
  let peer: KafkaPeer | undefined;
  let setupError: string | undefined;
  try {
    o.log('kafka: fetching jars (first run only) and starting a single KRaft broker');
    peer = await KafkaPeer.start(await ensureKafkaJars(o.kafkaHome));
  } catch (err) {
    setupError = (err as Error).message;
  }
  try {
    for (const { recordSize, records } of o.sizes) {
      const topic = `peer-${recordSize}`;
      const produceArgs = ['--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1', '--producer-props', `bootstrap.servers=${peer?.bootstrap ?? '?'}`, `acks=${PRODUCER_SETTINGS.acks}`, `linger.ms=${PRODUCER_SETTINGS.lingerMs}`, `batch.size=${PRODUCER_SETTINGS.batchSize}`];
      const consumeArgs = ['--bootstrap-server', peer?.bootstrap ?? '?', '--topic', topic, '--messages', String(records)];
      const produceCmd = peer?.command('org.apache.kafka.tools.ProducerPerformance', produceArgs) ?? 'ProducerPerformance';
      let produced = false;
      push(await phase('kafka', `produce ${recordSize} B`, produceCmd, async () => {
        if (peer === undefined) throw new Error(`Kafka is not running: ${setupError}`);
        await peer.createTopic(topic);
        const out = await peer.tool('org.apache.kafka.tools.ProducerPerformance', produceArgs, o.timeoutMs);
        const s = parseProducerPerformance(out.trim().split('\n').at(-1) ?? '');
        produced = true;
        return { recordsPerSec: Math.round(s.recordsPerSec), mbPerSec: round((s.recordsPerSec * recordSize) / 1e6), latencyMs: { p50: s.p50, p99: s.p99 } };
      }));
      push(await phase('kafka', `consume ${recordSize} B`, peer?.command('org.apache.kafka.tools.ConsumerPerformance', consumeArgs) ?? 'ConsumerPerformance', async () => {
        if (peer === undefined) throw new Error(`Kafka is not running: ${setupError}`);
        if (!produced) throw new Error('the produce phase failed, nothing to consume');
        const out = await peer.tool('org.apache.kafka.tools.ConsumerPerformance', consumeArgs, o.timeoutMs);
        const s = parseConsumerPerformance(out.trim().split('\n').at(-1) ?? '');
        if (s.records < records) throw new Error(`read ${s.records} of ${records} records`);
        return { recordsPerSec: Math.round(s.recordsPerSec), mbPerSec: round((s.recordsPerSec * recordSize) / 1e6), fetchRecordsPerSec: Math.round(s.fetchRecordsPerSec) };
      }));
    }
  } finally {
    await peer?.stop().catch(() => undefined);
  }
}

interface RunnelBenchJson {
  results: Array<{ workload: string; records: number; recordsPerSec: number; mbPerSec: number; latencyMs?: { p50: number; p99: number } }>;
}

async function runnelBench(args: string[], timeoutMs: number): Promise<RunnelBenchJson> {
  const out = await run(process.execPath, [MAIN, 'bench', ...args, '--json'], timeoutMs);
  const line = out.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as RunnelBenchJson;
  } catch {
    throw new Error(`runnel bench printed no JSON result: ${JSON.stringify(line.slice(0, 200))}`);
  }
}

async function runnelPhases(o: SideBySideOptions, push: (r: PhaseResult) => void): Promise<void> {
  for (const { recordSize, records } of o.sizes) {
    const args = ['consume', '--record-size', String(recordSize), '--records', String(records), '--acks', PRODUCER_SETTINGS.acks, '--linger-ms', String(PRODUCER_SETTINGS.lingerMs), '--batch-size', String(PRODUCER_SETTINGS.batchSize)];
    const command = `node packages/cli/src/main.ts bench ${args.join(' ')} --json`;
    let json: RunnelBenchJson | undefined;
    push(await phase('runnel', `produce ${recordSize} B`, command, async () => {
      json = await runnelBench(args, o.timeoutMs);
      const r = json.results[0];
      if (r === undefined) throw new Error('runnel bench consume returned no produce result');
      return { recordsPerSec: r.recordsPerSec, mbPerSec: r.mbPerSec, ...(r.latencyMs ? { latencyMs: { p50: r.latencyMs.p50, p99: r.latencyMs.p99 } } : {}) };
    }));
    push(await phase('runnel', `consume ${recordSize} B`, command, () => {
      const r = json?.results[1];
      if (r === undefined) return Promise.reject(new Error('the produce phase failed, nothing to consume'));
      if (r.records < records) return Promise.reject(new Error(`read ${r.records} of ${records} records`));
      return Promise.resolve({ recordsPerSec: r.recordsPerSec, mbPerSec: r.mbPerSec });
    }));
  }
  if (o.e2eRate > 0) {
    const args = ['e2e', '--record-size', '1024', '--rate', String(o.e2eRate), '--acks', 'all', '--linger-ms', '0', '--duration', '10'];
    push(await phase('runnel', `e2e 1024 B @ ${o.e2eRate}/s acks=all linger=0`, `node packages/cli/src/main.ts bench ${args.join(' ')} --json`, async () => {
      const r = (await runnelBench(args, o.timeoutMs)).results[0];
      if (r?.latencyMs === undefined) throw new Error('runnel bench e2e returned no latency');
      return { recordsPerSec: r.recordsPerSec, mbPerSec: r.mbPerSec, latencyMs: { p50: r.latencyMs.p50, p99: r.latencyMs.p99 } };
    }));
  }
}

/** One row per workload: Kafka, Runnel and their ratio (records/s; same record size on both sides). */
export interface RatioRow {
  workload: string;
  kafka: string;
  runnel: string;
  ratio: number | undefined;
}

export function ratioRows(results: readonly PhaseResult[]): RatioRow[] {
  const workloads = [...new Set(results.map((r) => r.workload))];
  const show = (r: PhaseResult | undefined): string => {
    if (r === undefined) return 'not run';
    if (!r.ok) return `FAILED (${(r.error ?? '').slice(0, 60)})`;
    const lat = r.latencyMs ? `, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` : '';
    const fetch = r.fetchRecordsPerSec ? ` (fetch only ${r.fetchRecordsPerSec.toLocaleString('en-US')})` : '';
    return `${r.recordsPerSec!.toLocaleString('en-US')} rec/s, ${r.mbPerSec} MB/s${fetch}${lat}`;
  };
  return workloads.map((workload) => {
    const k = results.find((r) => r.system === 'kafka' && r.workload === workload);
    const n = results.find((r) => r.system === 'runnel' && r.workload === workload);
    const ratio = k?.ok && n?.ok && k.recordsPerSec ? round(n.recordsPerSec! / k.recordsPerSec, 2) : undefined;
    return { workload, kafka: show(k), runnel: show(n), ratio };
  });
}

/** The readable table of {@link ratioRows}. */
export function formatRatioTable(rows: readonly RatioRow[]): string {
  const header = ['workload', 'Kafka', 'Runnel', 'Runnel / Kafka'];
  const cells = rows.map((r) => [r.workload, r.kafka, r.runnel, r.ratio === undefined ? 'n/a' : r.ratio.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}
