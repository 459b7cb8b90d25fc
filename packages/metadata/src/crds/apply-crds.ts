import { setTimeout as delay } from 'node:timers/promises';
import { ApiException, ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { MetadataStoreError } from '../errors.ts';
import { renderCrds } from './render-crds.ts';

/**
 * Installs (or updates) the Runnel CRDs generated from the TypeScript schemas and waits until the
 * API server serves them (condition `Established`). Idempotent; concurrent callers are fine (a 409
 * on create or replace is retried with a fresh read). Used by tests now, by the operator later.
 */
export async function applyCrds(kubeConfig: KubeConfig, signal: AbortSignal = AbortSignal.timeout(60_000)): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const crd of renderCrds()) {
    const body = crd.object as unknown as V1CustomResourceDefinition;
    const name = body.metadata?.name as string;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      try {
        const existing = await api.readCustomResourceDefinition({ name }).catch((err: unknown) => {
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        });
        if (existing === undefined) await api.createCustomResourceDefinition({ body });
        else await api.replaceCustomResourceDefinition({ name, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion as string } } });
        break;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409) || attempt >= 5) {
          throw new MetadataStoreError('UNAVAILABLE', `Cannot apply CRD ${name}: ${err instanceof ApiException ? `HTTP ${err.code} ${JSON.stringify(err.body)}` : String(err)}`, { cause: err });
        }
      }
    }
    // Establishment is reported only through the CRD's status; poll it briefly.
    for (;;) {
      const current = await api.readCustomResourceDefinition({ name });
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await delay(100, undefined, { signal });
    }
  }
}
