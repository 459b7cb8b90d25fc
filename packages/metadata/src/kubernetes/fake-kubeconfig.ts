/**
 * Test support: a kubeconfig for an API server at `server` with one user, as the unit tests of the
 * Kubernetes store and its watch use. `config` lets a test pass a KubeConfig subclass.
 */
import { KubeConfig } from '@kubernetes/client-node';

export function fakeKubeConfig<T extends KubeConfig = KubeConfig>(server: string, options: { token?: string; skipTLSVerify?: boolean; config?: T } = {}): T {
  const config = options.config ?? (new KubeConfig() as T);
  config.loadFromOptions({
    clusters: [{ name: 'fake', server, ...(options.skipTLSVerify === false ? {} : { skipTLSVerify: true }) }],
    users: [{ name: 'fake', ...(options.token === undefined ? {} : { token: options.token }) }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return config;
}
