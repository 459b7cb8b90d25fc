// `npm run kube:build`: builds the pinned control-plane binaries into the cache unless present.
// Skipped when RUNNEL_TEST_KUBECONFIG points the kube tier at an existing cluster (no Go needed).
import { ensureKubeBinaries, findKubeBinaries } from '../build/kube-binaries.ts';
import { pins } from '../build/pins.ts';

const started = performance.now();
const external = process.env['RUNNEL_TEST_KUBECONFIG'];
const cached = await findKubeBinaries();
if (external && !cached) {
  console.error(`kube:build skipped: RUNNEL_TEST_KUBECONFIG=${external} (the kube tier uses that cluster, kubectl and helm from PATH)`);
} else {
  const binaries = cached ?? (await ensureKubeBinaries({ log: (line) => console.error(line) }));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    `kube:build ${cached ? 'cached' : 'built'} Kubernetes ${pins.kubernetes}, etcd ${pins.etcd}, helm ${pins.helm} in ${seconds} s: ${binaries.binDir}`,
  );
}
