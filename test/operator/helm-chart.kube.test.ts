// What the chart renders, the plain manifests of deploy/operator and the examples of
// deploy/examples are accepted by the real API server (`kubectl apply --dry-run=server`): schema,
// CRD validation and CEL, RBAC object validation, and the restricted Pod Security Standard, which
// the namespace enforces and warns about. The Runnel CRDs and the prometheus-operator CRDs (pinned
// in test/kube/go/prometheus-operator-crds) are installed first, so custom resources are checked
// against their real schemas.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { builtTestTool, kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_TOGGLES, helmTemplate, toggleCombinations, type RenderedObject } from '../../helm/src/helm-command.ts';
import { PLAIN_RELEASE, REPO_ROOT } from '../../helm/src/render-chart-files.ts';

const kube = kubeTest();
const run = promisify(execFile);
const PROMETHEUS_OPERATOR_MODULE = fileURLToPath(new URL('../kube/go/prometheus-operator-crds/', import.meta.url));
let helm: string;
let namespace: string;
const figures: Record<string, number> = {};

/** The prometheus-operator CRDs of the pinned module, fetched (and verified) by `go mod download`. */
async function prometheusOperatorCrds(): Promise<string[]> {
  const { stdout } = await run('go', ['mod', 'download', '-json', 'github.com/prometheus-operator/prometheus-operator'], { cwd: PROMETHEUS_OPERATOR_MODULE, env: { ...process.env, GOFLAGS: '-mod=readonly' } });
  const dir = join((JSON.parse(stdout) as { Dir: string }).Dir, 'example', 'prometheus-operator-crd');
  return ['servicemonitors', 'podmonitors', 'prometheusrules'].map((plural) => join(dir, `monitoring.coreos.com_${plural}.yaml`));
}

const applyDryRun = (args: readonly string[], input?: string) => kube.kubectl(['apply', '--server-side', '--field-manager=chart-test', '--force-conflicts', '--dry-run=server', ...args], input === undefined ? {} : { input });

beforeAll(async () => {
  helm = await builtTestTool('helm');
  const crds = [...readdirSync(`${REPO_ROOT}deploy/crds`).map((f) => `${REPO_ROOT}deploy/crds/${f}`), ...(await prometheusOperatorCrds())];
  const applied = await kube.kubectl(['apply', '--server-side', '--force-conflicts', ...crds.flatMap((f) => ['-f', f])]);
  expect(applied.code, applied.stderr).toBe(0);
  const established = await kube.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/clusters.runnel.dev', 'crd/topics.runnel.dev', 'crd/servicemonitors.monitoring.coreos.com', 'crd/podmonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com']);
  expect(established.code, established.stderr).toBe(0);
  namespace = await kube.createNamespace('chart');
  // The restricted Pod Security Standard: enforced, and warned about for workload templates.
  const labelled = await kube.kubectl(['label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
  expect(labelled.code, labelled.stderr).toBe(0);
});

afterAll(async () => {
  if (namespace) await kube.deleteNamespace(namespace);
  await kube.deleteNamespace(PLAIN_RELEASE.namespace);
  if (Object.keys(figures).length > 0) process.stdout.write(`chart dry-run figures (shared 2-core machine): ${JSON.stringify(figures)}\n`);
});

describe('server-side dry run', () => {
  it(`accepts what every combination of the chart's choices renders (${Object.keys(CHART_TOGGLES).join(', ')})`, async () => {
    const combos = toggleCombinations();
    const started = performance.now();
    // Each distinct object is sent once: a dry run checks objects one by one, so the union of all
    // renderings, deduplicated, is checked exactly as each rendering would be.
    const distinct = new Map<string, RenderedObject>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < combos.length) {
        const combo = combos[next++]!;
        const objects = await helmTemplate(helm, { namespace, values: combo }).catch((err: unknown) => {
          throw new Error(`helm template with ${JSON.stringify(combo)} failed: ${String(err)}`);
        });
        expect(objects.length, JSON.stringify(combo)).toBeGreaterThan(0);
        for (const o of objects) distinct.set(JSON.stringify(o), o);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    figures['combinations'] = combos.length;
    figures['distinctObjects'] = distinct.size;
    figures['renderAllMs'] = Math.round(performance.now() - started);
    // Objects with one name differ by combination (the Deployment's args, say): one apply each.
    const byIdentity = new Map<string, RenderedObject[]>();
    for (const o of distinct.values()) {
      const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      byIdentity.set(id, [...(byIdentity.get(id) ?? []), o]);
    }
    const rounds = Math.max(...[...byIdentity.values()].map((v) => v.length));
    for (let round = 0; round < rounds; round++) {
      const items = [...byIdentity.values()].flatMap((variants) => (variants[round] ? [variants[round]] : []));
      const result = await applyDryRun(['-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      expect(result.code, `round ${round}: ${result.stderr}`).toBe(0);
      expect(result.stderr, 'Pod Security warnings').not.toMatch(/would violate PodSecurity/);
      expect(result.stdout.trim().split('\n')).toHaveLength(items.length);
      expect(result.stdout).toMatch(/\(server dry run\)/);
    }
    figures['dryRunRounds'] = rounds;
    const kinds = new Set([...distinct.values()].map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['Cluster', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CustomResourceDefinition', 'Deployment', 'PodMonitor', 'PrometheusRule', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ServiceMonitor', 'Topic']);
  }, 900_000);

  it('accepts the plain manifests of deploy/operator in one apply', async () => {
    await kube.core.createNamespace({ body: { metadata: { name: PLAIN_RELEASE.namespace } } }).catch(() => undefined);
    const result = await applyDryRun(['-f', `${REPO_ROOT}deploy/operator/runnel-operator.yaml`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/deployment.apps\/runnel-operator serverside-applied \(server dry run\)/);
    expect(result.stdout).toMatch(/customresourcedefinition.apiextensions.k8s.io\/clusters.runnel.dev serverside-applied \(server dry run\)/);
  });

  it('accepts every example of deploy/examples (a small and a production-like Cluster, Topics) in one apply', async () => {
    const result = await applyDryRun(['-n', namespace, '-f', `${REPO_ROOT}deploy/examples/`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual([
      'cluster.runnel.dev/production serverside-applied (server dry run)',
      'cluster.runnel.dev/small serverside-applied (server dry run)',
      'topic.runnel.dev/audit-log serverside-applied (server dry run)',
      'topic.runnel.dev/orders serverside-applied (server dry run)',
    ]);
  });

  it('refuses a values choice the API server would reject, naming the field (a Cluster spec without storage)', async () => {
    const objects = await helmTemplate(helm, { namespace, values: { 'cluster.create': true, 'cluster.spec': { replicas: 1, storage: null } } });
    // --validate=false: the API server, not kubectl's copy of the schema, gives the answer.
    const result = await applyDryRun(['--validate=false', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.filter((o) => o.kind === 'Cluster') }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/spec.storage: Required value/);
  });
});
