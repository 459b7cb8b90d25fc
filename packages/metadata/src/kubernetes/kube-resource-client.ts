import {
  ApiException,
  CustomObjectsApi,
  IsomorphicFetchHttpLibrary,
  wrapHttpLibrary,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { AgentOptions } from 'node:https';
import { Agent } from 'undici';
import { MetadataStoreError, type MetadataStoreErrorCode } from '../errors.ts';
import type { KubeObject, ResourceRef } from './kube-object.ts';

/**
 * Sends one HTTP request. The seam for fault injection in tests: wrap `send` to delay, drop or
 * replace the server's reply (for example, hold a reply until the client times out, so a write that
 * the server applied looks like a timeout).
 */
export type RequestInterceptor = (request: RequestContext, send: () => Promise<ResponseContext>) => Promise<ResponseContext>;

type RequestDispatcher = ReturnType<RequestContext['getDispatcher']>;

/** A read or a write, for mapping errors: only writes have an unknown outcome. */
type Op = 'get' | 'list' | 'create' | 'update' | 'delete';

/**
 * The Kubernetes REST calls of one namespace, through @kubernetes/client-node's `CustomObjectsApi`
 * (which addresses any `/apis/<group>/<version>` resource, Leases included, as plain JSON). Every
 * call takes an AbortSignal that aborts the HTTP request itself. Errors become
 * {@link MetadataStoreError}s by HTTP status and the API's `Status.reason`, never by message text:
 * 409 AlreadyExists → ALREADY_EXISTS, other 409 → CONFLICT, 404 → NOT_FOUND, 410 → EXPIRED,
 * 400/422 → INVALID, 401/403 → FORBIDDEN, 429 → UNAVAILABLE (not applied); a write that times out,
 * loses its connection or gets a 5xx → UNKNOWN_OUTCOME (it may have been applied; §6 rule 7), a read
 * that does → UNAVAILABLE.
 */
export class KubeResourceClient {
  readonly #api: CustomObjectsApi;
  readonly #namespace: string;
  readonly #intercept: RequestInterceptor | undefined;
  readonly #base = new IsomorphicFetchHttpLibrary();
  readonly #kubeConfig: KubeConfig;
  /**
   * The connection pool of every request of this client, built once ({@link http1Dispatcher}).
   * client-node's auth step builds a new undici Agent for each request (measured on the test
   * control plane: a new TLS connection per request, 25–70 Lease CAS/s in all); keep-alive
   * connections of one pool carry every request instead.
   */
  #dispatcher: Promise<RequestDispatcher | undefined> | undefined;

  constructor(kubeConfig: KubeConfig, namespace: string, intercept?: RequestInterceptor) {
    this.#kubeConfig = kubeConfig;
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#namespace = namespace;
    this.#intercept = intercept;
  }

  get namespace(): string {
    return this.#namespace;
  }

  /** The object, or undefined on 404. A consistent read (no resourceVersion: served from etcd by quorum). */
  async get(ref: ResourceRef, name: string, signal: AbortSignal): Promise<KubeObject | undefined> {
    try {
      return (await this.#api.getNamespacedCustomObject({ ...this.#path(ref), name }, this.#options(signal))) as KubeObject;
    } catch (err) {
      const mapped = this.#map('get', ref, name, err);
      if (mapped.code === 'NOT_FOUND') return undefined;
      throw mapped;
    }
  }

  /** Every object matching `labelSelector`, with the list's resourceVersion. A consistent read. */
  async list(ref: ResourceRef, labelSelector: string, signal: AbortSignal, limit?: number): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    try {
      const list = (await this.#api.listNamespacedCustomObject(
        { ...this.#path(ref), labelSelector, ...(limit !== undefined ? { limit } : {}) },
        this.#options(signal),
      )) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
      const resourceVersion = list.metadata?.resourceVersion;
      if (resourceVersion === undefined) throw new MetadataStoreError('INVALID', `Cannot list ${ref.plural}: the reply has no resourceVersion`);
      return { items: list.items ?? [], resourceVersion };
    } catch (err) {
      throw this.#map('list', ref, labelSelector, err);
    }
  }

  /** POST. */
  async create(ref: ResourceRef, body: KubeObject, signal: AbortSignal): Promise<KubeObject> {
    try {
      return (await this.#api.createNamespacedCustomObject({ ...this.#path(ref), body: this.#inNamespace(body) }, this.#options(signal))) as KubeObject;
    } catch (err) {
      throw this.#map('create', ref, body.metadata.name, err);
    }
  }

  /** PUT carrying `body.metadata.resourceVersion`: a compare-and-swap (409 when it changed). */
  async replace(ref: ResourceRef, body: KubeObject, signal: AbortSignal): Promise<KubeObject> {
    const name = body.metadata.name;
    try {
      return (await this.#api.replaceNamespacedCustomObject({ ...this.#path(ref), name, body: this.#inNamespace(body) }, this.#options(signal))) as KubeObject;
    } catch (err) {
      throw this.#map('update', ref, name, err);
    }
  }

  /** DELETE, with resourceVersion (and uid) preconditions when given. */
  async delete(ref: ResourceRef, name: string, preconditions: { resourceVersion: string; uid?: string } | undefined, signal: AbortSignal): Promise<void> {
    try {
      await this.#api.deleteNamespacedCustomObject(
        { ...this.#path(ref), name, ...(preconditions !== undefined ? { body: { preconditions } } : {}) },
        this.#options(signal),
      );
    } catch (err) {
      throw this.#map('delete', ref, name, err);
    }
  }

  /** Closes the pooled connections (requests still in flight are aborted by their signals first). */
  async close(): Promise<void> {
    const d = (await this.#dispatcher?.catch(() => undefined)) as { destroy?: () => Promise<void> } | undefined;
    this.#dispatcher = undefined;
    await d?.destroy?.().catch(() => undefined);
  }

  #path(ref: ResourceRef): { group: string; version: string; namespace: string; plural: string } {
    return { group: ref.group, version: ref.version, namespace: this.#namespace, plural: ref.plural };
  }

  #inNamespace(body: KubeObject): KubeObject {
    return { ...body, metadata: { ...body.metadata, namespace: this.#namespace } };
  }

  /** Per-request options: the signal goes onto the request that client-node builds (after auth). */
  #options(signal: AbortSignal): ConfigurationOptions {
    const base = this.#base;
    const intercept = this.#intercept;
    return {
      httpApi: wrapHttpLibrary({
        send: async (request) => {
          request.setSignal(signal);
          // A failed build (say an exec credential plugin failing once) is not kept: the next request tries again.
          this.#dispatcher ??= http1Dispatcher(this.#kubeConfig, request.getDispatcher()).catch((err: unknown) => {
            this.#dispatcher = undefined;
            throw err;
          });
          const dispatcher = await this.#dispatcher;
          if (dispatcher !== undefined) request.setDispatcher(dispatcher);
          const send = (): Promise<ResponseContext> => base.send(request).toPromise();
          return intercept ? intercept(request, send) : send();
        },
      }),
    };
  }

  #map(op: Op, ref: ResourceRef, name: string, err: unknown): MetadataStoreError {
    if (err instanceof MetadataStoreError) return err;
    const what = `${op} ${ref.kind} ${this.#namespace}/${name}`;
    const write = op === 'create' || op === 'update' || op === 'delete';
    if (err instanceof ApiException) {
      const status = parseStatus(err.body);
      const detail = status.message ?? `HTTP ${err.code}`;
      const code = codeForStatus(err.code, status.reason, write);
      return new MetadataStoreError(code, `Cannot ${what}: ${detail} (HTTP ${err.code}${status.reason ? ` ${status.reason}` : ''})`, { cause: err });
    }
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (write) {
      return new MetadataStoreError('UNKNOWN_OUTCOME', `Cannot tell whether ${what} was applied: no answer (${reason}); re-read to settle it`, { cause: err });
    }
    return new MetadataStoreError('UNAVAILABLE', `Cannot ${what}: the API server did not answer (${reason})`, { cause: err });
  }
}

function codeForStatus(status: number, reason: string | undefined, write: boolean): MetadataStoreErrorCode {
  if (status === 409) return reason === 'AlreadyExists' ? 'ALREADY_EXISTS' : 'CONFLICT';
  if (status === 404) return 'NOT_FOUND';
  if (status === 410) return 'EXPIRED';
  if (status === 400 || status === 422) return 'INVALID';
  if (status === 401 || status === 403) return 'FORBIDDEN';
  if (status === 429) return 'UNAVAILABLE';
  // A 5xx (or anything unexpected) on a write: the server may have applied it before failing.
  return write ? 'UNKNOWN_OUTCOME' : 'UNAVAILABLE';
}

/** The `Status` object the API server sends with errors (the body may be a string or parsed). */
function parseStatus(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.length > 0 ? { message: body.slice(0, 500) } : {};
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  return {
    ...(typeof record['reason'] === 'string' ? { reason: record['reason'] } : {}),
    ...(typeof record['message'] === 'string' ? { message: record['message'] } : {}),
  };
}

/**
 * An HTTP/1.1 pool with client-node's TLS settings for the API server. undici 8 (client-node's
 * fetch) offers HTTP/2 by default, and on Node 24 an aborted HTTP/2 request whose body was still
 * queued wedges the process: Node keeps asking nghttp2 for the destroyed stream's data, gets
 * empty DATA frames, and loops in `Http2Session::SendPendingData` without returning to the event
 * loop, growing ~300 MB/s (measured: a leader of 1,000 partitions reached 21 GB when its ISR
 * expansions timed out; NODE_DEBUG_NATIVE=http2 showed the loop on the aborted stream). Requests
 * here are aborted on every timeout, so this client stays on HTTP/1.1, where an abort closes its
 * connection. Behind a proxy, client-node's own dispatcher (`fallback`) is kept.
 */
async function http1Dispatcher(kubeConfig: KubeConfig, fallback: RequestDispatcher | undefined): Promise<RequestDispatcher | undefined> {
  const https: AgentOptions = {};
  await kubeConfig.applyToHTTPSOptions(https);
  const tls: AgentOptions = {};
  for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const) {
    if (https[key] !== undefined) (tls as Record<string, unknown>)[key] = https[key];
  }
  const options = kubeConfig.createDispatcherOptions(kubeConfig.getCurrentCluster(), tls);
  if (options.type === 'agent') return new Agent({ connect: options.connect as NonNullable<Agent.Options['connect']>, allowH2: false }) as unknown as RequestDispatcher;
  if (options.type === 'none') return new Agent({ allowH2: false }) as unknown as RequestDispatcher;
  return fallback;
}
