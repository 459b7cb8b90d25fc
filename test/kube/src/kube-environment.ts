import { existsSync } from 'node:fs';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { KubeTestError } from './errors.ts';
import { ensureKubeBinaries, findKubeBinaries } from './build/kube-binaries.ts';
import { startControlPlane } from './control-plane/control-plane.ts';
import { ProcessKubelet } from './kubelet/process-kubelet.ts';
import type { KubeTestContext } from './kube-test-context.ts';

/** A running test environment: control plane plus process kubelet, or an external cluster. */
export interface KubeEnvironment {
  readonly context: KubeTestContext;
  /** Stops the kubelet's pods, then the control plane, and removes their directories. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startKubeEnvironment}. */
export interface KubeEnvironmentOptions {
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** Kubeconfig of an existing cluster to use instead of starting one. @default process.env.RUNNEL_TEST_KUBECONFIG */
  readonly externalKubeconfig?: string;
}

/**
 * Checks that `path` (from RUNNEL_TEST_KUBECONFIG) is a kubeconfig whose API server answers, so a
 * wrong setting fails the run at once with what is wrong rather than in every test.
 * @throws KubeTestError `EXTERNAL_CLUSTER_INVALID`
 */
async function checkExternalCluster(path: string): Promise<void> {
  const invalid = (what: string, cause?: unknown): KubeTestError =>
    new KubeTestError('EXTERNAL_CLUSTER_INVALID', `RUNNEL_TEST_KUBECONFIG=${path}: ${what}`, cause === undefined ? undefined : { cause });
  if (!existsSync(path)) throw invalid('no such file (set it to the kubeconfig of the cluster to test against, or unset it to start the test control plane)');
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (err) {
    throw invalid(`not a kubeconfig: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const context = kubeConfig.getCurrentContext() as string | undefined;
  if (!context) throw invalid('not a kubeconfig: it has no current-context');
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw invalid(`its current context ${JSON.stringify(context)} names no cluster`);
  try {
    await kubeConfig.makeApiClient(VersionApi).getCode();
  } catch (err) {
    throw invalid(`cannot reach the API server ${cluster.server}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and a process kubelet (building the pinned
 * binaries first if the cache lacks them). With `RUNNEL_TEST_KUBECONFIG` set (or
 * `externalKubeconfig`), starts nothing and points at that cluster instead, after checking that its
 * API server answers.
 */
export async function startKubeEnvironment(options: KubeEnvironmentOptions = {}): Promise<KubeEnvironment> {
  const external = options.externalKubeconfig ?? process.env['RUNNEL_TEST_KUBECONFIG'];
  if (external) {
    await checkExternalCluster(external);
    // kubectl and helm of the pinned versions if this machine has built them, else from PATH.
    const binDir = (await findKubeBinaries())?.binDir ?? null;
    return {
      context: { kubeconfigPath: external, kubeletDir: null, nodeName: null, binDir, controlPlaneDir: null, apiServerPid: null },
      stop: () => Promise.resolve(),
    };
  }
  const log = options.log ?? (() => undefined);
  const binaries = await ensureKubeBinaries({ log, ...(options.signal ? { signal: options.signal } : {}) });
  const started = performance.now();
  const controlPlane = await startControlPlane({ binaries, ...(options.signal ? { signal: options.signal } : {}) });
  let kubelet: ProcessKubelet;
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
    kubelet = await ProcessKubelet.start({ kubeConfig, apiHost: controlPlane.host, apiPort: controlPlane.port });
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
  log(`kube: control plane and process kubelet ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${controlPlane.server})`);
  let stopping: Promise<void> | undefined;
  return {
    context: {
      kubeconfigPath: controlPlane.kubeconfigPath,
      kubeletDir: kubelet.kubeletDir,
      nodeName: kubelet.nodeName,
      binDir: binaries.binDir,
      controlPlaneDir: controlPlane.dir,
      apiServerPid: controlPlane.components.find((c) => c.name === 'kube-apiserver')?.pid ?? null,
    },
    stop: () =>
      (stopping ??= (async () => {
        await kubelet.stop({ removeDir: process.env['RUNNEL_KUBE_KEEP'] !== '1' });
        await controlPlane.stop();
      })()),
  };
}
