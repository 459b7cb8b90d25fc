// `npm run kube`: the test control plane and process kubelet in the foreground, for people.
// Prints one `export KUBECONFIG=…` line on stdout once ready; Ctrl-C (or SIGTERM) tears it all down.
import { startKubeEnvironment } from '../kube-environment.ts';

const abort = new AbortController();
let stopRequested = false;
const onSignal = (): void => {
  stopRequested = true;
  abort.abort();
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const environment = await startKubeEnvironment({ signal: abort.signal, log: (line) => console.error(line) });
process.stdout.write(`export KUBECONFIG=${environment.context.kubeconfigPath}\n`);
console.error(`kube: logs in ${environment.context.controlPlaneDir ?? '-'}/logs and ${environment.context.kubeletDir ?? '-'}/logs; Ctrl-C stops`);
if (!stopRequested) await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
console.error('kube: stopping');
await environment.stop();
