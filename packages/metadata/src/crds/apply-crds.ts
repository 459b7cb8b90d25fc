import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { MetadataStoreError } from '../errors.ts';
import { renderCrds } from './render-crds.ts';

/**
 * Installs (or updates) the Runnel CRDs generated from the TypeScript schemas and waits until the
 * API server serves them (condition `Established`, then a dry-run write so the first real write is
 * not slow). Idempotent; concurrent callers are fine (a 409
 * on create or replace is retried with a fresh read). Used by tests now, by the operator later.
 *
 * Sent as raw JSON through `CustomObjectsApi`: client-node's typed `ApiextensionsV1Api` serializes
 * through its models, which silently drop schema keys they spell differently (`enum`,
 * `x-kubernetes-validations`), so the API server would get a CRD without its rules.
 */
export async function applyCrds(kubeConfig: KubeConfig, signal: AbortSignal = AbortSignal.timeout(60_000)): Promise<void> {
  // Loaded on use, so importing @runnel/metadata does not load the Kubernetes client.
  const { ApiException, CustomObjectsApi } = await import('@kubernetes/client-node');
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const path = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
  for (const crd of renderCrds()) {
    const name = (crd.object['metadata'] as { name: string }).name;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      try {
        const existing = (await api.getClusterCustomObject({ ...path, name }).catch((err: unknown) => {
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        })) as { metadata: { resourceVersion: string } } | undefined;
        if (existing === undefined) await api.createClusterCustomObject({ ...path, body: crd.object });
        else {
          const metadata = { ...(crd.object['metadata'] as object), resourceVersion: existing.metadata.resourceVersion };
          await api.replaceClusterCustomObject({ ...path, name, body: { ...crd.object, metadata } });
        }
        break;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409) || attempt >= 5) {
          throw new MetadataStoreError('UNAVAILABLE', `Cannot apply CRD ${name}: ${err instanceof ApiException ? `HTTP ${err.code} ${String(err.body)}` : String(err)}`, { cause: err });
        }
      }
    }
    // Establishment is reported only through the CRD's status; poll it briefly.
    for (;;) {
      const current = (await api.getClusterCustomObject({ ...path, name })) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await delay(100, undefined, { signal });
    }
    // The first write of a just-established kind takes the API server ~2 s (it builds the
    // resource's handlers and validators), longer than a store's request deadline: take that hit
    // here with a server-side dry run of a valid sample, which stores nothing.
    const spec = crd.object['spec'] as { group: string; versions: Array<{ name: string }>; names: { kind: string; plural: string } };
    const version = spec.versions[0]?.name as string;
    await api
      .createNamespacedCustomObject(
        { group: spec.group, version, namespace: 'default', plural: spec.names.plural, dryRun: 'All', body: { apiVersion: `${spec.group}/${version}`, kind: spec.names.kind, metadata: { name: 'warm-up' }, spec: sampleSpec(spec.names.kind) } },
      )
      .catch(() => undefined); // Best effort: without rights in "default" the first real write is just slower.
  }
}

function sampleSpec(kind: string): Record<string, unknown> {
  return kind === 'Topic' ? { partitions: 1, replicationFactor: 1 } : { replicas: 1, image: 'warm-up', storage: { size: '1Gi' } };
}
