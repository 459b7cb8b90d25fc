import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';

/** One scrape job of the generated configuration. */
export interface ScrapeJob {
  readonly jobName: string;
  /** `host:port` targets, each with the target labels it gets (as a PodMonitor's relabelling would set). */
  readonly targets: ReadonlyArray<{ readonly address: string; readonly labels: Readonly<Record<string, string>> }>;
}

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  /** The `prometheus` binary. */
  readonly binary: string;
  /** Holds the configuration, the TSDB and `prometheus.log`; the caller removes it. */
  readonly dir: string;
  readonly jobs: readonly ScrapeJob[];
  /** Absolute paths of rule files to load. */
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval. @default 1 */
  readonly intervalSeconds?: number;
  /** How long to wait for `/-/ready`. @default 60_000 */
  readonly readyTimeoutMs?: number;
}

/** A sample of an instant vector. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** An instant query's answer: a vector, or a scalar (`time()`, numbers). */
export type QueryResult = { readonly resultType: 'vector'; readonly result: readonly VectorSample[] } | { readonly resultType: 'scalar' | 'string'; readonly result: readonly [number, string] } | { readonly resultType: 'matrix'; readonly result: readonly unknown[] };

/** A rule as `/api/v1/rules` reports it. */
export interface RuleStatus {
  readonly name: string;
  readonly query: string;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  readonly lastEvaluation: string;
  readonly state?: string;
}

/** A query Prometheus refused (`bad_data` for a PromQL parse error), with its message. */
export class PrometheusQueryError extends Error {
  readonly errorType: string;
  constructor(expr: string, errorType: string, message: string) {
    super(`Prometheus refused ${JSON.stringify(expr)}: ${errorType}: ${message}`);
    this.name = 'PrometheusQueryError';
    this.errorType = errorType;
  }
}

/** A running Prometheus process. */
export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Evaluates `expr` at the current time. @throws PrometheusQueryError when Prometheus refuses it */
  query(expr: string): Promise<QueryResult>;
  /** Every loaded rule with its health after its last evaluation. */
  rules(): Promise<RuleStatus[]>;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s). */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Cannot find a free port on 127.0.0.1');
  return address.port;
}

async function api<T>(url: string, path: string, body?: URLSearchParams): Promise<T> {
  const res = await fetch(`${url}${path}`, body === undefined ? {} : { method: 'POST', body });
  const json = (await res.json()) as { status: string; data: T; errorType?: string; error?: string };
  if (json.status !== 'success') throw new PrometheusQueryError(body?.get('query') ?? path, json.errorType ?? String(res.status), json.error ?? 'no error message');
  return json.data;
}

/**
 * Starts a real Prometheus on a free loopback port with a generated configuration (static scrape
 * targets, the given rule files) and waits until it is ready. Prometheus refuses to start on a rule
 * file that does not parse; the error is in the thrown message.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const interval = `${options.intervalSeconds ?? 1}s`;
  const configPath = join(options.dir, 'prometheus.yml');
  await writeFile(configPath, stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: options.jobs.map((job) => ({
      job_name: job.jobName,
      static_configs: job.targets.map((t) => ({ targets: [t.address], labels: { ...t.labels } })),
    })),
  }));
  const logPath = join(options.dir, 'prometheus.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = await open(logPath, 'w');
  let spawnError: Error | undefined;
  let child: ChildProcess;
  let exited: Promise<void>;
  try {
    child = spawn(options.binary, [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', log.fd, log.fd] });
    // Listeners before any await: a binary that cannot start emits 'error' on the next tick.
    child.on('error', (err) => {
      spawnError = err;
    });
    // 'close' follows 'exit', or 'error' when the binary could not be started.
    exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  } finally {
    await log.close();
  }
  const lastLog = async (): Promise<string> => (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      await exited;
      if (spawnError !== undefined) throw new Error(`Cannot start Prometheus (${options.binary}): ${spawnError.message}`);
      throw new Error(`Prometheus exited (${child.exitCode ?? child.signalCode}) before it was ready; its log ends:\n${await lastLog()}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Prometheus was not ready at ${url} within ${options.readyTimeoutMs ?? 60_000} ms; its log ends:\n${await lastLog()}`);
    }
    await sleep(100);
  }
  return {
    url,
    async query(expr) {
      return api<QueryResult>(url, '/api/v1/query', new URLSearchParams({ query: expr }));
    },
    async rules() {
      const data = await api<{ groups: Array<{ rules: RuleStatus[] }> }>(url, '/api/v1/rules');
      return data.groups.flatMap((g) => g.rules);
    },
    async close() {
      if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
