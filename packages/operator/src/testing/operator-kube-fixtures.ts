import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { eventually, type KubeTestHandle } from '@runnel/test-kube';

/** The checkout: the process kubelet maps `ghcr.io/runnel/runnel` to it. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** `runnel` as a host command in a pod (the image's entrypoint). */
export const RUNNEL = `${REPO}node_modules/.bin/node ${REPO}packages/cli/src/main.ts`;

/** Helpers of the operator's kube-tier tests. */
export function operatorFixtures(kube: KubeTestHandle) {
  const kubectlJson = async <T = Record<string, unknown>>(args: string[]): Promise<T> => {
    const r = await kube.kubectl([...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  return {
    kubectlJson,
    /** `kubectl apply` of objects given as JSON; returns kubectl's result (admission errors in stderr). */
    apply: (...objects: object[]) => kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }),
    /** A Ready condition's status of a resource, or undefined. */
    readyOf: async (namespace: string, resource: string): Promise<{ status?: Record<string, unknown>; ready: string | undefined; conditions: Array<Record<string, unknown>> }> => {
      const object = await kubectlJson<{ status?: { conditions?: Array<Record<string, unknown>> } }>(['get', resource, '-n', namespace]);
      const conditions = object.status?.conditions ?? [];
      return { ...(object.status ? { status: object.status } : {}), ready: conditions.find((c) => c['type'] === 'Ready')?.['status'] as string | undefined, conditions };
    },
    /** Runs a one-shot pod with `sh -c script` and returns its phase and log once it ended. */
    runPod: async (namespace: string, name: string, script: string, timeoutMs = 150_000): Promise<{ phase: string; log: string }> => {
      const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { restartPolicy: 'Never', containers: [{ name: 'client', image: 'ghcr.io/runnel/runnel', command: ['sh', '-c', script] }] } };
      await kube.core.createNamespacedPod({ namespace, body: pod });
      const phase = await eventually(
        `pod ${name} to finish`,
        async () => {
          const p = await kube.core.readNamespacedPod({ name, namespace });
          return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
        },
        { timeoutMs },
      );
      const log = await readFile(kube.logPath(namespace, name, 'client'), 'utf8').catch(() => '');
      return { phase, log };
    },
    /** Pids of a pod's containers, from the process kubelet's `process://<pid>` container ids. */
    pidOf: async (namespace: string, pod: string): Promise<number> => {
      const p = await kube.core.readNamespacedPod({ name: pod, namespace });
      const id = p.status?.containerStatuses?.[0]?.containerID ?? '';
      const match = /^process:\/\/(\d+)$/.exec(id);
      if (match === null) throw new Error(`pod ${pod} has no process container id (${id})`);
      return Number(match[1]);
    },
  };
}
