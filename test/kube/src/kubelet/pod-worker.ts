import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Container, type V1Pod, type V1Probe } from '@kubernetes/client-node';
import { ContainerProcess, type BindMount } from './container-process.ts';
import type { ImageMap } from './image-map.ts';
import { containerEnv, expand, type PodRuntimeInfo } from './pod-env.ts';
import { containerStatus, kubeTime, podConditions, podPhase, type ContainerRecord } from './pod-status.ts';
import { prepareVolumes } from './pod-volumes.ts';
import { checkProbe, type ProbeTarget } from './probe.ts';

/** What a {@link PodWorker} needs from its kubelet. */
export interface PodWorkerContext {
  readonly core: CoreV1Api;
  readonly images: ImageMap;
  readonly kubeletDir: string;
  readonly info: PodRuntimeInfo;
  /** Host environment every container starts from (PATH and friends). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Delay before the first restart of a crashed container; doubles per crash up to 10 s. */
  readonly restartBackoffMs: number;
  /** The namespace's hosts file (see `ClusterHosts`), mounted at /etc/hosts. */
  readonly hostsFile: string;
  readonly log: (line: string) => void;
}

/** Where the kubelet appends a container's stdout and stderr (all restarts, one file). */
export function containerLogPath(kubeletDir: string, namespace: string, pod: string, container: string): string {
  return join(kubeletDir, 'logs', namespace, pod, `${container}.log`);
}

/**
 * Runs one Pod as local processes: volumes, init containers, containers with restarts per
 * `restartPolicy`, probes, status reports, and graceful termination when the pod is deleted.
 */
export class PodWorker {
  #pod: V1Pod;
  readonly #context: PodWorkerContext;
  readonly #records: ContainerRecord[];
  readonly #processes = new Map<string, ContainerProcess>();
  readonly #transitions = new Map<string, { status: string; at: Date }>();
  readonly #abort = new AbortController();
  readonly #startTime = new Date();
  readonly #podDir: string;
  #mounts = new Map<string, string>();
  #statusWrite: Promise<void> | undefined;
  #statusDirty = false;
  #terminating: Promise<void> | undefined;

  constructor(pod: V1Pod, context: PodWorkerContext) {
    this.#pod = pod;
    this.#context = context;
    this.#podDir = join(context.kubeletDir, 'pods', pod.metadata?.uid ?? 'unknown');
    const record = (spec: V1Container, init: boolean): ContainerRecord => ({ spec, init, restartCount: 0, done: false, ready: false, started: false });
    this.#records = [...(pod.spec?.initContainers ?? []).map((spec) => record(spec, true)), ...(pod.spec?.containers ?? []).map((spec) => record(spec, false))];
  }

  /** The pod's namespace. */
  get namespace(): string {
    return this.#pod.metadata?.namespace ?? 'default';
  }

  /** The pod's name. */
  get name(): string {
    return this.#pod.metadata?.name ?? '';
  }

  /** The pids of the running containers, by container name (for fault injection in tests). */
  pids(): Map<string, number> {
    return new Map([...this.#processes].flatMap(([name, process]) => (process.pid === undefined ? [] : [[name, process.pid] as const])));
  }

  /** SIGKILLs every container at once, synchronously (for `process.on('exit')`). */
  killNow(): void {
    for (const process of this.#processes.values()) process.signal('SIGKILL');
  }

  /** Starts the pod; failures are reported in the pod's status, never thrown. */
  start(): void {
    void this.#run().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#context.log(`pod ${this.namespace}/${this.name} failed: ${String(error)}`);
    });
  }

  /** A newer version of the pod; a deletion timestamp starts graceful termination. */
  update(pod: V1Pod): void {
    this.#pod = pod;
    if (pod.metadata?.deletionTimestamp) void this.terminate(true);
  }

  /**
   * Stops every container (SIGTERM, the pod's grace period, SIGKILL) and, when `finishDeletion`,
   * deletes the pod with grace 0 as the kubelet does once its containers are gone.
   */
  terminate(finishDeletion: boolean, graceOverrideMs?: number): Promise<void> {
    this.#terminating ??= (async () => {
      this.#abort.abort();
      for (const record of this.#records) record.done = true;
      const graceSeconds = this.#pod.metadata?.deletionGracePeriodSeconds ?? this.#pod.spec?.terminationGracePeriodSeconds ?? 30;
      await Promise.all([...this.#processes.values()].map((process) => process.stop(graceOverrideMs ?? graceSeconds * 1_000)));
      if (finishDeletion) {
        await this.#context.core
          .deleteNamespacedPod({ name: this.name, namespace: this.namespace, body: { gracePeriodSeconds: 0, preconditions: { uid: this.#pod.metadata?.uid ?? '' } } })
          .catch((error: unknown) => {
            if ((error as { code?: number }).code !== 404) this.#context.log(`finishing the deletion of ${this.namespace}/${this.name} failed: ${errorText(error)}`);
          });
      }
      await rm(this.#podDir, { recursive: true, force: true });
    })();
    return this.#terminating;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    this.#requestStatus();
    await mkdir(join(this.#context.kubeletDir, 'logs', this.namespace, this.name), { recursive: true });
    for (;;) {
      try {
        this.#mounts = await prepareVolumes(this.#pod, { core: this.#context.core, podDir: this.#podDir, persistentDir: join(this.#context.kubeletDir, 'persistent'), info: this.#context.info, signal });
        break;
      } catch (error) {
        if (signal.aborted) return;
        this.#setWaiting('ContainerCreating', `volumes: ${errorText(error)}`);
        await delay(1_000, undefined, { signal });
      }
    }
    for (const record of this.#records.filter((candidate) => candidate.init)) {
      while (!record.done) {
        const exit = await this.#startContainer(record);
        if (signal.aborted) return;
        if (exit === 0) record.done = true;
        else if (this.#pod.spec?.restartPolicy === 'Never') return this.#finishAll();
        else await delay(this.#backoff(record), undefined, { signal });
      }
    }
    for (const record of this.#records.filter((candidate) => !candidate.init)) void this.#keepRunning(record);
  }

  /** Runs a main container until the pod ends, restarting it as `restartPolicy` says. */
  async #keepRunning(record: ContainerRecord): Promise<void> {
    const signal = this.#abort.signal;
    try {
      for (;;) {
        const exit = await this.#startContainer(record);
        if (signal.aborted) return;
        if (exit === -1) continue; // Never started (configuration error, already reported): retry.
        const policy = this.#pod.spec?.restartPolicy ?? 'Always';
        if (policy === 'Never' || (policy === 'OnFailure' && exit === 0)) {
          record.done = true;
          this.#requestStatus();
          return;
        }
        record.waiting = { reason: 'CrashLoopBackOff', message: `back-off restarting container ${record.spec.name}` };
        this.#requestStatus();
        await delay(this.#backoff(record), undefined, { signal });
        record.restartCount += 1;
      }
    } catch (error) {
      if (!signal.aborted) this.#context.log(`container ${this.namespace}/${this.name}/${record.spec.name}: ${errorText(error)}`);
    }
  }

  /** One run of a container; resolves with its exit code (or -1 if it could not start). */
  async #startContainer(record: ContainerRecord): Promise<number> {
    const { spec } = record;
    const signal = this.#abort.signal;
    let argv, env, workingDir;
    try {
      const mapped = this.#context.images.resolve(spec);
      env = await containerEnv(this.#context.core, this.#pod, spec, this.#context.info, { ...this.#context.baseEnv, ...mapped.env });
      // As the kubelet does: `$(VAR)` in the container's own command and args expands with its env.
      const containerEnvironment = env;
      const command = this.#context.images.resolve({
        ...spec,
        ...(spec.command ? { command: spec.command.map((a) => expand(a, containerEnvironment)) } : {}),
        ...(spec.args ? { args: spec.args.map((a) => expand(a, containerEnvironment)) } : {}),
      });
      argv = command.argv;
      workingDir = command.workingDir ?? '/';
    } catch (error) {
      const reason = (error as { code?: string }).code === 'IMAGE_NOT_MAPPED' ? 'ImageNotMapped' : 'CreateContainerConfigError';
      this.#setWaiting(reason, errorText(error), record);
      await delay(2_000, undefined, { signal });
      return -1;
    }
    const mounts: BindMount[] = (spec.volumeMounts ?? []).flatMap((mount) => {
      const volumePath = this.#mounts.get(mount.name);
      return volumePath ? [{ hostPath: mount.subPath ? join(volumePath, mount.subPath) : volumePath, mountPath: mount.mountPath, readOnly: mount.readOnly ?? false }] : [];
    });
    if (!mounts.some((mount) => mount.mountPath === '/etc/hosts')) mounts.push({ hostPath: this.#context.hostsFile, mountPath: '/etc/hosts', readOnly: true });
    const process = ContainerProcess.spawn({
      argv, env, workingDir, mounts,
      hostname: this.#pod.spec?.hostname ?? this.name,
      logFile: containerLogPath(this.#context.kubeletDir, this.namespace, this.name, spec.name),
    });
    this.#processes.set(spec.name, process);
    record.running = { pid: process.pid, startedAt: process.startedAt };
    delete record.waiting;
    record.started = !spec.startupProbe;
    record.ready = !spec.readinessProbe && record.started && !record.init;
    this.#requestStatus();
    const probing = new AbortController();
    this.#startProbes(record, process, { podIP: this.#context.info.podIP, pid: process.pid, env }, probing.signal);
    const exit = await process.exited;
    probing.abort();
    this.#processes.delete(spec.name);
    delete record.running;
    record.ready = false;
    record.lastExit = { exitCode: exit.exitCode, startedAt: process.startedAt, finishedAt: new Date(), reason: exit.exitCode === 0 ? 'Completed' : 'Error' };
    this.#requestStatus();
    return exit.exitCode;
  }

  #startProbes(record: ContainerRecord, process: ContainerProcess, target: ProbeTarget, signal: AbortSignal): void {
    const { spec } = record;
    const loop = async (probe: V1Probe, kind: 'startup' | 'readiness' | 'liveness'): Promise<void> => {
      await delay((probe.initialDelaySeconds ?? 0) * 1_000, undefined, { signal });
      let successes = 0;
      let failures = 0;
      for (;;) {
        if (kind === 'startup' || record.started) {
          const ok = await checkProbe(probe, spec, target);
          if (signal.aborted) return;
          successes = ok ? successes + 1 : 0;
          failures = ok ? 0 : failures + 1;
          if (kind === 'startup' && ok) {
            record.started = true;
            record.ready = !spec.readinessProbe;
            this.#requestStatus();
            return;
          }
          if (kind === 'readiness' && ok !== record.ready && (ok ? successes >= (probe.successThreshold ?? 1) : failures >= (probe.failureThreshold ?? 3))) {
            record.ready = ok;
            this.#requestStatus();
          }
          if (kind !== 'readiness' && failures >= (probe.failureThreshold ?? 3)) {
            this.#context.log(`${this.namespace}/${this.name}/${spec.name}: ${kind} probe failed ${failures} times, restarting`);
            await process.stop((this.#pod.spec?.terminationGracePeriodSeconds ?? 30) * 1_000);
            return;
          }
        }
        await delay((probe.periodSeconds ?? 10) * 1_000, undefined, { signal });
      }
    };
    const probes = [[spec.startupProbe, 'startup'], [spec.readinessProbe, 'readiness'], [spec.livenessProbe, 'liveness']] as const;
    for (const [probe, kind] of probes) {
      if (probe) void loop(probe, kind).catch(() => undefined); // Ends (aborted) with the process.
    }
  }

  #backoff(record: ContainerRecord): number {
    return Math.min(this.#context.restartBackoffMs * 2 ** record.restartCount, 10_000);
  }

  #setWaiting(reason: string, message: string, only?: ContainerRecord): void {
    for (const record of only ? [only] : this.#records) if (!record.running) record.waiting = { reason, message };
    this.#requestStatus();
  }

  #finishAll(): void {
    for (const record of this.#records) record.done = true;
    this.#requestStatus();
  }

  /** Coalesces status reports: at most one PATCH in flight, the latest state always lands. */
  #requestStatus(): void {
    if (this.#terminating) return;
    if (this.#statusWrite) {
      this.#statusDirty = true;
      return;
    }
    this.#statusWrite = (async () => {
      do {
        this.#statusDirty = false;
        await this.#writeStatus().catch((error: unknown) => this.#context.log(`status of ${this.namespace}/${this.name}: ${errorText(error)}`));
      } while (this.#statusDirty && !this.#terminating);
      this.#statusWrite = undefined;
    })();
  }

  async #writeStatus(): Promise<void> {
    const status = {
      phase: podPhase(this.#records),
      hostIP: this.#context.info.hostIP,
      hostIPs: [{ ip: this.#context.info.hostIP }],
      podIP: this.#context.info.podIP,
      podIPs: [{ ip: this.#context.info.podIP }],
      startTime: kubeTime(this.#startTime),
      conditions: podConditions(this.#records, this.#transitions),
      initContainerStatuses: this.#records.filter((record) => record.init).map(containerStatus),
      containerStatuses: this.#records.filter((record) => !record.init).map(containerStatus),
    };
    await this.#context.core.patchNamespacedPodStatus(
      { name: this.name, namespace: this.namespace, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
