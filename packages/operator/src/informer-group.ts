import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ResourceInformer, type WatchedKind } from './resource-informer.ts';

/**
 * One kind watched in every namespace the operator serves: one informer per namespace, or one for
 * all namespaces. Reads go to the informers' caches.
 */
export class InformerGroup {
  readonly kind: WatchedKind;
  readonly #byNamespace = new Map<string, ResourceInformer>();
  readonly #all: ResourceInformer | undefined;

  constructor(options: { kubeConfig: KubeConfig; kind: WatchedKind; namespaces: readonly string[] | 'all'; onChange: (object: KubernetesObject) => void; logger: Logger; onConnect?: () => void }) {
    this.kind = options.kind;
    const make = (namespace: string | undefined): ResourceInformer =>
      new ResourceInformer({ kubeConfig: options.kubeConfig, kind: options.kind, namespace, onChange: options.onChange, logger: options.logger, ...(options.onConnect ? { onConnect: options.onConnect } : {}) });
    if (options.namespaces === 'all') this.#all = make(undefined);
    else for (const ns of options.namespaces) this.#byNamespace.set(ns, make(ns));
  }

  #informers(): ResourceInformer[] {
    return this.#all ? [this.#all] : [...this.#byNamespace.values()];
  }

  async start(): Promise<void> {
    await Promise.all(this.#informers().map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers().map((i) => i.stop()));
  }

  /** Whether every informer has listed once. */
  get synced(): boolean {
    return this.#informers().every((i) => i.synced);
  }

  get<T extends KubernetesObject = KubernetesObject>(namespace: string, name: string): T | undefined {
    return (this.#all ?? this.#byNamespace.get(namespace))?.get(name, namespace) as T | undefined;
  }

  list<T extends KubernetesObject = KubernetesObject>(namespace?: string): T[] {
    if (namespace === undefined) return this.#informers().flatMap((i) => i.list()) as T[];
    return [...((this.#all ?? this.#byNamespace.get(namespace))?.list(namespace) ?? [])] as T[];
  }
}
