import { RUNNEL_GROUP } from './kube-names.ts';

/** One rule of a Kubernetes Role. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * What a broker's ServiceAccount needs in its namespace to run KubernetesMetadataStore: its own and
 * the partition Leases (CAS updates, creates by the topic provisioner, watches) and read access to
 * Topics. The operator (and the tests) build the broker Role from this list, so the store and its
 * permissions cannot drift apart. Topic writes (provisioning) belong to the operator's Role.
 */
export const BROKER_RBAC_RULES: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
  { apiGroups: [RUNNEL_GROUP], resources: ['topics'], verbs: ['get', 'list', 'watch'] },
];
