import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CoreV1Api, V1KeyToPath, V1Pod, V1Volume, V1VolumeProjection } from '@kubernetes/client-node';
import { KubeTestError } from '../errors.ts';
import { podField, type PodRuntimeInfo } from './pod-env.ts';

/** Where the kubelet keeps state: pods' scratch volumes, persistent volumes and logs. */
export interface VolumeContext {
  readonly core: CoreV1Api;
  /** `<kubeletDir>/pods/<uid>`: emptyDir, configMap, secret, projected, downwardAPI volumes. */
  readonly podDir: string;
  /** `<kubeletDir>/persistent`: one directory per PersistentVolume, kept across pod restarts. */
  readonly persistentDir: string;
  readonly info: PodRuntimeInfo;
  readonly signal: AbortSignal;
}

/**
 * Materialises every volume of a pod as a host directory and returns volume name → directory.
 * A `persistentVolumeClaim` gets a PersistentVolume (`pvc-<claim uid>`, hostPath, pre-bound to the
 * claim) that kube-controller-manager's binder binds, as a provisioner would do; its directory
 * belongs to the claim, so the data survives pod restarts and re-creation.
 */
export async function prepareVolumes(pod: V1Pod, context: VolumeContext): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    paths.set(volume.name, await prepareVolume(pod, volume, context));
  }
  return paths;
}

async function prepareVolume(pod: V1Pod, volume: V1Volume, context: VolumeContext): Promise<string> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const dir = join(context.podDir, 'volumes', volume.name);
  if (volume.hostPath) return volume.hostPath.path;
  if (volume.persistentVolumeClaim) return bindClaim(namespace, volume.persistentVolumeClaim.claimName, context);
  await mkdir(dir, { recursive: true });
  if (volume.configMap) {
    const data = await readConfigMap(context.core, namespace, volume.configMap.name, volume.configMap.optional);
    await writeItems(dir, data, volume.configMap.items);
  } else if (volume.secret) {
    const data = await readSecret(context.core, namespace, volume.secret.secretName ?? '', volume.secret.optional);
    await writeItems(dir, data, volume.secret.items);
  } else if (volume.downwardAPI) {
    for (const item of volume.downwardAPI.items ?? []) {
      if (item.fieldRef) await writeFileIn(dir, item.path, Buffer.from(podField(pod, item.fieldRef.fieldPath, context.info)));
    }
  } else if (volume.projected) {
    for (const source of volume.projected.sources ?? []) await writeProjection(pod, dir, source, context);
  }
  // emptyDir (and anything else): an empty per-pod directory.
  return dir;
}

async function writeProjection(pod: V1Pod, dir: string, source: V1VolumeProjection, context: VolumeContext): Promise<void> {
  const namespace = pod.metadata?.namespace ?? 'default';
  if (source.serviceAccountToken) {
    // A bound token from the TokenRequest API, as the kubelet mounts it. It is not refreshed:
    // test runs are far shorter than the hour it lives.
    const token = await context.core.createNamespacedServiceAccountToken({
      name: pod.spec?.serviceAccountName ?? 'default',
      namespace,
      body: {
        spec: {
          audiences: source.serviceAccountToken.audience ? [source.serviceAccountToken.audience] : [],
          expirationSeconds: Math.max(source.serviceAccountToken.expirationSeconds ?? 3600, 3600),
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
        },
      },
    });
    await writeFileIn(dir, source.serviceAccountToken.path, Buffer.from(token.status?.token ?? ''));
  }
  if (source.configMap) {
    await writeItems(dir, await readConfigMap(context.core, namespace, source.configMap.name, source.configMap.optional), source.configMap.items);
  }
  if (source.secret) {
    await writeItems(dir, await readSecret(context.core, namespace, source.secret.name ?? '', source.secret.optional), source.secret.items);
  }
  for (const item of source.downwardAPI?.items ?? []) {
    if (item.fieldRef) await writeFileIn(dir, item.path, Buffer.from(podField(pod, item.fieldRef.fieldPath, context.info)));
  }
}

/** Creates the claim's PersistentVolume if needed and waits until the claim is Bound. */
async function bindClaim(namespace: string, claimName: string, context: VolumeContext): Promise<string> {
  const { core } = context;
  const deadline = performance.now() + 60_000;
  for (;;) {
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace }).catch(() => undefined);
    const uid = claim?.metadata?.uid;
    if (claim && uid) {
      const pvName = claim.spec?.volumeName || `pvc-${uid}`;
      const path = join(context.persistentDir, pvName);
      await mkdir(path, { recursive: true });
      if (claim.status?.phase === 'Bound') return path;
      if (!claim.spec?.volumeName) {
        await core
          .createPersistentVolume({
            body: {
              metadata: { name: pvName, labels: { 'runnel.dev/process-kubelet': 'true' } },
              spec: {
                capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '1Gi' },
                accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
                storageClassName: claim.spec?.storageClassName ?? '',
                persistentVolumeReclaimPolicy: 'Retain',
                claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: claimName, uid },
                hostPath: { path },
              },
            },
          })
          .catch((error: unknown) => {
            if ((error as { code?: number }).code !== 409) throw error;
          });
      }
    }
    if (performance.now() > deadline) {
      throw new KubeTestError('WAIT_TIMEOUT', `PersistentVolumeClaim ${namespace}/${claimName} was not bound within 60 s (${claim ? `phase ${claim.status?.phase}` : 'claim not found'})`);
    }
    // The binder offers no event we could await short of a watch per claim; poll briefly.
    await delay(200, undefined, { signal: context.signal });
  }
}

async function readConfigMap(core: CoreV1Api, namespace: string, name: string | undefined, optional = false): Promise<Record<string, Buffer>> {
  try {
    const configMap = await core.readNamespacedConfigMap({ name: name ?? '', namespace });
    const text = Object.entries(configMap.data ?? {}).map(([key, value]) => [key, Buffer.from(value)] as const);
    const binary = Object.entries(configMap.binaryData ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')] as const);
    return Object.fromEntries([...text, ...binary]);
  } catch (error) {
    if (optional) return {};
    throw error;
  }
}

async function readSecret(core: CoreV1Api, namespace: string, name: string, optional = false): Promise<Record<string, Buffer>> {
  try {
    const secret = await core.readNamespacedSecret({ name: name ?? '', namespace });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  } catch (error) {
    if (optional) return {};
    throw error;
  }
}

async function writeItems(dir: string, data: Record<string, Buffer>, items: readonly V1KeyToPath[] | undefined): Promise<void> {
  const selected = items ? items.map((item) => [item.path, data[item.key]] as const) : Object.entries(data);
  for (const [path, content] of selected) if (content) await writeFileIn(dir, path, content);
}

async function writeFileIn(dir: string, path: string, content: Buffer): Promise<void> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}
