import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Pod, V1Service } from '@kubernetes/client-node';

const domain = 'cluster.local';

/**
 * Cluster DNS without a DNS server: one hosts file per namespace, bind-mounted at `/etc/hosts` in
 * every container, so `getaddrinfo` (Node's `dns.lookup`, grpc-js) resolves
 * `<hostname>.<subdomain>.<ns>.svc.cluster.local` (StatefulSet pods behind their headless Service)
 * and `<service>.<ns>.svc.cluster.local` (to the IPs of the Service's ready pods: there is no
 * kube-proxy, so a Service name behaves like a headless one). Short forms relative to the pod's
 * namespace are included, as its resolv.conf search list would allow.
 */
export class ClusterHosts {
  readonly #dir: string;
  readonly #written = new Map<string, string>();

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** The hosts file of a namespace; created (with the current entries) if new. */
  fileFor(namespace: string, pods: readonly V1Pod[], services: readonly V1Service[]): string {
    const file = join(this.#dir, `${namespace}.hosts`);
    if (!existsSync(file)) {
      const text = hostsText(namespace, pods, services);
      writeFileSync(file, text);
      this.#written.set(namespace, text);
    }
    return file;
  }

  /**
   * Rewrites every namespace's file whose entries changed. Written in place (same inode), since a
   * bind mount keeps pointing at the inode it was made from.
   */
  async refresh(pods: readonly V1Pod[], services: readonly V1Service[]): Promise<void> {
    for (const [namespace, previous] of this.#written) {
      const text = hostsText(namespace, pods, services);
      if (text === previous) continue;
      this.#written.set(namespace, text);
      await writeFile(join(this.#dir, `${namespace}.hosts`), text);
    }
  }
}

function hostsText(namespace: string, pods: readonly V1Pod[], services: readonly V1Service[]): string {
  const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback'];
  const names = (parts: readonly string[], ns: string): string[] => {
    const base = parts.join('.');
    return [`${base}.${ns}.svc.${domain}`, `${base}.${ns}.svc`, `${base}.${ns}`, ...(ns === namespace ? [base] : [])];
  };
  const live = pods.filter((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp);
  for (const pod of live) {
    // Peers need each other's names before they are Ready (cluster bootstrap), so every running
    // pod gets its record, like a headless Service with publishNotReadyAddresses.
    const hostname = pod.spec?.hostname ?? pod.metadata?.name;
    const subdomain = pod.spec?.subdomain;
    if (hostname && subdomain) lines.push(`${pod.status?.podIP} ${names([hostname, subdomain], pod.metadata?.namespace ?? '').join(' ')}`);
  }
  for (const service of services) {
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const ns = service.metadata?.namespace ?? '';
    const selected = live.filter(
      (pod) =>
        pod.metadata?.namespace === ns &&
        Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value) &&
        (service.spec?.publishNotReadyAddresses || pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    );
    for (const pod of selected) lines.push(`${pod.status?.podIP} ${names([service.metadata?.name ?? ''], ns).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
