import type { KubernetesMetadataStore, KubernetesMetadataStoreOptions } from './kubernetes-metadata-store.ts';

/**
 * Opens a {@link KubernetesMetadataStore} (see its options). The implementation, and with it
 * @kubernetes/client-node (most of a second to import), is loaded on first use, so processes that
 * only use the memory store — local mode, the simulation — never pay for it.
 */
export async function openKubernetesMetadataStore(options: KubernetesMetadataStoreOptions): Promise<KubernetesMetadataStore> {
  const { KubernetesMetadataStore: Store } = await import('./kubernetes-metadata-store.ts');
  return Store.open(options);
}
