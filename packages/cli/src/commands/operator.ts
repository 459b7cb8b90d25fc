import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startOperator } from '@runnel/operator';
import { intFlag, parse, type Options } from '../args.ts';
import { createLogger } from '../logger.ts';
import { untilShutdownSignal } from '../shutdown.ts';
import { UsageError } from '../usage-error.ts';

export const OPERATOR_USAGE = `Usage: runnel operator [options]

Runs the Kubernetes operator: turns Cluster and Topic resources (runnel.dev/v1alpha1) into broker
StatefulSets, Services, RBAC and partitions, and keeps their status live.

Options:
  --namespace NS         namespace to watch (repeatable; default: the pod's own namespace)
  --all-namespaces       watch every namespace
  --metrics-port PORT    serve /metrics, /healthz and /readyz on this port (default: off)
  --metrics-host HOST    address to serve them on (default $POD_IP, else 0.0.0.0)
  --leader-elect         run only while holding the leader Lease (default: on);
                         --no-leader-elect or --leader-elect=false to turn it off
  --lease-name NAME      name of the leader Lease (default runnel-operator)
  --lease-namespace NS   namespace of the leader Lease (default: the pod's namespace)
  --kubeconfig PATH      credentials (default: the pod's service account, else $KUBECONFIG
                         or ~/.kube/config)
  -h, --help             show this help`;

const OPTIONS: Options = {
  namespace: { type: 'string', multiple: true },
  'all-namespaces': { type: 'boolean' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  'leader-elect': { type: 'boolean' },
  'no-leader-elect': { type: 'boolean' },
  'lease-name': { type: 'string' },
  'lease-namespace': { type: 'string' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The namespace this process runs in: $POD_NAMESPACE (downward API) or the service account's. */
function podNamespace(): string | undefined {
  const fromEnv = process.env['POD_NAMESPACE'];
  if (fromEnv) return fromEnv;
  return existsSync(NAMESPACE_FILE) ? readFileSync(NAMESPACE_FILE, 'utf8').trim() || undefined : undefined;
}

/** Parses `runnel operator` flags; exported for tests. */
export function parseOperatorArgs(argv: string[]): {
  help: boolean;
  namespaces: string[] | 'all';
  metricsPort: number | undefined;
  metricsHost: string | undefined;
  leaderElection: false | { namespace: string; name: string };
  kubeconfig: string | undefined;
} {
  // --leader-elect=true|false as controller-runtime operators take it.
  const normalized = argv.map((a) => {
    if (a === '--leader-elect=true') return '--leader-elect';
    if (a === '--leader-elect=false') return '--no-leader-elect';
    if (a.startsWith('--leader-elect=')) throw new UsageError(`Invalid value for --leader-elect: "${a.slice('--leader-elect='.length)}" (expected true or false)`, OPERATOR_USAGE);
    return a;
  });
  const p = parse(normalized, OPTIONS, OPERATOR_USAGE, 0);
  if (p.values['help']) return { help: true, namespaces: [], metricsPort: undefined, metricsHost: undefined, leaderElection: false, kubeconfig: undefined };
  const listed = (p.values['namespace'] as unknown as string[] | undefined) ?? [];
  const all = p.values['all-namespaces'] === true;
  if (all && listed.length > 0) throw new UsageError('--namespace and --all-namespaces exclude each other', OPERATOR_USAGE);
  for (const ns of listed) if (!DNS_LABEL.test(ns)) throw new UsageError(`Invalid value for --namespace: "${ns}" (expected a namespace name: lowercase letters, digits and '-')`, OPERATOR_USAGE);
  let namespaces: string[] | 'all';
  if (all) namespaces = 'all';
  else if (listed.length > 0) namespaces = [...new Set(listed)];
  else {
    const own = podNamespace();
    if (own === undefined) throw new UsageError('Not running in a pod: pass --namespace NS (repeatable) or --all-namespaces', OPERATOR_USAGE);
    namespaces = [own];
  }
  if (p.values['leader-elect'] === true && p.values['no-leader-elect'] === true) throw new UsageError('--leader-elect and --no-leader-elect exclude each other', OPERATOR_USAGE);
  const elect = p.values['no-leader-elect'] !== true;
  let leaderElection: false | { namespace: string; name: string } = false;
  if (elect) {
    const name = (p.values['lease-name'] as string | undefined) ?? 'runnel-operator';
    if (!DNS_LABEL.test(name)) throw new UsageError(`Invalid value for --lease-name: "${name}" (expected a DNS label)`, OPERATOR_USAGE);
    const namespace = (p.values['lease-namespace'] as string | undefined) ?? podNamespace() ?? (namespaces !== 'all' && namespaces.length === 1 ? namespaces[0] : undefined);
    if (namespace === undefined) throw new UsageError('Leader election needs a namespace for its Lease: pass --lease-namespace NS (or --no-leader-elect)', OPERATOR_USAGE);
    leaderElection = { namespace, name };
  } else {
    for (const flag of ['lease-name', 'lease-namespace']) if (p.values[flag] !== undefined) throw new UsageError(`--${flag} applies only with leader election`, OPERATOR_USAGE);
  }
  return {
    help: false,
    namespaces,
    metricsPort: p.values['metrics-port'] === undefined ? undefined : intFlag(p, 'metrics-port', OPERATOR_USAGE, 0, 0, 65535),
    metricsHost: (p.values['metrics-host'] as string | undefined) ?? process.env['POD_IP'] ?? undefined,
    leaderElection,
    kubeconfig: p.values['kubeconfig'] as string | undefined,
  };
}

/** `runnel operator`: runs until SIGINT/SIGTERM (then releases its Lease), or exits 1 when it loses leadership. */
export async function operatorCommand(argv: string[]): Promise<number> {
  const args = parseOperatorArgs(argv);
  if (args.help) {
    process.stdout.write(`${OPERATOR_USAGE}\n`);
    return 0;
  }
  const kubeConfig = new KubeConfig();
  if (args.kubeconfig !== undefined) kubeConfig.loadFromFile(resolve(args.kubeconfig));
  else kubeConfig.loadFromDefault();
  const logger = createLogger();
  const operator = await startOperator({
    kubeConfig,
    namespaces: args.namespaces,
    leaderElection: args.leaderElection,
    logger,
    ...(args.metricsPort !== undefined ? { metricsPort: args.metricsPort } : {}),
    ...(args.metricsHost !== undefined ? { metricsHost: args.metricsHost } : {}),
  });
  if (operator.metricsAddress) process.stderr.write(`metrics: http://${operator.metricsAddress}/metrics\n`);
  const outcome = await Promise.race([untilShutdownSignal().then(() => 'signal' as const), operator.lost.then(() => 'lost' as const)]);
  await operator.close();
  // A replica that lost the Lease exits so it restarts clean, as a standby.
  return outcome === 'lost' ? 1 : 0;
}
