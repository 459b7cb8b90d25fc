import { KubeConfig } from '@kubernetes/client-node';
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
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and a process kubelet (building the pinned
 * binaries first if the cache lacks them). With `RUNNEL_TEST_KUBECONFIG` set, starts nothing and
 * points at that cluster instead.
 */
export async function startKubeEnvironment(options: KubeEnvironmentOptions = {}): Promise<KubeEnvironment> {
  const external = process.env['RUNNEL_TEST_KUBECONFIG'];
  if (external) {
    // kubectl and helm of the pinned versions if this machine has built them, else from PATH.
    const binDir = (await findKubeBinaries())?.binDir ?? null;
    return {
      context: { kubeconfigPath: external, kubeletDir: null, nodeName: null, binDir, controlPlaneDir: null },
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
    },
    stop: () =>
      (stopping ??= (async () => {
        await kubelet.stop({ removeDir: process.env['RUNNEL_KUBE_KEEP'] !== '1' });
        await controlPlane.stop();
      })()),
  };
}
