import type { KubeConfig } from '@kubernetes/client-node';
import { openKubernetesMetadataStore, type KubernetesMetadataStore } from '@runnel/metadata';

/**
 * One metadata store per Cluster (`namespace/name`), opened on first use and shared by the
 * reconcilers: the Topic reconciler provisions partition Leases through it, the Cluster reconciler
 * requests reassignments. A store that failed to open is forgotten, so the next use tries again.
 */
export class ClusterStores {
  readonly #kubeConfig: KubeConfig;
  readonly #stores = new Map<string, Promise<KubernetesMetadataStore>>();

  constructor(kubeConfig: KubeConfig) {
    this.#kubeConfig = kubeConfig;
  }

  get(namespace: string, cluster: string): Promise<KubernetesMetadataStore> {
    const key = `${namespace}/${cluster}`;
    let store = this.#stores.get(key);
    if (store === undefined) {
      store = openKubernetesMetadataStore({ cluster, namespace, kubeConfig: this.#kubeConfig, requestTimeoutMs: 10_000 });
      this.#stores.set(key, store);
      store.catch(() => this.#stores.delete(key));
    }
    return store;
  }

  async close(): Promise<void> {
    const stores = [...this.#stores.values()];
    this.#stores.clear();
    await Promise.all(stores.map(async (s) => (await s.catch(() => undefined))?.close()));
  }
}
