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
  /** Jobs with static targets. */
  readonly jobs: readonly ScrapeJob[];
  /** Further `scrape_configs` entries as Prometheus reads them (service discovery, relabelling), e.g. from {@link podMonitorScrapeConfig}. */
  readonly scrapeConfigs?: readonly Record<string, unknown>[];
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

/** An active scrape target as `/api/v1/targets` reports it. */
export interface TargetStatus {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
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
  /** Active scrape targets with their labels after relabelling, health and last error. */
  targets(): Promise<TargetStatus[]>;
  /** `# HELP` and `# TYPE` of a metric as scraped, one entry per distinct pair (`/api/v1/metadata`). */
  metadata(metric: string): Promise<Array<{ readonly type: string; readonly help: string }>>;
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

/** prometheus-operator's camelCase relabelling fields as Prometheus' snake_case. */
function relabelConfig(r: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const names: Record<string, string> = { sourceLabels: 'source_labels', targetLabel: 'target_label' };
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [names[k] ?? k, v]));
}

/**
 * The scrape configuration prometheus-operator generates for a PodMonitor (its first endpoint):
 * Kubernetes pod discovery in the namespaces of its `namespaceSelector`, keep the pods its `matchLabels` select and
 * the container port it names, add `namespace`, `container` and `pod` the way the operator does,
 * then apply the monitor's own relabelings. It lets a test scrape with the shipped monitor's
 * selection and relabelling on a cluster without prometheus-operator.
 */
export function podMonitorScrapeConfig(podMonitor: Readonly<Record<string, unknown>>, options: { readonly kubeconfigFile: string }): Record<string, unknown> {
  const meta = podMonitor['metadata'] as { name: string };
  const spec = podMonitor['spec'] as {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector?: { any?: boolean; matchNames?: string[] };
    podMetricsEndpoints: Array<{ port: string; path?: string; relabelings?: Array<Record<string, unknown>> }>;
  };
  const endpoint = spec.podMetricsEndpoints[0];
  if (endpoint === undefined) throw new Error(`PodMonitor ${meta.name} has no podMetricsEndpoints`);
  const sanitize = (label: string): string => label.replace(/[^a-zA-Z0-9_]/g, '_');
  return {
    job_name: `podMonitor/${meta.name}/0`,
    metrics_path: endpoint.path ?? '/metrics',
    kubernetes_sd_configs: [{
      role: 'pod',
      kubeconfig_file: options.kubeconfigFile,
      // matchNames: those namespaces; any: all of them; neither: the monitor's own (prometheus-operator's rule).
      ...(spec.namespaceSelector?.any === true ? {} : { namespaces: { names: spec.namespaceSelector?.matchNames ?? [(podMonitor['metadata'] as { namespace?: string }).namespace ?? 'default'] } }),
    }],
    relabel_configs: [
      ...Object.entries(spec.selector.matchLabels).map(([label, value]) => ({
        action: 'keep', source_labels: [`__meta_kubernetes_pod_label_${sanitize(label)}`, `__meta_kubernetes_pod_labelpresent_${sanitize(label)}`], regex: `(${value});true`,
      })),
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: endpoint.port },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { target_label: 'job', replacement: `${(podMonitor['metadata'] as { namespace?: string }).namespace ?? 'default'}/${meta.name}` },
      ...(endpoint.relabelings ?? []).map(relabelConfig),
    ],
  };
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
    scrape_configs: [
      ...options.jobs.map((job) => ({
        job_name: job.jobName,
        static_configs: job.targets.map((t) => ({ targets: [t.address], labels: { ...t.labels } })),
      })),
      ...(options.scrapeConfigs ?? []),
    ],
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
    async targets() {
      const data = await api<{ activeTargets: TargetStatus[] }>(url, '/api/v1/targets?state=active');
      return data.activeTargets;
    },
    async metadata(metric) {
      const data = await api<Record<string, Array<{ type: string; help: string }>>>(url, `/api/v1/metadata?metric=${encodeURIComponent(metric)}`);
      return data[metric] ?? [];
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
