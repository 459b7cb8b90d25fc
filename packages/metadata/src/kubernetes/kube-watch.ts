import { setTimeout as delay } from 'node:timers/promises';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { MetadataStoreError, isMetadataStoreError } from '../errors.ts';
import type { WatchEvent } from '../metadata-store.ts';
import { WatchQueue } from '../watch-queue.ts';
import type { KubeObject, ResourceCodec } from './kube-object.ts';
import { watchChannel, type StoreStats, type StoreWatchEvent } from '../store-diagnostics.ts';

/** What a watch needs from its store. */
export interface KubeWatchContext<T> {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly codec: ResourceCodec<T>;
  readonly stats: StoreStats;
  readonly bufferLimit: number;
  /** Server-side length of one watch request (it is reopened after); omitted = 20 to 27 s. */
  readonly timeoutSeconds?: number;
  /** The collection's current resourceVersion (a consistent list), for a watch "from now on". */
  currentVersion(signal: AbortSignal): Promise<string>;
}

type ConnectionEnd =
  | { readonly kind: 'closed' }
  | { readonly kind: 'expired'; readonly message: string }
  | { readonly kind: 'forbidden'; readonly status: number }
  | { readonly kind: 'unusable'; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown };

/** Longest pause between two reconnects after errors. */
const MAX_BACKOFF_MS = 5_000;

/**
 * One list-then-watch consumer's stream, with the memory store's semantics: every change after
 * `resourceVersion`, in order, without gaps. The HTTP watch is reopened from the last version seen
 * (events and bookmarks) whenever it ends — the server closes it every `timeoutSeconds`, client-node
 * aborts it after 30 s without data, connections drop — so a disconnect is invisible to the
 * consumer. Only a 410 Gone (the version left the API server's watch cache) or a consumer that falls
 * `bufferLimit` events behind ends it, with `EXPIRED`: the consumer lists again.
 */
export function startKubeWatch<T>(context: KubeWatchContext<T>, options: { resourceVersion?: string; signal: AbortSignal }): AsyncIterable<WatchEvent<T>> {
  const stop = new AbortController();
  const queue = new WatchQueue<T>(context.bufferLimit, () => stop.abort());
  const onAbort = (): void => queue.end();
  if (options.signal.aborted) {
    queue.end();
    return queue;
  }
  options.signal.addEventListener('abort', onAbort, { once: true });
  const run = async (): Promise<void> => {
    let version = options.resourceVersion ?? (await context.currentVersion(stop.signal));
    let failures = 0;
    while (!stop.signal.aborted) {
      const connectedAt = performance.now();
      const end = await connect(context, version, queue, stop.signal, (rv) => (version = rv));
      if (end.kind === 'expired') {
        context.stats.watchesExpired++;
        publish(context, 'expired', 'gone', version);
        queue.fail(new MetadataStoreError('EXPIRED', `Cannot watch ${context.codec.collection} from version ${version}: ${end.message}; list again`));
        return;
      }
      if (end.kind === 'unusable') {
        queue.fail(new MetadataStoreError('UNAVAILABLE', `Cannot watch ${context.codec.collection}: the client cannot send the request (${String(end.error)})`, { cause: end.error }));
        return;
      }
      if (end.kind === 'forbidden') {
        // Retrying cannot fix missing credentials or RBAC: tell the consumer.
        queue.fail(new MetadataStoreError('FORBIDDEN', `Cannot watch ${context.codec.collection} in namespace ${context.namespace}: HTTP ${end.status} (check the credentials and the Role)`));
        return;
      }
      if (stop.signal.aborted) return;
      context.stats.watchRestarts++;
      publish(context, 'reconnect', end.kind === 'failed' ? 'failed' : 'closed', version);
      // A connection that ends at once without an error (a proxy closing it, say) backs off too,
      // so a misbehaving server cannot put this loop into a hot spin.
      if (end.kind === 'failed' || performance.now() - connectedAt < 1_000) {
        failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 10));
        await delay(Math.random() * backoff, undefined, { signal: stop.signal });
      } else {
        failures = 0;
      }
    }
  };
  run().then(
    () => options.signal.removeEventListener('abort', onAbort),
    (err: unknown) => {
      options.signal.removeEventListener('abort', onAbort);
      if (stop.signal.aborted) return;
      queue.fail(isMetadataStoreError(err) ? err : new MetadataStoreError('UNAVAILABLE', `Watch of ${context.codec.collection} failed: ${String(err)}`, { cause: err }));
    },
  );
  return queue;
}

function publish<T>(context: KubeWatchContext<T>, kind: StoreWatchEvent['kind'], reason: StoreWatchEvent['reason'], resourceVersion: string): void {
  if (watchChannel.hasSubscribers) watchChannel.publish({ collection: context.codec.collection, kind, reason, resourceVersion } satisfies StoreWatchEvent);
}

/** One HTTP watch from `version`; resolves when it ends. Events after the end are ignored. */
function connect<T>(
  context: KubeWatchContext<T>,
  version: string,
  queue: WatchQueue<T>,
  stop: AbortSignal,
  advance: (resourceVersion: string) => void,
): Promise<ConnectionEnd> {
  const { codec } = context;
  return new Promise((resolve) => {
    let live = true;
    let controller: AbortController | undefined;
    const finish = (end: ConnectionEnd): void => {
      if (!live) return;
      live = false;
      stop.removeEventListener('abort', onStop);
      controller?.abort();
      resolve(end);
    };
    const onStop = (): void => finish({ kind: 'closed' });
    stop.addEventListener('abort', onStop, { once: true });
    const path = `/apis/${codec.resource.group}/${codec.resource.version}/namespaces/${context.namespace}/${codec.resource.plural}`;
    const query = {
      resourceVersion: version,
      labelSelector: codec.labelSelector,
      allowWatchBookmarks: true,
      // The server ends the watch cleanly before client-node's 30 s inactivity abort; spread so
      // many watchers do not reconnect in step.
      timeoutSeconds: context.timeoutSeconds ?? 20 + Math.floor(Math.random() * 8),
    };
    const onEvent = (phase: string, object: unknown): void => {
      if (!live) return;
      if (phase === 'ERROR') {
        const status = object as { code?: number; message?: string; details?: { causes?: Array<{ reason?: string }> } } | undefined;
        // 410: the version left the history. A version from the future (ResourceVersionTooLarge)
        // can never be served either; the memory store calls both EXPIRED.
        const tooLarge = status?.details?.causes?.some((cause) => cause.reason === 'ResourceVersionTooLarge') === true;
        finish(status?.code === 410 || tooLarge ? { kind: 'expired', message: status?.message ?? '410 Gone' } : { kind: 'failed', error: new Error(`watch error: ${JSON.stringify(object)}`) });
        return;
      }
      const kubeObject = object as KubeObject;
      const rv = kubeObject.metadata?.resourceVersion;
      if (phase === 'BOOKMARK') {
        if (rv !== undefined) advance(rv);
        return;
      }
      if (phase !== 'ADDED' && phase !== 'MODIFIED' && phase !== 'DELETED') return;
      if (rv !== undefined) advance(rv);
      let decoded;
      try {
        decoded = codec.decode(kubeObject);
      } catch {
        context.stats.decodeErrors++;
        return;
      }
      queue.push({ type: phase, object: decoded });
    };
    const onDone = (err: unknown): void => {
      if (err === null || err === undefined) finish({ kind: 'closed' });
      else if ((err as { statusCode?: number }).statusCode === 410) finish({ kind: 'expired', message: '410 Gone' });
      else if ([401, 403].includes((err as { statusCode?: number }).statusCode ?? 0)) finish({ kind: 'forbidden', status: (err as { statusCode: number }).statusCode });
      else finish({ kind: 'failed', error: err });
    };
    new Watch(context.kubeConfig).watch(path, query, onEvent, onDone).then(
      (started) => {
        controller = started;
        if (!live) started.abort();
      },
      // client-node rejects only before sending (no cluster, unusable TLS or auth settings):
      // retrying cannot help.
      (err: unknown) => finish({ kind: 'unusable', error: err }),
    );
  });
}
