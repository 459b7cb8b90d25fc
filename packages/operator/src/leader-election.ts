import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { setTimeout as delay } from 'node:timers/promises';

/** Options of {@link runLeaderElection}. */
export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (the Lease holder): pod name plus a random suffix. */
  readonly identity: string;
  /** A Lease not renewed for this long (on this replica's clock) may be taken over. @default 15 */
  readonly leaseDurationSeconds?: number;
  /** A leader that could not renew for this long stops leading. @default 10000 */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. @default 2000 */
  readonly retryPeriodMs?: number;
  readonly logger: Logger;
  /** Called once when this replica becomes the leader. */
  readonly onStartedLeading: () => void;
  /** Called once when a leader loses the Lease (it must stop acting at once). */
  readonly onStoppedLeading: () => void;
}

/** A Lease's MicroTime (six fractional digits; client-node's Date serialization has three, which the API refuses). */
const microTime = (): string => `${new Date().toISOString().slice(0, -1)}000Z`;

/** The Lease as plain JSON (sent through CustomObjectsApi, so times keep their MicroTime format). */
interface LeaseObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number; [key: string]: unknown };
}
const LEASES = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' } as const;

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does: the
 * leader renews `renewTime` every retry period by compare-and-swap (PUT with the resourceVersion
 * read); a candidate takes the Lease over when its resourceVersion has not changed for
 * `leaseDurationSeconds` on the candidate's own monotonic clock (never comparing a remote
 * timestamp with the local one), or when the holder released it. A leader that cannot renew
 * within the renew deadline stops leading. On `signal` a leader releases the Lease (empty holder)
 * so a standby takes over without waiting a lease duration.
 */
export async function runLeaderElection(options: LeaderElectionOptions, signal: AbortSignal): Promise<void> {
  const custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
  const api = {
    readNamespacedLease: async (p: { name: string; namespace: string }): Promise<LeaseObject> => (await custom.getNamespacedCustomObject({ ...LEASES, ...p })) as LeaseObject,
    createNamespacedLease: async (p: { namespace: string; body: Omit<LeaseObject, 'apiVersion' | 'kind'> }): Promise<void> => {
      await custom.createNamespacedCustomObject({ ...LEASES, namespace: p.namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...p.body } });
    },
    replaceNamespacedLease: async (p: { name: string; namespace: string; body: LeaseObject }): Promise<void> => {
      await custom.replaceNamespacedCustomObject({ ...LEASES, name: p.name, namespace: p.namespace, body: p.body });
    },
  };
  const leaseSeconds = options.leaseDurationSeconds ?? 15;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryMs = options.retryPeriodMs ?? 2_000;
  const { namespace, name, identity, logger } = options;
  let leading = false;
  let lastRenew = 0;
  let observed: { resourceVersion: string; at: number } | undefined;
  let lostTo: string | undefined;

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let lease: LeaseObject;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
      await api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(), renewTime: microTime(), leaseTransitions: 0 } },
      });
      return true;
    }
    const rv = lease.metadata?.resourceVersion ?? '';
    const now = performance.now();
    if (observed?.resourceVersion !== rv) observed = { resourceVersion: rv, at: now };
    const holder = lease.spec?.holderIdentity ?? '';
    const held = holder !== '' && holder !== identity;
    // Someone else holds it while we thought we led: they took it over, stop at once.
    if (held && leading) lostTo = holder;
    if (held && now - observed.at < (lease.spec?.leaseDurationSeconds ?? leaseSeconds) * 1000) return false;
    const taking = holder !== identity;
    const body: LeaseObject = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: identity,
        leaseDurationSeconds: leaseSeconds,
        renewTime: microTime(),
        ...(taking ? { acquireTime: microTime(), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {}),
      },
    };
    await api.replaceNamespacedLease({ name, namespace, body });
    return true;
  };

  while (!signal.aborted) {
    const attemptStart = performance.now();
    let ok = false;
    try {
      ok = await tryAcquireOrRenew();
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) logger.warn({ err }, 'leader election: cannot read or write the Lease');
    }
    if (ok) {
      lastRenew = attemptStart;
      if (!leading) {
        leading = true;
        logger.info({ lease: `${namespace}/${name}`, identity }, 'became the leader');
        options.onStartedLeading();
      }
    } else if (leading && (lostTo !== undefined || performance.now() - lastRenew > renewDeadlineMs)) {
      leading = false;
      logger.error({ lease: `${namespace}/${name}`, holder: lostTo }, lostTo !== undefined ? 'lost the leader Lease to another replica' : 'lost the leader Lease (renew deadline passed)');
      options.onStoppedLeading();
      return;
    }
    try {
      await delay(retryMs, undefined, { signal });
    } catch {
      break;
    }
  }
  if (leading) {
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity === identity) {
        await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() } } });
      }
    } catch (err) {
      logger.warn({ err }, 'leader election: cannot release the Lease');
    }
  }
}
