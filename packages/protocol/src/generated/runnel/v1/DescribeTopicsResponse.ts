// Original file: proto/runnel/v1/admin.proto

import type { TopicDescription as _runnel_v1_TopicDescription, TopicDescription__Output as _runnel_v1_TopicDescription__Output } from '../../runnel/v1/TopicDescription.ts';

export interface DescribeTopicsResponse {
  'topics'?: (_runnel_v1_TopicDescription)[];
}

export interface DescribeTopicsResponse__Output {
  'topics': (_runnel_v1_TopicDescription__Output)[];
}
