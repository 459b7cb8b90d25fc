import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';

/** A broker pod as the roll and the status see it. */
export interface BrokerPod {
  readonly id: number;
  readonly name: string;
  readonly ready: boolean;
  readonly terminating: boolean;
  /** Runs the StatefulSet's current template. */
  readonly updated: boolean;
  readonly nodeName: string | undefined;
  readonly podIP: string | undefined;
}

/** The broker pods of a StatefulSet, by ordinal (the broker id). */
export function brokerPods(statefulSet: V1StatefulSet | undefined, pods: readonly V1Pod[]): BrokerPod[] {
  const name = statefulSet?.metadata?.name;
  if (name === undefined) return [];
  const updateRevision = statefulSet?.status?.updateRevision;
  const out: BrokerPod[] = [];
  for (const pod of pods) {
    const podName = pod.metadata?.name ?? '';
    const match = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(podName);
    if (match === null) continue;
    out.push({
      id: Number(match[1]),
      name: podName,
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && pod.metadata?.deletionTimestamp == null,
      terminating: pod.metadata?.deletionTimestamp != null,
      updated: updateRevision === undefined || pod.metadata?.labels?.['controller-revision-hash'] === updateRevision,
      nodeName: pod.spec?.nodeName,
      podIP: pod.status?.podIP,
    });
  }
  return out.sort((a, b) => a.id - b.id);
}
