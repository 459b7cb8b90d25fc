// `npm run kube`: the test control plane and process kubelet in the foreground, for people.
// Builds the pinned binaries if needed, prints one `export KUBECONFIG=…` line on stdout once
// ready, and tears everything down on SIGINT, SIGTERM or SIGHUP.
import { startKubeEnvironment } from '../kube-environment.ts';

const abort = new AbortController();
const stop = (): void => abort.abort();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
// `npm run` may deliver SIGTERM to its shell only, which dies and leaves us orphaned; there is no
// event for a parent's death, so notice it by polling our parent pid.
const parent = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid !== parent) stop();
}, 500);

try {
  const environment = await startKubeEnvironment({ signal: abort.signal, log: (line) => console.error(line) });
  process.stdout.write(`export KUBECONFIG=${environment.context.kubeconfigPath}\n`);
  console.error(`kube: logs in ${environment.context.controlPlaneDir ?? '-'}/logs and ${environment.context.kubeletDir ?? '-'}/logs; Ctrl-C stops`);
  if (!abort.signal.aborted) await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
  console.error('kube: stopping');
  await environment.stop();
} finally {
  clearInterval(orphanWatch);
}
