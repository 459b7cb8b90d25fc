import { KubernetesObjectApi, makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** One kind of object the operator watches. */
export interface WatchedKind {
  /** `v1` for the core group, else `<group>/<version>`. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  /** Only objects matching this label selector are listed and watched. */
  readonly labelSelector?: string;
}

/** Options of {@link ResourceInformer}. */
export interface ResourceInformerOptions {
  readonly kubeConfig: KubeConfig;
  readonly kind: WatchedKind;
  /** Namespace to watch; undefined watches every namespace. */
  readonly namespace: string | undefined;
  /** Called with every object added, changed or deleted: a trigger only, reconcilers read the cache. */
  readonly onChange: (object: KubernetesObject) => void;
  readonly logger: Logger;
  /** Called after every successful (re)list and watch start. */
  readonly onConnect?: () => void;
}

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;

/**
 * List-then-watch of one kind in one namespace (or all), with a local cache: @kubernetes/client-node's
 * `makeInformer` (ListWatch), which resumes a dropped watch from the last resourceVersion and lists
 * again after 410 Gone. What it leaves to the caller is added here: after any other error (the API
 * server unreachable, 5xx, 403) it restarts itself with an exponential backoff, resuming from the
 * last version it saw.
 */
export class ResourceInformer {
  readonly kind: WatchedKind;
  readonly #informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  readonly #logger: Logger;
  #stopped = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #synced = false;
  #errors = 0;

  constructor(options: ResourceInformerOptions) {
    this.kind = options.kind;
    this.#logger = options.logger.child({ informer: options.kind.kind, namespace: options.namespace ?? '*' });
    const objects = KubernetesObjectApi.makeApiClient(options.kubeConfig);
    const path = collectionPath(options.kind, options.namespace);
    const { apiVersion, kind, labelSelector } = options.kind;
    this.#informer = makeInformer(
      options.kubeConfig,
      path,
      () => objects.list(apiVersion, kind, options.namespace, undefined, undefined, undefined, undefined, labelSelector),
      labelSelector,
    );
    this.#informer.on('change', (object) => options.onChange(object));
    this.#informer.on('connect', () => {
      this.#failures = 0;
      options.onConnect?.();
    });
    this.#informer.on('error', (err: unknown) => {
      this.#errors++;
      if (this.#stopped) return;
      this.#failures++;
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(this.#failures - 1, 10));
      this.#logger.warn({ err, retryInMs: delay }, 'watch failed; restarting');
      this.#timer = setTimeout(() => void this.#start(), delay);
    });
  }

  /** Starts listing and watching; resolves once the first list is in the cache (or failed and was scheduled again). */
  async start(): Promise<void> {
    await this.#start();
  }

  /** Whether the first list has completed. */
  get synced(): boolean {
    return this.#synced;
  }

  async #start(): Promise<void> {
    if (this.#stopped) return;
    const errors = this.#errors;
    await this.#informer.start();
    if (this.#errors === errors) this.#synced = true;
  }

  get(name: string, namespace: string): KubernetesObject | undefined {
    return this.#informer.get(name, namespace);
  }

  list(namespace?: string): readonly KubernetesObject[] {
    return this.#informer.list(namespace);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#informer.stop();
  }
}

/** REST path of a kind's collection: `/api/v1/namespaces/<ns>/pods`, `/apis/apps/v1/statefulsets`, ... */
export function collectionPath(kind: Pick<WatchedKind, 'apiVersion' | 'plural'>, namespace: string | undefined): string {
  const base = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  return namespace === undefined ? `${base}/${kind.plural}` : `${base}/namespaces/${namespace}/${kind.plural}`;
}
