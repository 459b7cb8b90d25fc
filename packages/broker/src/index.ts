// Public entry of @runnel/broker: the single-broker data plane and the embedded local cluster.
export { startBroker } from './start-broker.ts';
export type { Broker, BrokerOptions } from './broker-options.ts';
export { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.ts';
export {
  MAX_RECEIVE_MESSAGE_BYTES,
  MAX_SEND_MESSAGE_BYTES,
  MAX_FETCH_RESPONSE_BYTES,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_PARTITION_FETCH_MAX_BYTES,
} from './grpc-limits.ts';
