// The shared MetadataStore contract (metadata-store-contract.ts) on the memory store; the same
// tests run on the Kubernetes store in kubernetes/kubernetes-metadata-store.kube.test.ts.
import { MemoryMetadataStore } from './memory-metadata-store.ts';
import { describeMetadataStoreContract, sampleBroker } from './metadata-store-contract.ts';

describeMetadataStoreContract('memory', {
  open: async (options) => ({ store: await MemoryMetadataStore.open({ historyLimit: 50, ...options }), dispose: () => Promise.resolve() }),
  async tooOldVersion(store) {
    const { resourceVersion } = await store.partitions.list();
    // Push the version out of the 50-change history.
    let broker = await store.brokers.create('99', sampleBroker(99));
    for (let i = 0; i < 60; i++) broker = await store.brokers.update('99', broker.value, broker.resourceVersion);
    return resourceVersion;
  },
});
