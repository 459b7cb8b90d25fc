// Original file: proto/runnel/v1/admin.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';

export interface CreateTopicResult {
  'name'?: (string);
  'topicId'?: (string);
  'error'?: (_runnel_v1_Error | null);
}

export interface CreateTopicResult__Output {
  'name': (string);
  'topicId': (string);
  'error': (_runnel_v1_Error__Output | null);
}
