// Original file: proto/runnel/v1/log.proto

import type { BrokerInfo as _runnel_v1_BrokerInfo, BrokerInfo__Output as _runnel_v1_BrokerInfo__Output } from '../../runnel/v1/BrokerInfo.ts';
import type { TopicMetadata as _runnel_v1_TopicMetadata, TopicMetadata__Output as _runnel_v1_TopicMetadata__Output } from '../../runnel/v1/TopicMetadata.ts';

export interface MetadataResponse {
  'clusterId'?: (string);
  'brokers'?: (_runnel_v1_BrokerInfo)[];
  'topics'?: (_runnel_v1_TopicMetadata)[];
}

export interface MetadataResponse__Output {
  'clusterId': (string);
  'brokers': (_runnel_v1_BrokerInfo__Output)[];
  'topics': (_runnel_v1_TopicMetadata__Output)[];
}
