import type { V1Container, V1ContainerStatus, V1PodCondition } from '@kubernetes/client-node';

/** What the kubelet tracks about one container between restarts. */
export interface ContainerRecord {
  readonly spec: V1Container;
  readonly init: boolean;
  restartCount: number;
  /** Set while a process runs. */
  running?: { readonly pid: number | undefined; readonly startedAt: Date };
  /** The last finished run, if any. */
  lastExit?: { readonly exitCode: number; readonly startedAt: Date; readonly finishedAt: Date; readonly reason: string };
  /** Why the container is not running (ContainerCreating, CrashLoopBackOff, ImageNotMapped, …). */
  waiting?: { readonly reason: string; readonly message?: string };
  /** True when it will not run again (restartPolicy says so, or the pod is terminating). */
  done: boolean;
  ready: boolean;
  started: boolean;
}

/** Kubernetes' wire format for times: RFC 3339 in whole seconds. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `containerStatuses` entry of one container. */
export function containerStatus(record: ContainerRecord): V1ContainerStatus {
  const terminated = (exit: NonNullable<ContainerRecord['lastExit']>): object => ({
    terminated: { exitCode: exit.exitCode, reason: exit.reason, startedAt: kubeTime(exit.startedAt), finishedAt: kubeTime(exit.finishedAt) },
  });
  let state: object;
  let lastState: object = {};
  if (record.running) {
    state = { running: { startedAt: kubeTime(record.running.startedAt) } };
    if (record.lastExit) lastState = terminated(record.lastExit);
  } else if (record.done && record.lastExit) {
    state = terminated(record.lastExit);
  } else {
    state = { waiting: { reason: record.waiting?.reason ?? 'ContainerCreating', ...(record.waiting?.message ? { message: record.waiting.message } : {}) } };
    if (record.lastExit) lastState = terminated(record.lastExit);
  }
  // Status fields are sent as JSON; Date-typed fields of the generated type are given as strings.
  return {
    name: record.spec.name,
    image: record.spec.image ?? '',
    imageID: `process://${record.spec.image ?? ''}`,
    ...(record.running?.pid !== undefined ? { containerID: `process://${record.running.pid}` } : {}),
    ready: record.ready,
    started: record.started,
    restartCount: record.restartCount,
    state,
    lastState,
  } as V1ContainerStatus;
}

/** Pod phase from its containers, by the kubelet's rules for the pod's `restartPolicy`. */
export function podPhase(records: readonly ContainerRecord[]): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const main = records.filter((record) => !record.init);
  if (main.length > 0 && main.every((record) => record.done)) {
    return main.every((record) => record.lastExit?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  if (records.some((record) => record.init && record.done && record.lastExit?.exitCode !== 0)) return 'Failed';
  return main.every((record) => record.running || record.lastExit) ? 'Running' : 'Pending';
}

/** The pod conditions a kubelet reports, stamped with when each last changed. */
export function podConditions(records: readonly ContainerRecord[], transitions: Map<string, { status: string; at: Date }>): V1PodCondition[] {
  const main = records.filter((record) => !record.init);
  const initialized = records.filter((record) => record.init).every((record) => record.done && record.lastExit?.exitCode === 0);
  const ready = main.length > 0 && main.every((record) => record.ready);
  const condition = (type: string, value: boolean): V1PodCondition => {
    const status = value ? 'True' : 'False';
    const previous = transitions.get(type);
    const at = previous?.status === status ? previous.at : new Date();
    transitions.set(type, { status, at });
    return { type, status, lastTransitionTime: kubeTime(at) } as unknown as V1PodCondition;
  };
  return [
    condition('PodScheduled', true),
    condition('PodReadyToStartContainers', true),
    condition('Initialized', initialized),
    condition('ContainersReady', ready),
    condition('Ready', ready),
  ];
}
