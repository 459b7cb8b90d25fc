import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, makeInformer, PatchStrategy, setHeaderOptions, type Informer, type KubeConfig, type ObjectCache, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { ClusterHosts } from './cluster-hosts.ts';
import { ImageMap } from './image-map.ts';
import { PodWorker } from './pod-worker.ts';

/** Options of {@link ProcessKubelet.start}. */
export interface ProcessKubeletOptions {
  readonly kubeConfig: KubeConfig;
  /** How pods reach the apiserver (`KUBERNETES_SERVICE_HOST`/`PORT`). */
  readonly apiHost: string;
  readonly apiPort: number;
  /** @default `process-kubelet` */
  readonly nodeName?: string;
  /** State: `logs/`, `pods/`, `persistent/`. @default a new temporary directory */
  readonly kubeletDir?: string;
  /** @default {@link ImageMap.load} */
  readonly images?: ImageMap;
  /** @default 1_000 (the real kubelet starts at 10 s) */
  readonly restartBackoffMs?: number;
  /** @default `console.error` */
  readonly log?: (line: string) => void;
}

/**
 * A kubelet that runs Pods as local processes. It registers a Ready Node, binds every pending pod
 * to it (there is no scheduler), and runs each bound pod through a {@link PodWorker}. Each pod
 * gets its own loopback IP (127.a.b.c); containers must bind to that IP (from the downward API,
 * `status.podIP`), since they share the host's ports.
 */
export class ProcessKubelet {
  readonly nodeName: string;
  readonly kubeletDir: string;
  readonly #options: ProcessKubeletOptions;
  readonly #core: CoreV1Api;
  readonly #workers = new Map<string, PodWorker>();
  readonly #binding = new Set<string>();
  readonly #log: (line: string) => void;
  readonly #ipPrefix = randomInt(16, 250);
  #nextIp = 1;
  #informer: (Informer<V1Pod> & ObjectCache<V1Pod>) | undefined;
  #services: (Informer<V1Service> & ObjectCache<V1Service>) | undefined;
  readonly #hosts: ClusterHosts;
  #hostsRefresh: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #killOnExit = (): void => this.#workers.forEach((worker) => worker.killNow());

  private constructor(options: ProcessKubeletOptions, kubeletDir: string) {
    this.#options = options;
    this.nodeName = options.nodeName ?? 'process-kubelet';
    this.kubeletDir = kubeletDir;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#log = options.log ?? ((line) => console.error(`[process-kubelet] ${line}`));
    this.#hosts = new ClusterHosts(join(kubeletDir, 'hosts'));
    // Pods run in their own process groups; if the test runner dies without teardown, take them along.
    process.on('exit', this.#killOnExit);
  }

  /** Registers the Node and starts watching pods. */
  static async start(options: ProcessKubeletOptions): Promise<ProcessKubelet> {
    const kubeletDir = options.kubeletDir ?? (await mkdtemp(join(tmpdir(), 'runnel-kubelet-')));
    await mkdir(kubeletDir, { recursive: true });
    const kubelet = new ProcessKubelet(options, kubeletDir);
    await kubelet.#registerNode();
    await kubelet.#watchPods();
    return kubelet;
  }

  /** Pids of a pod's running containers by container name; empty if this kubelet does not run it. */
  containerPids(namespace: string, name: string): Map<string, number> {
    for (const worker of this.#workers.values()) {
      if (worker.namespace === namespace && worker.name === name) return worker.pids();
    }
    return new Map();
  }

  /** Stops watching and kills every pod's processes at once (test teardown, not pod deletion). */
  async stop(options: { removeDir?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#hostsRefresh);
    await this.#informer?.stop();
    await this.#services?.stop();
    await Promise.all([...this.#workers.values()].map((worker) => worker.terminate(false, 2_000)));
    this.#workers.clear();
    process.off('exit', this.#killOnExit);
    if (options.removeDir) await rm(this.kubeletDir, { recursive: true, force: true });
  }

  async #registerNode(): Promise<void> {
    await this.#core
      .createNode({ body: { metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } } } })
      .catch((error: unknown) => {
        if ((error as { code?: number }).code !== 409) throw error;
      });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const ready = (type: string, status: string, reason: string) => ({ type, status, reason, lastHeartbeatTime: now, lastTransitionTime: now });
    const capacity = { cpu: '64', memory: '256Gi', pods: '1000', 'ephemeral-storage': '1Ti' };
    await this.#core.patchNodeStatus(
      {
        name: this.nodeName,
        body: {
          status: {
            conditions: [
              ready('Ready', 'True', 'KubeletReady'), ready('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
              ready('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), ready('PIDPressure', 'False', 'KubeletHasSufficientPID'),
            ],
            addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: this.nodeName }],
            capacity,
            allocatable: capacity,
            nodeInfo: {
              architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'v0.0.0-process-kubelet', kubeProxyVersion: '',
              containerRuntimeVersion: 'process://local', kernelVersion: '', osImage: 'host', machineID: '', systemUUID: '', bootID: '',
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async #watchPods(): Promise<void> {
    const services = makeInformer<V1Service>(this.#options.kubeConfig, '/api/v1/services', () => this.#core.listServiceForAllNamespaces());
    this.#services = services;
    for (const event of ['add', 'update', 'delete'] as const) services.on(event, () => this.#scheduleHostsRefresh());
    this.#restartOnError(services, 'service');
    await services.start();
    const informer = makeInformer<V1Pod>(this.#options.kubeConfig, '/api/v1/pods', () => this.#core.listPodForAllNamespaces());
    this.#informer = informer;
    for (const event of ['add', 'update', 'delete'] as const) informer.on(event, () => this.#scheduleHostsRefresh());
    informer.on('add', (pod) => this.#onPod(pod));
    informer.on('update', (pod) => this.#onPod(pod));
    informer.on('delete', (pod) => {
      // Gone from the API (force-deleted, or we finished the deletion): kill whatever is left.
      const worker = this.#workers.get(pod.metadata?.uid ?? '');
      this.#workers.delete(pod.metadata?.uid ?? '');
      if (worker) void worker.terminate(false, 0);
    });
    this.#restartOnError(informer, 'pod');
    await informer.start();
  }

  /** The client-node informer stops on error; restart it after a short pause. */
  #restartOnError(informer: Informer<V1Pod> | Informer<V1Service>, what: string): void {
    informer.on('error', (error: unknown) => {
      if (this.#stopped) return;
      this.#log(`${what} watch failed, restarting: ${String(error)}`);
      setTimeout(() => {
        if (!this.#stopped) informer.start().catch((restartError: unknown) => this.#log(`${what} watch restart failed: ${String(restartError)}`));
      }, 1_000);
    });
  }

  /** Coalesces bursts of pod and service events into one rewrite of the hosts files. */
  #scheduleHostsRefresh(): void {
    if (this.#hostsRefresh || this.#stopped) return;
    this.#hostsRefresh = setTimeout(() => {
      this.#hostsRefresh = undefined;
      this.#hosts.refresh(this.#informer?.list() ?? [], this.#services?.list() ?? []).catch((error: unknown) => this.#log(`hosts refresh failed: ${String(error)}`));
    }, 50);
  }

  #onPod(pod: V1Pod): void {
    if (this.#stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const phase = pod.status?.phase;
    if (!pod.spec?.nodeName) {
      if (!pod.metadata?.deletionTimestamp && !this.#binding.has(uid)) void this.#bind(pod);
      return;
    }
    if (pod.spec.nodeName !== this.nodeName) return;
    const existing = this.#workers.get(uid);
    if (existing) {
      existing.update(pod);
      return;
    }
    if (phase === 'Succeeded' || phase === 'Failed') {
      if (pod.metadata?.deletionTimestamp) void this.#forget(pod);
      return;
    }
    const worker = new PodWorker(pod, {
      core: this.#core,
      images: this.#options.images ?? ImageMap.load(),
      kubeletDir: this.kubeletDir,
      info: { podIP: this.#allocateIp(), hostIP: '127.0.0.1', apiHost: this.#options.apiHost, apiPort: this.#options.apiPort },
      baseEnv: { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: '/root' },
      restartBackoffMs: this.#options.restartBackoffMs ?? 1_000,
      hostsFile: this.#hosts.fileFor(pod.metadata?.namespace ?? 'default', this.#informer?.list() ?? [], this.#services?.list() ?? []),
      log: this.#log,
    });
    this.#workers.set(uid, worker);
    worker.start();
    worker.update(pod);
  }

  /** A finished pod that is being deleted and that we never ran: finish its deletion. */
  async #forget(pod: V1Pod): Promise<void> {
    await this.#core
      .deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', gracePeriodSeconds: 0 })
      .catch(() => undefined);
  }

  /** Plays the scheduler: one node, so every pending pod goes to it. */
  async #bind(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    this.#binding.add(uid);
    try {
      await this.#core.createNamespacedPodBinding({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        body: { metadata: { name: pod.metadata?.name ?? '', uid }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
      });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) this.#log(`binding ${pod.metadata?.namespace}/${pod.metadata?.name} failed: ${String(error)}`);
      this.#binding.delete(uid);
    }
  }

  /** A loopback address of its own per pod: 127.<run>.<hi>.<lo>, never 127.0.0.x. */
  #allocateIp(): string {
    const n = this.#nextIp++;
    return `127.${this.#ipPrefix}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }
}
