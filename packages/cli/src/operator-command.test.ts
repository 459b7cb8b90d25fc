import { afterEach, describe, expect, it } from 'vitest';
import { parseOperatorArgs } from './commands/operator.ts';
import { UsageError } from './usage-error.ts';

const saved = { ns: process.env['POD_NAMESPACE'], ip: process.env['POD_IP'] };
afterEach(() => {
  if (saved.ns === undefined) delete process.env['POD_NAMESPACE'];
  else process.env['POD_NAMESPACE'] = saved.ns;
  if (saved.ip === undefined) delete process.env['POD_IP'];
  else process.env['POD_IP'] = saved.ip;
});

const usageError = (argv: string[]): string => {
  try {
    parseOperatorArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
};

describe('runnel operator flags', () => {
  it('watches the namespaces given (repeatable), with leader election on by default and its Lease in the pod namespace', () => {
    process.env['POD_NAMESPACE'] = 'runnel-system';
    const args = parseOperatorArgs(['--namespace', 'a', '--namespace', 'b', '--metrics-port', '8080']);
    expect(args).toMatchObject({ namespaces: ['a', 'b'], metricsPort: 8080, leaderElection: { namespace: 'runnel-system', name: 'runnel-operator' } });
  });

  it('takes --all-namespaces, --lease-name/--lease-namespace and --kubeconfig', () => {
    delete process.env['POD_NAMESPACE'];
    expect(parseOperatorArgs(['--all-namespaces', '--lease-name', 'op', '--lease-namespace', 'ops', '--kubeconfig', '/k'])).toMatchObject({
      namespaces: 'all',
      leaderElection: { namespace: 'ops', name: 'op' },
      kubeconfig: '/k',
    });
  });

  it('turns leader election off with --no-leader-elect or --leader-elect=false, and on with --leader-elect=true', () => {
    expect(parseOperatorArgs(['--namespace', 'a', '--no-leader-elect']).leaderElection).toBe(false);
    expect(parseOperatorArgs(['--namespace', 'a', '--leader-elect=false']).leaderElection).toBe(false);
    expect(parseOperatorArgs(['--namespace', 'a', '--leader-elect=true']).leaderElection).toEqual({ namespace: 'a', name: 'runnel-operator' });
  });

  it('defaults to the pod namespace and serves metrics on the pod IP', () => {
    process.env['POD_NAMESPACE'] = 'runnel';
    process.env['POD_IP'] = '10.0.0.7';
    expect(parseOperatorArgs([])).toMatchObject({ namespaces: ['runnel'], metricsHost: '10.0.0.7', metricsPort: undefined });
  });

  it('refuses bad input naming the flag', () => {
    delete process.env['POD_NAMESPACE'];
    expect(usageError([])).toMatch(/--namespace NS .* or --all-namespaces/);
    expect(usageError(['--namespace', 'a', '--all-namespaces'])).toMatch(/exclude each other/);
    expect(usageError(['--namespace', 'Bad_NS'])).toMatch(/Invalid value for --namespace: "Bad_NS"/);
    expect(usageError(['--namespace', 'a', '--leader-elect=maybe'])).toMatch(/--leader-elect: "maybe"/);
    expect(usageError(['--namespace', 'a', '--metrics-port', 'http'])).toMatch(/--metrics-port/);
    expect(usageError(['--namespace', 'a', '--no-leader-elect', '--lease-name', 'x'])).toMatch(/--lease-name applies only with leader election/);
    expect(usageError(['--all-namespaces'])).toMatch(/--lease-namespace/);
    expect(usageError(['--namespace', 'a', '--watch-everything'])).toMatch(/watch-everything/);
  });
});
