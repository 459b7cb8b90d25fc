// Original file: proto/runnel/v1/admin.proto

import type { DeleteTopicResult as _runnel_v1_DeleteTopicResult, DeleteTopicResult__Output as _runnel_v1_DeleteTopicResult__Output } from '../../runnel/v1/DeleteTopicResult.ts';

export interface DeleteTopicsResponse {
  'topics'?: (_runnel_v1_DeleteTopicResult)[];
}

export interface DeleteTopicsResponse__Output {
  'topics': (_runnel_v1_DeleteTopicResult__Output)[];
}
