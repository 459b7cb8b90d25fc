/**
 * The real Kubernetes control plane for tests: build ({@link ensureKubeBinaries}), launch
 * ({@link startControlPlane}, {@link startKubeEnvironment}), the process kubelet, and the helpers
 * test files use ({@link kubeTest}).
 */
export { ensureKubeBinaries, findKubeBinaries, kubeCacheRoot, type KubeBinaries } from './build/kube-binaries.ts';
export { pins } from './build/pins.ts';
export { startControlPlane, controllers, type ControlPlane, type ControlPlaneOptions } from './control-plane/control-plane.ts';
export { startKubeEnvironment, type KubeEnvironment } from './kube-environment.ts';
export { ProcessKubelet, type ProcessKubeletOptions } from './kubelet/process-kubelet.ts';
export { ImageMap, type ImageEntry } from './kubelet/image-map.ts';
export { containerLogPath } from './kubelet/pod-worker.ts';
export { KubeTestError, type KubeTestErrorCode } from './errors.ts';
export type { KubeTestContext } from './kube-test-context.ts';
export { kubeTest, eventually, type KubeTestHandle, type CommandResult } from './kube-test.ts';
