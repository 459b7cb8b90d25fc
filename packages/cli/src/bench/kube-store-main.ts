// The kubernetes-store side of `runnel bench replication --kubeconfig`, in a short-lived process of
// its own, so that the process that measures never loads @kubernetes/client-node: that library
// adds about 30 MB of live heap to a client whose own is about 14 MB, and every full GC of the
// measuring client then marks it. With the store in the measuring process, the bench's e2e RF 3 p99
// was 19.5-29.9 ms over five runs; with it here, 16.0-18.7 ms over four (same machine, same hour).
//   node kube-store-main.ts '{"op":"crds","kubeconfig":"/k","namespace":"default"}'
//   node kube-store-main.ts '{"op":"topic","kubeconfig":"/k","cluster":"bench-x","brokers":[0,1,2],"name":"t","partitions":1,"rf":3}'
// "crds" applies Runnel's CRDs; "topic" creates a Topic in the cluster's store and provisions its
// partitions on `brokers`, as the operator would (min.insync.replicas 2 when rf > 1). Prints one
// JSON line, {"ok":true} or {"error":"..."}, and exits 0 or 1.
import { KubeConfig } from '@kubernetes/client-node';
import { applyCrds, openKubernetesMetadataStore, provisionPartitions } from '@runnel/metadata';

/** What one run does. */
export type KubeStoreOp =
  | { op: 'crds'; kubeconfig: string; namespace?: string }
  | { op: 'topic'; kubeconfig: string; namespace?: string; cluster: string; brokers: number[]; name: string; partitions: number; rf: number };

async function run(o: KubeStoreOp): Promise<void> {
  if (o.op === 'crds') {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(o.kubeconfig);
    await applyCrds(kubeConfig);
    return;
  }
  const store = await openKubernetesMetadataStore({ cluster: o.cluster, kubeconfigPath: o.kubeconfig, ...(o.namespace ? { namespace: o.namespace } : {}) });
  try {
    await store.topics.create(o.name, { name: o.name, topicId: '', partitions: o.partitions, replicationFactor: o.rf, configs: o.rf > 1 ? { 'min.insync.replicas': '2' } : {}, assignments: [] });
    await provisionPartitions(store, o.name, { brokers: o.brokers });
  } finally {
    await store.close().catch(() => undefined);
  }
}

try {
  await run(JSON.parse(process.argv[2] ?? '{}') as KubeStoreOp);
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  process.exit(0);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
}
