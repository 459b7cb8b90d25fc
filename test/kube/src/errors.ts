/** Stable codes of {@link KubeTestError}; tests and scripts branch on these, never on messages. */
export type KubeTestErrorCode =
  | 'GO_NOT_FOUND'
  | 'GO_BUILD_FAILED'
  | 'KUBE_BINARY_MISSING'
  | 'TEST_TOOL_NOT_BUILT'
  | 'PIP_NOT_FOUND'
  | 'PIP_INSTALL_FAILED'
  | 'UNKNOWN_TEST_TOOL'
  | 'COMPONENT_START_FAILED'
  | 'COMPONENT_EXITED'
  | 'WAIT_TIMEOUT'
  | 'IMAGE_NOT_MAPPED'
  | 'DOCKERFILE_UNSUPPORTED'
  | 'MOUNT_NAMESPACE_UNAVAILABLE'
  | 'NO_CONTROL_PLANE'
  | 'EXTERNAL_CLUSTER_INVALID';

/** An error of the test control plane or the process kubelet, with a stable `code`. */
export class KubeTestError extends Error {
  /** Stable identifier of the failure. */
  readonly code: KubeTestErrorCode;

  constructor(code: KubeTestErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeTestError';
    this.code = code;
  }
}
