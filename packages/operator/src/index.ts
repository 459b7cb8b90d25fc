// Public entry of @runnel/operator: the Kubernetes operator that turns Cluster and Topic resources
// into running brokers and partitions (DESIGN.md §7).
export { startOperator, type Operator, type OperatorOptions } from './start-operator.ts';
export { TOPIC_FINALIZER } from './topic/topic-reconciler.ts';
export { clusterObjectNames, brokerDnsName, BROKER_PORT } from './cluster/cluster-resources.ts';
export { WorkQueue, type WorkQueueOptions, type ReconcileResult } from './work-queue.ts';
