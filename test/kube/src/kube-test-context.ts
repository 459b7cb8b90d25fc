/**
 * What the kube tier's global setup hands to tests (vitest `provide`/`inject` under the key
 * `runnelKube`). Plain data, since it crosses from the setup process to test workers.
 */
export interface KubeTestContext {
  /** Kubeconfig of a cluster-admin identity. */
  readonly kubeconfigPath: string;
  /** The process kubelet's state directory (`logs/`, `pods/`, `persistent/`); null on an external cluster. */
  readonly kubeletDir: string | null;
  /** Node the process kubelet registered; null on an external cluster. */
  readonly nodeName: string | null;
  /** Directory with the pinned binaries (kubectl, helm, …); null means use kubectl and helm from PATH. */
  readonly binDir: string | null;
  /** Control-plane temp dir with `logs/<component>.log`; null on an external cluster. */
  readonly controlPlaneDir: string | null;
  /**
   * Process id of the test control plane's kube-apiserver, for tests that inject faults into the
   * API server itself (SIGSTOP/SIGCONT, test/chaos); null on an external cluster.
   */
  readonly apiServerPid: number | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    runnelKube: KubeTestContext;
  }
}
