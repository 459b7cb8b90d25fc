import { RunnelError } from '@runnel/protocol';
import type { HandoverRequest, HandoverResponse, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, ReplicaFetchRequest, ReplicaFetchResponse, ReplicaService, ReplicaTransport } from './replica-transport.ts';

/**
 * Brokers of one process calling each other directly (the local cluster and tests). A broker
 * that is not registered, or whose link is cut, is BROKER_NOT_AVAILABLE, as an unreachable peer.
 */
export class InProcessReplicaNetwork {
  readonly #services = new Map<number, ReplicaService>();
  readonly #cut = new Set<number>();

  /** Makes `service` answer for `brokerId` (replacing an earlier incarnation). */
  register(brokerId: number, service: ReplicaService): void {
    this.#services.set(brokerId, service);
  }

  /** Stops answering for `brokerId` if `service` is still registered there. */
  unregister(brokerId: number, service?: ReplicaService): void {
    if (service === undefined || this.#services.get(brokerId) === service) this.#services.delete(brokerId);
  }

  /** Cuts (or restores) every call to and from `brokerId`. */
  isolate(brokerId: number, isolated: boolean): void {
    if (isolated) this.#cut.add(brokerId);
    else this.#cut.delete(brokerId);
  }

  /** The transport broker `from` uses. */
  transportFor(from: number): ReplicaTransport {
    const target = (to: number): ReplicaService => {
      const service = this.#services.get(to);
      if (service === undefined || this.#cut.has(to) || this.#cut.has(from)) throw new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${to} cannot be reached from broker ${from}`);
      return service;
    };
    return {
      fetch: async (leaderId: number, request: ReplicaFetchRequest, signal: AbortSignal): Promise<ReplicaFetchResponse> => {
        const response = await target(leaderId).handleReplicaFetch(request, signal);
        if (this.#cut.has(leaderId) || this.#cut.has(from)) throw new RunnelError('BROKER_NOT_AVAILABLE', `The answer of broker ${leaderId} was lost`);
        return response;
      },
      offsetForLeaderEpoch: async (brokerId: number, request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse> => target(brokerId).handleOffsetForLeaderEpoch(request),
      handover: async (leaderId: number, request: HandoverRequest, signal: AbortSignal): Promise<HandoverResponse> => target(leaderId).handleHandover(request, signal),
    };
  }
}
