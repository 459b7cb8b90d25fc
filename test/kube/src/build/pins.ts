/**
 * The versions the test control plane is built from. The Go modules in `test/kube/go/*` carry the
 * same pins (with their go.sum); the cache key hashes both, so changing either rebuilds.
 */
export const pins = {
  /** kube-apiserver, kube-controller-manager and kubectl, from `k8s.io/kubernetes/cmd/...`. */
  kubernetes: 'v1.34.4',
  /** What Kubernetes v1.34.4's go.mod requires (`go.etcd.io/etcd/* v3.6.4`), not Debian's 3.4. */
  etcd: 'v3.6.4',
} as const;

/** Binaries the build produces, all in one `bin` directory. */
// helm is a test tool (`builtTestTool('helm')`, helm v4 from `go/helm`), not part of this build:
// one helm, built once.
export const binaryNames = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;

/** One of {@link binaryNames}. */
export type BinaryName = (typeof binaryNames)[number];
