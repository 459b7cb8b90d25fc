import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';

/** What the kubelet knows about a pod beyond its spec. */
export interface PodRuntimeInfo {
  readonly podIP: string;
  readonly hostIP: string;
  /** Where in-cluster clients reach the apiserver (`KUBERNETES_SERVICE_HOST`/`PORT`). */
  readonly apiHost: string;
  readonly apiPort: number;
}

/**
 * The environment of one container, as the kubelet builds it: the in-cluster service variables,
 * `HOSTNAME`, `envFrom`, then `env` in order with `$(VAR)` expansion and the downward API.
 */
export async function containerEnv(
  core: CoreV1Api,
  pod: V1Pod,
  container: V1Container,
  info: PodRuntimeInfo,
  base: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {
    ...base,
    HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '',
    KUBERNETES_SERVICE_HOST: info.apiHost,
    KUBERNETES_SERVICE_PORT: String(info.apiPort),
    KUBERNETES_SERVICE_PORT_HTTPS: String(info.apiPort),
    KUBERNETES_PORT: `tcp://${info.apiHost}:${info.apiPort}`,
  };
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const data = await configMapData(core, namespace, source.configMapRef.name, source.configMapRef.optional);
      for (const [key, value] of Object.entries(data)) env[prefix + key] = value;
    }
    if (source.secretRef) {
      const data = await secretData(core, namespace, source.secretRef.name, source.secretRef.optional);
      for (const [key, value] of Object.entries(data)) env[prefix + key] = value;
    }
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expand(variable.value ?? '', env);
    } else if (from.fieldRef) {
      env[variable.name] = podField(pod, from.fieldRef.fieldPath, info);
    } else if (from.configMapKeyRef) {
      const data = await configMapData(core, namespace, from.configMapKeyRef.name, from.configMapKeyRef.optional);
      const value = data[from.configMapKeyRef.key];
      if (value !== undefined) env[variable.name] = value;
    } else if (from.secretKeyRef) {
      const data = await secretData(core, namespace, from.secretKeyRef.name, from.secretKeyRef.optional);
      const value = data[from.secretKeyRef.key];
      if (value !== undefined) env[variable.name] = value;
    } else if (from.resourceFieldRef) {
      const [kind, resource] = from.resourceFieldRef.resource.split('.');
      const quantity = kind === 'limits' ? container.resources?.limits?.[resource ?? ''] : container.resources?.requests?.[resource ?? ''];
      env[variable.name] = quantity ?? '0';
    }
  }
  return env;
}

/** The downward API `fieldRef` values the kubelet resolves (the ones Runnel uses and more). */
export function podField(pod: V1Pod, fieldPath: string, info: PodRuntimeInfo): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': case 'status.podIPs': return info.podIP;
    case 'status.hostIP': case 'status.hostIPs': return info.hostIP;
    default: return '';
  }
}

/** Kubernetes `$(VAR)` expansion: known variables are replaced, `$$` escapes, unknown ones stay. */
export function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : (env[name ?? ''] ?? match),
  );
}

/** The data of a ConfigMap; `{}` when it is missing and `optional`. */
export async function configMapData(core: CoreV1Api, namespace: string, name: string | undefined, optional = false): Promise<Record<string, string>> {
  try {
    return (await core.readNamespacedConfigMap({ name: name ?? '', namespace })).data ?? {};
  } catch (error) {
    if (optional) return {};
    throw error;
  }
}

/** The decoded data of a Secret; `{}` when it is missing and `optional`. */
export async function secretData(core: CoreV1Api, namespace: string, name: string | undefined, optional = false): Promise<Record<string, string>> {
  try {
    const data = (await core.readNamespacedSecret({ name: name ?? '', namespace })).data ?? {};
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  } catch (error) {
    if (optional) return {};
    throw error;
  }
}
