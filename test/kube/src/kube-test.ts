import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { waitForDefaultServiceAccount } from './control-plane/control-plane.ts';
import { findTestTool } from './build/test-tools.ts';
import { KubeTestError } from './errors.ts';
import type { KubeTestContext } from './kube-test-context.ts';
import { containerLogPath } from './kubelet/pod-worker.ts';
import './kube-test-context.ts';

/** Result of a {@link KubeTestHandle.kubectl} or {@link KubeTestHandle.helm} run. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a kube-tier test works with. */
export interface KubeTestHandle {
  readonly context: KubeTestContext;
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  /** A new namespace with a random name, usable at once (its `default` ServiceAccount exists). */
  createNamespace(prefix?: string): Promise<string>;
  /** Deletes a namespace (without waiting for its finalization). */
  deleteNamespace(name: string): Promise<void>;
  /** Runs kubectl (pinned build when available) with this cluster's kubeconfig. */
  kubectl(args: readonly string[], options?: { input?: string }): Promise<CommandResult>;
  /** Runs helm (the pinned v4 test tool when built, else from PATH) with this cluster's kubeconfig. */
  helm(args: readonly string[]): Promise<CommandResult>;
  /** Log file of a container run by the process kubelet; throws on an external cluster. */
  logPath(namespace: string, pod: string, container: string): string;
}

/**
 * The handle of the kube tier for test files: `const kube = kubeTest();` in a file of the vitest
 * `kube` project. It reads what the global setup provided under `inject('runnelKube')`.
 */
export function kubeTest(): KubeTestHandle {
  const context = inject('runnelKube');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(context.kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const executable = async (binary: 'kubectl' | 'helm'): Promise<string> =>
    binary === 'helm' ? ((await findTestTool('helm')) ?? 'helm') : context.binDir ? join(context.binDir, binary) : binary;
  const run = async (binary: 'kubectl' | 'helm', args: readonly string[], input?: string): Promise<CommandResult> => {
    const file = await executable(binary);
    return new Promise((resolve) => {
      const child = execFile(
        file,
        [...args],
        { env: { ...process.env, KUBECONFIG: context.kubeconfigPath, HELM_CACHE_HOME: join(context.kubeconfigPath, '..', 'helm-cache') }, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  };
  return {
    context,
    kubeConfig,
    core,
    async createNamespace(prefix = 'kube-test') {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      await core.createNamespace({ body: { metadata: { name } } });
      await waitForDefaultServiceAccount(kubeConfig, name, 30_000);
      return name;
    },
    async deleteNamespace(name) {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
    kubectl: (args, options) => run('kubectl', args, options?.input),
    helm: (args) => run('helm', args),
    logPath(namespace, pod, container) {
      if (!context.kubeletDir) throw new KubeTestError('NO_CONTROL_PLANE', 'Container log files exist only with the process kubelet, not on an external cluster');
      return containerLogPath(context.kubeletDir, namespace, pod, container);
    },
  };
}

/**
 * Polls `probe` until it returns a value other than `undefined`. For states Kubernetes reports
 * without an event we could await (pod readiness through the API, controller progress).
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      throw new KubeTestError('WAIT_TIMEOUT', `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await delay(200, undefined, options.signal ? { signal: options.signal } : {});
  }
}
