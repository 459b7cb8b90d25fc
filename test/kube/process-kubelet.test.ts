// What the process kubelet does for pods beyond the StatefulSet happy path: config volumes and
// env, exit codes and phases, liveness restarts, graceful deletion with SIGKILL escalation, and
// images it cannot map.
import { readFile } from 'node:fs/promises';
import { AppsV1Api, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, ImageMap, kubeTest } from './src/index.ts';

const kube = kubeTest();
let namespace: string;

const pod = (name: string, container: Partial<V1Container>, spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'busybox', ...container }], ...spec },
});

const node = (script: string): string[] => [process.execPath, '-e', script];

async function readPod(name: string): Promise<V1Pod> {
  return kube.core.readNamespacedPod({ name, namespace });
}

// Skipped only under RUNNEL_TEST_KUBECONFIG (an external cluster): these tests need the process kubelet.
describe.skipIf(!kube.context.kubeletDir)('process kubelet', () => {
  beforeAll(async () => {
    namespace = await kube.createNamespace('kubelet');
  });
  afterAll(async () => {
    await kube.deleteNamespace(namespace);
  });

  it('mounts ConfigMaps, resolves env and reports a failed run with its exit code', async () => {
    await kube.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'settings' }, data: { greeting: 'hello from a ConfigMap' } } });
    await kube.core.createNamespacedPod({
      namespace,
      body: pod(
        'exits',
        {
          command: node("console.log(process.env.GREETING + ' / ' + require('fs').readFileSync('/etc/settings/greeting', 'utf8')); process.exit(3)"),
          envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CM_' }],
          env: [{ name: 'GREETING', value: '$(CM_greeting) in $(POD_NS)' }, { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
          volumeMounts: [{ name: 'settings', mountPath: '/etc/settings', readOnly: true }],
        },
        { restartPolicy: 'Never', volumes: [{ name: 'settings', configMap: { name: 'settings' } }] },
      ),
    });
    const failed = await eventually('pod exits to phase Failed', async () => ((await readPod('exits')).status?.phase === 'Failed' ? readPod('exits') : undefined));
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    // $(POD_NS) is defined after GREETING, so Kubernetes leaves it unexpanded.
    expect(await readFile(kube.logPath(namespace, 'exits', 'main'), 'utf8')).toBe('hello from a ConfigMap in $(POD_NS) / hello from a ConfigMap\n');
  });

  it('expands $(VAR) in a container command and args with its env, as the kubelet does', async () => {
    await kube.core.createNamespacedPod({
      namespace,
      body: pod(
        'expands',
        {
          command: [process.execPath, '-e', 'console.log(process.argv.slice(1).join(" "))', '$(POD_NS)'],
          args: ['ordinal-$(INDEX)', '$(UNDEFINED_VAR)', '$$(INDEX)'],
          env: [{ name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'INDEX', value: '7' }],
        },
        { restartPolicy: 'Never' },
      ),
    });
    await eventually('pod expands to phase Succeeded', async () => ((await readPod('expands')).status?.phase === 'Succeeded' ? true : undefined));
    expect(await readFile(kube.logPath(namespace, 'expands', 'main'), 'utf8')).toBe(`${namespace} ordinal-7 $(UNDEFINED_VAR) $(INDEX)\n`);
  });

  it('runs init containers to completion, in order, before the main container', async () => {
    await kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'init' },
        spec: {
          restartPolicy: 'Never',
          volumes: [{ name: 'work', emptyDir: {} }],
          initContainers: ['first', 'second'].map((step) => ({
            name: step,
            image: 'busybox',
            command: node(`require('fs').appendFileSync('/scratch/steps', '${step}\\n')`),
            volumeMounts: [{ name: 'work', mountPath: '/scratch' }],
          })),
          containers: [{ name: 'main', image: 'busybox', command: node("process.stdout.write(require('fs').readFileSync('/scratch/steps', 'utf8'))"), volumeMounts: [{ name: 'work', mountPath: '/scratch' }] }],
        },
      },
    });
    await eventually('the init pod to succeed', async () => ((await readPod('init')).status?.phase === 'Succeeded' ? true : undefined));
    expect(await readFile(kube.logPath(namespace, 'init', 'main'), 'utf8')).toBe('first\nsecond\n');
  });

  it('brings a Deployment to its ready replica count (deployment and replicaset controllers)', async () => {
    const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'operator' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'operator' } },
          template: {
            metadata: { labels: { app: 'operator' } },
            spec: {
              containers: [{
                name: 'main',
                image: 'busybox',
                command: node("require('http').createServer((_, res) => res.end('ok')).listen(8080, process.env.POD_IP)"),
                env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              }],
            },
          },
        },
      },
    });
    const status = await eventually('2 ready replicas', async () => {
      const current = (await apps.readNamespacedDeployment({ name: 'operator', namespace })).status;
      return current?.readyReplicas === 2 ? current : undefined;
    });
    expect(status.availableReplicas).toBe(2);
  });

  it('restarts a container whose liveness probe fails', async () => {
    await kube.core.createNamespacedPod({
      namespace,
      body: pod('unhealthy', { command: node('setInterval(() => {}, 1000)'), livenessProbe: { tcpSocket: { port: 1 }, periodSeconds: 1, failureThreshold: 2 } }, { terminationGracePeriodSeconds: 1 }),
    });
    const restarted = await eventually('a liveness restart', async () => {
      const current = await readPod('unhealthy');
      return (current.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? current : undefined;
    });
    expect(restarted.status?.phase).toBe('Running');
  });

  it('escalates to SIGKILL when a container ignores SIGTERM past the grace period, then finishes the deletion', async () => {
    await kube.core.createNamespacedPod({
      namespace,
      body: pod(
        'stubborn',
        {
          command: node(
            "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); require('fs').writeFileSync('/run/runnel-probe/ready', ''); console.log('started'); setInterval(() => {}, 1000)",
          ),
          // Exec probes run in the container's mount namespace: the file is in its emptyDir at
          // /run/runnel-probe, which on the host is only an empty mount point.
          volumeMounts: [{ name: 'marker', mountPath: '/run/runnel-probe' }],
          readinessProbe: { exec: { command: ['test', '-e', '/run/runnel-probe/ready'] }, periodSeconds: 1 },
        },
        { terminationGracePeriodSeconds: 1, volumes: [{ name: 'marker', emptyDir: {} }] },
      ),
    });
    await eventually('stubborn to be Ready through its exec probe', async () =>
      (await readPod('stubborn')).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined,
    );
    await eventually('stubborn to log its start', async () => ((await readFile(kube.logPath(namespace, 'stubborn', 'main'), 'utf8')).includes('started') ? true : undefined));
    await kube.core.deleteNamespacedPod({ name: 'stubborn', namespace });
    await eventually('stubborn to be gone from the API', () => readPod('stubborn').then(() => undefined, () => true));
    expect(await readFile(kube.logPath(namespace, 'stubborn', 'main'), 'utf8')).toContain('ignoring SIGTERM');
  });

  it('runs the Runnel image as this checkout', async () => {
    await kube.core.createNamespacedPod({ namespace, body: pod('runnel-cli', { image: 'ghcr.io/runnel/runnel:0.0.0-test', args: ['--help'] }, { restartPolicy: 'Never' }) });
    await eventually('the runnel CLI pod to succeed', async () => ((await readPod('runnel-cli')).status?.phase === 'Succeeded' ? true : undefined));
    expect(await readFile(kube.logPath(namespace, 'runnel-cli', 'main'), 'utf8')).toContain('Usage: runnel');
  });

  it('reports an image it cannot map and that has no command as ImageNotMapped', async () => {
    await kube.core.createNamespacedPod({ namespace, body: pod('unmapped', { image: 'registry.example/unknown:1' }) });
    const waiting = await eventually('the ImageNotMapped reason', async () => {
      const state = (await readPod('unmapped')).status?.containerStatuses?.[0]?.state?.waiting;
      return state?.reason === 'ImageNotMapped' ? state : undefined;
    });
    expect(waiting.message).toContain('registry.example/unknown:1');
  });
});

describe('image map', () => {
  const images = ImageMap.load();

  it('runs the Runnel image (any tag) as this checkout, with the container args appended', () => {
    const resolved = images.resolve({ name: 'broker', image: 'ghcr.io/runnel/runnel:0.3.1', args: ['broker', '--id', '0'] });
    expect(resolved.argv.slice(1)).toEqual([expect.stringMatching(/\/packages\/cli\/src\/main\.ts$/), 'broker', '--id', '0']);
    expect(resolved.argv[0]).toMatch(/\/node_modules\/\.bin\/node$/);
  });

  it('lets a container command replace the image entrypoint, as Docker does', () => {
    const resolved = images.resolve({ name: 'shell', image: 'ghcr.io/runnel/runnel@sha256:abc', command: ['sh', '-c'], args: ['true'] });
    expect(resolved.argv).toEqual(['sh', '-c', 'true']);
  });
});
