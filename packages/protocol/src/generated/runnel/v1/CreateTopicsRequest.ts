// Original file: proto/runnel/v1/admin.proto

import type { TopicSpec as _runnel_v1_TopicSpec, TopicSpec__Output as _runnel_v1_TopicSpec__Output } from '../../runnel/v1/TopicSpec.ts';

export interface CreateTopicsRequest {
  'topics'?: (_runnel_v1_TopicSpec)[];
  /**
   * Validate only; create nothing.
   */
  'validateOnly'?: (boolean);
}

export interface CreateTopicsRequest__Output {
  'topics': (_runnel_v1_TopicSpec__Output)[];
  /**
   * Validate only; create nothing.
   */
  'validateOnly': (boolean);
}
