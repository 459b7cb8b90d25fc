import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';

/** The field manager of every write the operator makes (server-side apply owns fields by it). */
export const FIELD_MANAGER = 'runnel-operator';

/** A custom resource type, as the REST paths name it. */
export interface CustomResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** Counts every write the operator sends, by verb and kind (the operator's API-load metric). */
export type WriteObserver = (verb: 'apply' | 'delete' | 'patch-status' | 'patch' | 'event', kind: string) => void;

/**
 * The operator's writes to the API server, through @kubernetes/client-node: server-side apply for
 * the objects it owns (one request creates or converges an object, and fields other managers set
 * are left alone), merge patches of the status subresource and of metadata, deletes and Events.
 * Reads come from informer caches, never from here.
 */
export class KubeApi {
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #observe: WriteObserver;

  constructor(kubeConfig: KubeConfig, observe: WriteObserver = () => undefined) {
    this.#objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#observe = observe;
  }

  /** Creates or converges `object` by server-side apply (forcing ownership of the fields it sets). */
  async apply<T extends KubernetesObject>(object: T): Promise<T> {
    this.#observe('apply', object.kind ?? 'unknown');
    return this.#objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  /** Deletes `object`; an object already gone is not an error. `preconditions` make it a CAS. */
  async delete(object: KubernetesObject & { metadata: { name: string; namespace?: string } }, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void> {
    this.#observe('delete', object.kind ?? 'unknown');
    try {
      await this.#objects.delete(object, undefined, undefined, undefined, undefined, 'Background', preconditions ? { preconditions } : undefined);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Merge-patches the status subresource (only the fields in `status` change). */
  async patchStatus(ref: CustomResourceRef, kind: string, namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    this.#observe('patch-status', kind);
    await this.#custom.patchNamespacedCustomObjectStatus(
      { ...ref, namespace, name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /**
   * Sets `metadata.finalizers` by merge patch, guarded by `resourceVersion` (a 409 when the object
   * changed since it was read, so a finalizer list is never computed from a stale copy).
   */
  async setFinalizers(ref: CustomResourceRef, kind: string, namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<void> {
    this.#observe('patch', kind);
    await this.#custom.patchNamespacedCustomObject(
      { ...ref, namespace, name, body: { metadata: { finalizers, resourceVersion } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Records a core/v1 Event on `regarding` (what `kubectl describe` shows). */
  async event(regarding: { apiVersion: string; kind: string; namespace: string; name: string; uid?: string }, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.#observe('event', 'Event');
    const now = new Date();
    await this.#core.createNamespacedEvent({
      namespace: regarding.namespace,
      body: {
        metadata: { generateName: `${regarding.name}.`, namespace: regarding.namespace },
        involvedObject: { apiVersion: regarding.apiVersion, kind: regarding.kind, namespace: regarding.namespace, name: regarding.name, ...(regarding.uid ? { uid: regarding.uid } : {}) },
        type,
        reason,
        message,
        source: { component: FIELD_MANAGER },
        reportingComponent: FIELD_MANAGER,
        reportingInstance: process.env['HOSTNAME'] ?? FIELD_MANAGER,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}

/** Whether `err` is the API server's 404. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** Whether `err` is the API server's 409 (a lost compare-and-swap). */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiException && err.code === 409;
}

/** A short description of an API error for a condition message or a log line. */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? safeParse(err.body) : err.body;
    const message = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : '';
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
