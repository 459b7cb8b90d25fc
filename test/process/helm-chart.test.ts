// The Helm chart helm/runnel with the real helm (v4, built by `npm run kube:build`): its generated
// files are current (values.yaml and values.schema.json from one source, the CRDs and monitoring
// objects from their generators, deploy/operator from the chart), `helm lint --strict` is clean,
// the schema refuses bad values by name, and what it renders is what the README promises: a
// restricted, leader-elected operator with least-privilege RBAC in either scope.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { BROKER_RBAC_RULES, renderCrds } from '@runnel/metadata';
import { renderMonitoring } from '@runnel/monitoring';
import { builtTestTool } from '@runnel/test-kube';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { helmTemplate, parseObjects, runHelm, type RenderedObject } from '../../helm/src/helm-command.ts';
import { CHART_DIR, REPO_ROOT, renderChartFiles, renderPlainManifests } from '../../helm/src/render-chart-files.ts';

let helm: string;
beforeAll(async () => {
  helm = await builtTestTool('helm');
});

const find = (objects: readonly RenderedObject[], kind: string, name?: string): RenderedObject[] => objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
type Container = { args: string[]; env: Array<{ name: string }>; ports: Array<{ name: string; containerPort: number }>; securityContext: Record<string, unknown>; resources: unknown; livenessProbe: unknown; readinessProbe: unknown; startupProbe: unknown; image: string };
const podSpec = (deployment: RenderedObject) => (deployment['spec'] as { replicas: number; template: { spec: { securityContext: Record<string, unknown>; serviceAccountName: string; containers: Container[] } } });
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const allows = (rules: readonly Rule[], group: string, resource: string, verb: string): boolean =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe('generated files', () => {
  it('values.yaml, values.schema.json and the chart copies of the CRDs and monitoring objects are what `npm run gen:chart` writes', async () => {
    for (const file of renderChartFiles()) {
      expect(await readFile(`${REPO_ROOT}${file.path}`, 'utf8'), `${file.path} is stale: run npm run gen:chart`).toBe(file.text);
    }
  });

  it('deploy/operator/runnel-operator.yaml is `helm template` of the chart (npm run gen:chart)', async () => {
    const plain = await renderPlainManifests(helm);
    expect(await readFile(`${REPO_ROOT}${plain.path}`, 'utf8'), 'deploy/operator is stale: run npm run gen:chart').toBe(plain.text);
  });

  it('the chart CRDs are the generated ones of deploy/crds, plus helm.sh/resource-policy: keep', async () => {
    const crds = find(await helmTemplate(helm), 'CustomResourceDefinition');
    const generated = renderCrds();
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(generated.map((c) => (c.object['metadata'] as { name: string }).name).sort());
    for (const crd of generated) {
      expect(readFileSync(`${REPO_ROOT}deploy/crds/${crd.file}`, 'utf8')).toBe(crd.yaml);
      const rendered = crds.find((c) => c.metadata.name === (crd.object['metadata'] as { name: string }).name)!;
      expect(rendered.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(rendered['spec']).toEqual(crd.object['spec']);
    }
  });

  it('the monitoring objects keep the generated specs and take the labels a user sets', async () => {
    const objects = await helmTemplate(helm, {
      values: Object.fromEntries(['serviceMonitor', 'podMonitor', 'prometheusRule', 'dashboard'].map((m) => [`monitoring.${m}`, { enabled: true, labels: { release: 'kps' } }])),
    });
    const generated = new Map(renderMonitoring().map((f) => [f.file, f.object as RenderedObject]));
    const pairs = [
      ['ServiceMonitor', 'operator-servicemonitor.yaml'],
      ['PodMonitor', 'broker-podmonitor.yaml'],
      ['PrometheusRule', 'prometheus-rule.yaml'],
      ['ConfigMap', 'grafana-dashboard-configmap.yaml'],
    ] as const;
    for (const [kind, file] of pairs) {
      const rendered = find(objects, kind).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'monitoring');
      expect(rendered, kind).toHaveLength(1);
      expect(rendered[0]!.metadata.labels).toMatchObject({ release: 'kps', ...generated.get(file)!.metadata.labels });
      expect(rendered[0]!.metadata.namespace).toBe('runnel');
    }
    const rule = find(objects, 'PrometheusRule')[0]!;
    expect(rule['spec']).toEqual(generated.get('prometheus-rule.yaml')!['spec']);
    expect(find(objects, 'ConfigMap')[0]!['data']).toEqual(generated.get('grafana-dashboard-configmap.yaml')!['data']);
    // The ServiceMonitor selects this release's metrics Service; the PodMonitor the watched namespaces.
    const serviceMonitor = find(objects, 'ServiceMonitor')[0]!['spec'] as { selector: { matchLabels: Record<string, string> }; endpoints: unknown[] };
    const service = find(objects, 'Service', 'runnel-operator-metrics')[0]!;
    expect(service.metadata.labels).toMatchObject(serviceMonitor.selector.matchLabels);
    expect(serviceMonitor.endpoints).toEqual((generated.get('operator-servicemonitor.yaml')!['spec'] as { endpoints: unknown[] }).endpoints);
    expect((find(objects, 'PodMonitor')[0]!['spec'] as { namespaceSelector: unknown }).namespaceSelector).toEqual({ matchNames: ['runnel'] });
  });

  it('Chart.yaml carries the version of the root package.json', () => {
    const chart = parse(readFileSync(`${CHART_DIR}Chart.yaml`, 'utf8')) as { version: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string };
    expect([chart.version, chart.appVersion]).toEqual([pkg.version, pkg.version]);
  });
});

describe('helm lint', () => {
  it('is clean with --strict, with the defaults and with every option on', async () => {
    for (const extra of [[], ['--set', 'cluster.create=true', '--set-json', 'topics=[{"name":"orders","spec":{"partitions":3,"replicationFactor":3}}]', '--set', 'monitoring.serviceMonitor.enabled=true,monitoring.podMonitor.enabled=true,monitoring.prometheusRule.enabled=true,monitoring.dashboard.enabled=true', '--set', 'watch.scope=Cluster']]) {
      const result = await runHelm(helm, ['lint', '--strict', CHART_DIR, ...extra]);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });
});

describe('values.schema.json', () => {
  const refused = async (args: string[]): Promise<string> => {
    const result = await runHelm(helm, ['template', 'runnel', CHART_DIR, ...args]);
    expect(result.code, `helm template ${args.join(' ')} should fail`).not.toBe(0);
    return result.stderr;
  };

  it('refuses bad values with an error naming the value', async () => {
    expect(await refused(['--set', 'operator.replicas=0'])).toMatch(/operator\.replicas|\/operator\/replicas/);
    expect(await refused(['--set', 'watch.scope=Everywhere'])).toMatch(/watch\.scope|\/watch\/scope/);
    expect(await refused(['--set', 'operatr.replicas=2'])).toMatch(/operatr/);
    expect(await refused(['--set', 'crds.install=maybe'])).toMatch(/crds\.install|\/crds\/install/);
    expect(await refused(['--set-json', 'watch.namespaces=["Not_A_Namespace"]'])).toMatch(/watch\.namespaces|\/watch\/namespaces/);
    expect(await refused(['--set-json', 'topics=[{"spec":{"partitions":1}}]'])).toMatch(/name/);
  });
});

describe('rendered objects', () => {
  it('the operator: 2 replicas with leader election, probes, resources, and the restricted Pod Security Standard', async () => {
    const objects = await helmTemplate(helm);
    const [deployment] = find(objects, 'Deployment', 'runnel-operator');
    const spec = podSpec(deployment!);
    expect(spec.replicas).toBe(2);
    const pod = spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = pod.containers;
    expect(container!.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container!.args).toEqual(['operator', '--namespace=runnel', '--leader-elect=true', '--lease-namespace=runnel', '--metrics-port=8080']);
    expect(container!.image).toBe('ghcr.io/runnel/runnel:0.1.0');
    expect(container!.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'metrics' } });
    expect(container!.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'metrics' } });
    expect(container!.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(container!.env.map((e) => e.name)).toEqual(expect.arrayContaining(['POD_NAMESPACE', 'POD_IP']));
    // The metrics Service: port = target port (the process kubelet has no kube-proxy, and users' scrapers use the name).
    const [service] = find(objects, 'Service', 'runnel-operator-metrics');
    expect(service!['spec']).toMatchObject({ ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics' }], selector: { 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/instance': 'runnel' } });
    expect(find(objects, 'ServiceAccount', 'runnel-operator')).toHaveLength(1);
    expect(pod.serviceAccountName).toBe('runnel-operator');
  });

  it('namespace scope: the operator rules are bound only in the watched namespaces, and it holds what it grants the brokers', async () => {
    const objects = await helmTemplate(helm, { values: { 'watch.namespaces': ['team-a', 'team-b'] } });
    expect(find(objects, 'ClusterRoleBinding').map((b) => b.metadata.name)).toEqual(['runnel-runnel-operator-nodes']);
    const bindings = find(objects, 'RoleBinding').filter((b) => b.metadata.name === 'runnel-operator');
    expect(bindings.map((b) => b.metadata.namespace)).toEqual(['team-a', 'team-b']);
    const container = podSpec(find(objects, 'Deployment')[0]!).template.spec.containers[0]!;
    expect(container.args).toEqual(expect.arrayContaining(['--namespace=team-a', '--namespace=team-b', '--lease-namespace=runnel']));
    const rules = find(objects, 'ClusterRole', 'runnel-runnel-operator')[0]!['rules'] as Rule[];
    // RBAC forbids granting what one does not hold: the broker Role's rules must be the operator's too.
    for (const rule of BROKER_RBAC_RULES) for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) expect(allows(rules, group, resource, verb), `${verb} ${group}/${resource}`).toBe(true);
    // The operator declares each Cluster's __consumer_offsets Topic (server-side apply of a new object needs create).
    expect(allows(rules, 'runnel.dev', 'topics', 'create'), 'create runnel.dev/topics').toBe(true);
    expect(allows(rules, 'runnel.dev', 'clusters', 'create'), 'create runnel.dev/clusters').toBe(false);
    // Least privilege: no wildcards, no secrets, no cluster-wide writes.
    expect(JSON.stringify(rules)).not.toMatch(/"\*"|secrets/);
    expect(find(objects, 'ClusterRole', 'runnel-runnel-operator-nodes')[0]!['rules']).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
  });

  it('cluster scope: one ClusterRoleBinding and --all-namespaces', async () => {
    const objects = await helmTemplate(helm, { values: { 'watch.scope': 'Cluster' } });
    expect(find(objects, 'ClusterRoleBinding').map((b) => b.metadata.name).sort()).toEqual(['runnel-runnel-operator', 'runnel-runnel-operator-nodes']);
    expect(find(objects, 'RoleBinding').map((b) => b.metadata.name)).toEqual(['runnel-operator-leader-election']);
    expect(podSpec(find(objects, 'Deployment')[0]!).template.spec.containers[0]!.args).toEqual(expect.arrayContaining(['--all-namespaces']));
  });

  it('crds.install=false renders no CRD; the optional Cluster and Topics use the chart image and the Cluster name', async () => {
    expect(find(await helmTemplate(helm, { values: { 'crds.install': false } }), 'CustomResourceDefinition')).toEqual([]);
    const objects = await helmTemplate(helm, { valueFiles: [`${REPO_ROOT}deploy/examples/helm-values/small-cluster.yaml`], values: { topics: [{ name: 'orders', spec: { partitions: 3, replicationFactor: 3 } }] } });
    const [cluster] = find(objects, 'Cluster', 'small');
    // The values example is the kubectl example, Cluster for Cluster.
    const example = parseObjects(readFileSync(`${REPO_ROOT}deploy/examples/cluster-small.yaml`, 'utf8'))[0]!;
    expect(cluster!['spec']).toEqual(example['spec']);
    const [topic] = find(objects, 'Topic', 'orders');
    expect(topic!.metadata.labels?.['runnel.dev/cluster']).toBe('small');
    expect(topic!['spec']).toEqual({ partitions: 3, replicationFactor: 3 });
  });
});
