/**
 * The real Kubernetes control plane for tests: build ({@link ensureKubeBinaries}, and the test tools
 * grpcurl, prometheus and promtool: {@link ensureTestTool}), launch
 * ({@link startControlPlane}, {@link startKubeEnvironment}), the process kubelet, and the helpers
 * test files use ({@link kubeTest}).
 */
export { ensureKubeBinaries, findKubeBinaries, kubeCacheRoot, type KubeBinaries } from './build/kube-binaries.ts';
export { pins } from './build/pins.ts';
export {
  builtTestTool,
  ensureTestTool,
  findTestTool,
  testToolNames,
  testToolPins,
  type EnsureTestToolOptions,
  type TestToolName,
} from './build/test-tools.ts';
export { startControlPlane, controllers, type ControlPlane, type ControlPlaneOptions } from './control-plane/control-plane.ts';
export { startKubeEnvironment, type KubeEnvironment } from './kube-environment.ts';
export { ProcessKubelet, type ProcessKubeletOptions } from './kubelet/process-kubelet.ts';
export { ImageMap, imageEntryFromDockerfile, type ImageEntry, type DockerfileImageEntry } from './kubelet/image-map.ts';
export { readDockerfileImage, type DockerfileImage } from './kubelet/dockerfile-image.ts';
export { containerLogPath } from './kubelet/pod-worker.ts';
export { KubeTestError, type KubeTestErrorCode } from './errors.ts';
export type { KubeTestContext } from './kube-test-context.ts';
export { kubeTest, eventually, type KubeTestHandle, type CommandResult } from './kube-test.ts';
