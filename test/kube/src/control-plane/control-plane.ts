import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubeBinaries } from '../build/kube-binaries.ts';
import { KubeTestError } from '../errors.ts';
import { ComponentProcess } from './component-process.ts';
import { freeLoopbackPort, httpsGetOk } from './loopback-https.ts';

/**
 * Controllers the tests rely on. Deliberately without `node-lifecycle-controller`: the process
 * kubelet sends no heartbeats, and that controller would taint its Node and evict every pod.
 */
export const controllers = [
  'statefulset-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'persistentvolume-binder-controller',
  // Removes kubernetes.io/pvc-protection once no pod uses a claim: without it a deleted PVC (and
  // so its namespace) never goes away.
  'persistentvolumeclaim-protection-controller',
  'deployment-controller',
  'replicaset-controller',
  'disruption-controller',
  'endpointslice-controller',
] as const;

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  readonly binaries: KubeBinaries;
  /** Aborts the start (components already started are stopped). */
  readonly signal?: AbortSignal;
  /** Per-component health deadline. @default 60_000 */
  readonly componentTimeoutMs?: number;
  /** Keep the temporary directory (logs, etcd data) after {@link ControlPlane.stop}. @default `RUNNEL_KUBE_KEEP=1` */
  readonly keepDir?: boolean;
}

/** A running etcd + kube-apiserver + kube-controller-manager on loopback. */
export interface ControlPlane {
  /** Kubeconfig with the admin identity (token in group `system:masters`). */
  readonly kubeconfigPath: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  /** PEM bundle that verifies the apiserver's serving certificate. */
  readonly caFile: string;
  /** Temporary directory with logs (`logs/<component>.log`), certificates and etcd data. */
  readonly dir: string;
  readonly components: readonly ComponentProcess[];
  /** Stops every component (reverse start order) and removes {@link dir}. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts etcd, kube-apiserver (RBAC, token admin, generated service-account keys, self-signed
 * serving certificate) and kube-controller-manager on free loopback ports, and resolves once the
 * apiserver is ready and the `default` ServiceAccount exists (so pods can be created at once).
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { binaries, signal } = options;
  const timeoutMs = options.componentTimeoutMs ?? 60_000;
  const dir = await mkdtemp(join(tmpdir(), 'runnel-kube-'));
  const logs = join(dir, 'logs');
  const certs = join(dir, 'certs');
  await mkdir(logs);
  await mkdir(certs);
  const components: ComponentProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    for (const component of [...components].reverse()) await component.stop();
    if (!(options.keepDir ?? process.env['RUNNEL_KUBE_KEEP'] === '1')) await rm(dir, { recursive: true, force: true });
  };
  // If the test runner dies without teardown, do not leave an apiserver behind.
  const killOnExit = (): void => components.forEach((component) => component.killNow());
  process.on('exit', killOnExit);

  try {
    const [etcdPort, etcdPeerPort, apiPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
    const host = '127.0.0.1';
    const server = `https://${host}:${apiPort}`;
    const token = randomBytes(24).toString('hex');
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await writeFile(join(certs, 'sa.pub'), keys.publicKey);
    await writeFile(join(certs, 'sa.key'), keys.privateKey, { mode: 0o600 });
    await writeFile(join(certs, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });

    const etcdUrl = `http://${host}:${etcdPort}`;
    const etcd = ComponentProcess.start({
      name: 'etcd',
      command: binaries.path('etcd'),
      logFile: join(logs, 'etcd.log'),
      args: [
        '--name=runnel', `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://${host}:${etcdPeerPort}`, `--initial-advertise-peer-urls=http://${host}:${etcdPeerPort}`,
        `--initial-cluster=runnel=http://${host}:${etcdPeerPort}`, '--unsafe-no-fsync=true', '--log-level=warn',
      ],
    });
    components.push(etcd);
    await etcd.waitHealthy(async () => (await fetch(`${etcdUrl}/health`)).ok, timeoutMs, signal);

    const apiserver = ComponentProcess.start({
      name: 'kube-apiserver',
      command: binaries.path('kube-apiserver'),
      logFile: join(logs, 'kube-apiserver.log'),
      args: [
        `--etcd-servers=${etcdUrl}`, `--secure-port=${apiPort}`, `--bind-address=${host}`, `--advertise-address=${host}`,
        `--cert-dir=${certs}`, `--token-auth-file=${join(certs, 'tokens.csv')}`, '--authorization-mode=RBAC',
        `--service-account-issuer=${server}`, `--service-account-key-file=${join(certs, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(certs, 'sa.key')}`, '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true', '--profiling=false',
        // The advertise address is loopback, which Endpoints reject; pods reach the apiserver
        // through KUBERNETES_SERVICE_HOST/PORT instead of the `kubernetes` Service.
        '--endpoint-reconciler-type=none',
      ],
    });
    components.push(apiserver);
    await apiserver.waitHealthy(() => httpsGetOk(`${server}/readyz`, { token }), timeoutMs, signal);
    const caFile = join(certs, 'apiserver.crt');
    const ca = await readFile(caFile, 'utf8');

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigText(server, ca, token), { mode: 0o600 });

    const kcmPort = await freeLoopbackPort();
    const kcm = ComponentProcess.start({
      name: 'kube-controller-manager',
      command: binaries.path('kube-controller-manager'),
      logFile: join(logs, 'kube-controller-manager.log'),
      args: [
        `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
        `--controllers=${controllers.join(',')}`, '--leader-elect=false', `--bind-address=${host}`, `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, 'kcm-certs')}`, `--root-ca-file=${caFile}`, '--use-service-account-credentials=false',
      ],
    });
    components.push(kcm);
    await kcm.waitHealthy(() => httpsGetOk(`https://${host}:${kcmPort}/healthz`), timeoutMs, signal);

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await waitForDefaultServiceAccount(kc, 'default', timeoutMs, signal);
    return { kubeconfigPath, server, host, port: apiPort, caFile, dir, components, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Waits until the `default` ServiceAccount of `namespace` exists. Pods created before that are
 * rejected by the ServiceAccount admission plugin; there is no event for it, so this polls.
 */
export async function waitForDefaultServiceAccount(kc: KubeConfig, namespace: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const found = await core.readNamespacedServiceAccount({ name: 'default', namespace }).then(() => true, () => false);
    if (found) return;
    if (performance.now() > deadline) {
      throw new KubeTestError('WAIT_TIMEOUT', `ServiceAccount ${namespace}/default did not appear within ${timeoutMs} ms (is kube-controller-manager's serviceaccount-controller running?)`);
    }
    await delay(100, undefined, signal ? { signal } : {});
  }
}

/** A kubeconfig (JSON is valid YAML, so kubectl, helm and client-node all read it). */
function kubeconfigText(server: string, ca: string, token: string): string {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'runnel-test', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
      users: [{ name: 'admin', user: { token } }],
      contexts: [{ name: 'runnel-test', context: { cluster: 'runnel-test', user: 'admin', namespace: 'default' } }],
      'current-context': 'runnel-test',
    },
    null,
    2,
  )}\n`;
}
