import type { TestProject } from 'vitest/node';
import { startKubeEnvironment } from '../kube-environment.ts';
import '../kube-test-context.ts';

/**
 * Global setup of the vitest `kube` project: one control plane and one process kubelet for the
 * whole run (or the cluster of `RUNNEL_TEST_KUBECONFIG`), provided to tests as `runnelKube`,
 * torn down when the run ends, whether tests passed or not.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const environment = await startKubeEnvironment({ log: (line) => console.error(line) });
  project.provide('runnelKube', environment.context);
  return () => environment.stop();
}
