// Original file: proto/runnel/v1/admin.proto

import type { BrokerInfo as _runnel_v1_BrokerInfo, BrokerInfo__Output as _runnel_v1_BrokerInfo__Output } from '../../runnel/v1/BrokerInfo.ts';

export interface DescribeClusterResponse {
  'clusterId'?: (string);
  'brokerId'?: (number);
  'brokers'?: (_runnel_v1_BrokerInfo)[];
  /**
   * "local" or "kubernetes".
   */
  'metadataStore'?: (string);
}

export interface DescribeClusterResponse__Output {
  'clusterId': (string);
  'brokerId': (number);
  'brokers': (_runnel_v1_BrokerInfo__Output)[];
  /**
   * "local" or "kubernetes".
   */
  'metadataStore': (string);
}
