// RUNNEL_TEST_KUBECONFIG: the kube tier against an existing cluster. Here the "existing cluster" is
// the control plane this run started, handed to startKubeEnvironment as an external kubeconfig: it
// must start nothing, hand out that kubeconfig with no process kubelet, leave the cluster running
// on stop, and refuse a kubeconfig that is missing, malformed or points at no API server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeTestError, kubeTest, startKubeEnvironment } from './src/index.ts';

const kube = kubeTest();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runnel-external-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startKubeEnvironment with an external kubeconfig (RUNNEL_TEST_KUBECONFIG)', () => {
  it('uses the given cluster: no control plane, no process kubelet, and stop leaves the cluster running', async () => {
    const environment = await startKubeEnvironment({ externalKubeconfig: kube.context.kubeconfigPath });
    expect(environment.context).toEqual({
      kubeconfigPath: kube.context.kubeconfigPath,
      kubeletDir: null,
      nodeName: null,
      controlPlaneDir: null,
      binDir: kube.context.binDir,
      apiServerPid: null,
    });
    await environment.stop();
    // The cluster it was pointed at still answers: stop() of an external environment stops nothing.
    const namespaces = await kube.core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('default');
  });

  it('reads RUNNEL_TEST_KUBECONFIG when no option is given', async () => {
    const before = process.env['RUNNEL_TEST_KUBECONFIG'];
    process.env['RUNNEL_TEST_KUBECONFIG'] = kube.context.kubeconfigPath;
    try {
      const environment = await startKubeEnvironment();
      expect(environment.context.kubeconfigPath).toBe(kube.context.kubeconfigPath);
      expect(environment.context.kubeletDir).toBeNull();
    } finally {
      if (before === undefined) delete process.env['RUNNEL_TEST_KUBECONFIG'];
      else process.env['RUNNEL_TEST_KUBECONFIG'] = before;
    }
  });

  it('refuses a kubeconfig that does not exist, does not parse, or whose API server does not answer, naming the variable and the problem', async () => {
    const refused = (path: string): Promise<unknown> => startKubeEnvironment({ externalKubeconfig: path }).then(() => undefined, (err: unknown) => err);
    const missing = await refused(join(dir, 'nope.yaml'));
    expect(missing).toBeInstanceOf(KubeTestError);
    expect(missing).toMatchObject({ code: 'EXTERNAL_CLUSTER_INVALID', message: expect.stringMatching(/^RUNNEL_TEST_KUBECONFIG=.*nope\.yaml: no such file/) });

    const garbage = join(dir, 'garbage.yaml');
    await writeFile(garbage, ': not yaml : [');
    expect(await refused(garbage)).toMatchObject({ code: 'EXTERNAL_CLUSTER_INVALID', message: expect.stringContaining('garbage.yaml: not a kubeconfig') });

    const noContext = join(dir, 'no-context.yaml');
    await writeFile(noContext, 'hello: world\n');
    expect(await refused(noContext)).toMatchObject({ code: 'EXTERNAL_CLUSTER_INVALID', message: expect.stringContaining('no-context.yaml: not a kubeconfig: it has no current-context') });

    // A well-formed kubeconfig whose server nothing listens on (port 1 on loopback).
    const unreachable = join(dir, 'unreachable.yaml');
    await writeFile(unreachable, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }));
    expect(await refused(unreachable)).toMatchObject({ code: 'EXTERNAL_CLUSTER_INVALID', message: expect.stringContaining('cannot reach the API server https://127.0.0.1:1') });
  });
});
