// The control plane is the real one: CRD schemas with CEL rules are enforced by kube-apiserver,
// and kubectl and helm work against it with the written kubeconfig.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeTest, pins } from './src/index.ts';

const kube = kubeTest();
let namespace: string;

beforeAll(async () => {
  namespace = await kube.createNamespace('api');
});
afterAll(async () => {
  await kube.deleteNamespace(namespace);
});

describe('kube-apiserver', () => {
  it('reports the pinned Kubernetes version to kubectl', async () => {
    const result = await kube.kubectl(['version', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const version = JSON.parse(result.stdout) as { serverVersion?: { gitVersion?: string } };
    if (kube.context.controlPlaneDir) expect(version.serverVersion?.gitVersion).toBe(pins.kubernetes);
    else expect(version.serverVersion?.gitVersion).toMatch(/^v1\./);
  });

  // Fault injection into the API server itself (test/chaos pauses it) needs its process id.
  it.skipIf(kube.context.apiServerPid === null)('names the process of the API server the kubeconfig points at (not on an external cluster)', async () => {
    const cmdline = (await readFile(`/proc/${kube.context.apiServerPid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline[0]).toMatch(/\/kube-apiserver$/);
    const port = new URL(kube.kubeConfig.getCurrentCluster()?.server ?? '').port;
    expect(cmdline).toContain(`--secure-port=${port}`);
  });

  it('rejects custom objects that break the CRD schema and its CEL rules', async () => {
    const group = `t${randomBytes(4).toString('hex')}.runnel.test`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: {
            type: 'object',
            properties: { spec: {
              type: 'object',
              required: ['partitions', 'minInSync', 'replicas'],
              properties: {
                partitions: { type: 'integer', minimum: 1, 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'partitions may not decrease' }] },
                minInSync: { type: 'integer' },
                replicas: { type: 'integer' },
              },
              'x-kubernetes-validations': [{ rule: 'self.minInSync <= self.replicas', message: 'minInSync must not exceed replicas' }],
            } },
          } },
        }],
      },
    };
    const applied = await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) });
    expect(applied.code, applied.stderr).toBe(0);
    const established = await kube.kubectl(['wait', '--for=condition=Established', '--timeout=30s', `crd/widgets.${group}`]);
    expect(established.code, established.stderr).toBe(0);

    const widget = (spec: object): string => JSON.stringify({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace }, spec });
    const invalid = await kube.kubectl(['create', '-f', '-'], { input: widget({ partitions: 3, minInSync: 4, replicas: 3 }) });
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('minInSync must not exceed replicas');

    const valid = await kube.kubectl(['create', '-f', '-'], { input: widget({ partitions: 3, minInSync: 2, replicas: 3 }) });
    expect(valid.code, valid.stderr).toBe(0);
    const shrink = await kube.kubectl(['apply', '-f', '-'], { input: widget({ partitions: 2, minInSync: 2, replicas: 3 }) });
    expect(shrink.code).not.toBe(0);
    expect(shrink.stderr).toContain('partitions may not decrease');

    await kube.kubectl(['delete', `crd/widgets.${group}`, '--wait=false']);
  });
});

describe('helm', () => {
  let chartDir: string;
  beforeAll(async () => {
    chartDir = await mkdtemp(join(tmpdir(), 'runnel-chart-'));
    await mkdir(join(chartDir, 'templates'));
    await writeFile(join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: greeting\nversion: 0.1.0\n');
    await writeFile(join(chartDir, 'values.yaml'), 'greeting: hello\n');
    await writeFile(
      join(chartDir, 'templates', 'configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
    );
  });
  afterAll(async () => {
    await rm(chartDir, { recursive: true, force: true });
  });

  it('installs, lists and uninstalls a release', async () => {
    const release = `r${randomBytes(3).toString('hex')}`;
    const installed = await kube.helm(['install', release, chartDir, '-n', namespace, '--set', 'greeting=bonjour', '--wait', '--timeout', '60s']);
    expect(installed.code, installed.stderr).toBe(0);
    const configMap = await kube.core.readNamespacedConfigMap({ name: `${release}-greeting`, namespace });
    expect(configMap.data?.['greeting']).toBe('bonjour');

    const listed = await kube.helm(['list', '-n', namespace, '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ name: release, status: 'deployed' }));

    const uninstalled = await kube.helm(['uninstall', release, '-n', namespace, '--wait']);
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    await eventually('the release ConfigMap to be deleted', () =>
      kube.core.readNamespacedConfigMap({ name: `${release}-greeting`, namespace }).then(() => undefined, () => true),
    );
  });
});
