import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from './render-chart-files.ts';

/** Result of one helm run. */
export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Kubernetes object as rendered. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

// Helm's caches and config in one directory of its own (reused by every run), never the user's.
// The chart has no dependencies, so nothing is downloaded into it.
const helmHome = join(tmpdir(), 'runnel-helm-home');

/** Runs `helm args…` (the given binary) with its caches in a temporary directory; never rejects on a non-zero exit. */
export function runHelm(helm: string, args: readonly string[], env: Record<string, string> = {}): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    execFile(
      helm,
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data'), ...env },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Parses a multi-document YAML stream into its objects (empty documents dropped). */
export function parseObjects(text: string): RenderedObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS({ maxAliasCount: -1 }) as RenderedObject | null;
    })
    .filter((o): o is RenderedObject => o !== null);
}

/** `helm template <release> <chart> --namespace <ns> --set-json k=v…`; throws with helm's stderr on failure. */
export async function helmTemplate(helm: string, options: { release?: string; namespace?: string; chart?: string; values?: Record<string, unknown>; valueFiles?: readonly string[] } = {}): Promise<RenderedObject[]> {
  const args = ['template', options.release ?? 'runnel', options.chart ?? CHART_DIR, '--namespace', options.namespace ?? 'runnel'];
  for (const file of options.valueFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.values ?? {})) args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  const result = await runHelm(helm, args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  return parseObjects(result.stdout);
}

/**
 * The chart's choices that add or remove objects or change RBAC and arguments. The four monitoring
 * objects are one choice: each is guarded by its own flag alone, and none changes another object.
 */
export const CHART_TOGGLES = {
  'crds.install': [true, false],
  'watch.scope': ['Namespace', 'Cluster'],
  'serviceAccount.create': [true, false],
  'rbac.create': [true, false],
  'operator.leaderElection': [true, false],
  'metricsService.enabled': [true, false],
  'cluster.create': [false, true],
  topics: [[], [{ name: 'orders', spec: { partitions: 3, replicationFactor: 3 } }]],
  monitoring: [
    {},
    Object.fromEntries(['serviceMonitor', 'podMonitor', 'prometheusRule', 'dashboard'].map((m) => [m, { enabled: true, labels: { release: 'kube-prometheus-stack' } }])),
  ],
} as const satisfies Record<string, readonly unknown[]>;

/** Every combination of {@link CHART_TOGGLES} (2^9), as `--set-json` values. */
export function toggleCombinations(): Array<Record<string, unknown>> {
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [key, choices] of Object.entries(CHART_TOGGLES)) {
    combos = combos.flatMap((combo) => (choices as readonly unknown[]).map((choice) => ({ ...combo, [key]: choice })));
  }
  return combos;
}
