// Original file: proto/runnel/v1/admin.proto

import type { CreateTopicResult as _runnel_v1_CreateTopicResult, CreateTopicResult__Output as _runnel_v1_CreateTopicResult__Output } from '../../runnel/v1/CreateTopicResult.ts';

export interface CreateTopicsResponse {
  'topics'?: (_runnel_v1_CreateTopicResult)[];
}

export interface CreateTopicsResponse__Output {
  'topics': (_runnel_v1_CreateTopicResult__Output)[];
}
