// Original file: proto/runnel/v1/log.proto

import type { OffsetSpec as _runnel_v1_OffsetSpec, OffsetSpec__Output as _runnel_v1_OffsetSpec__Output } from '../../runnel/v1/OffsetSpec.ts';
import type { Long } from '@grpc/proto-loader';

export interface ListOffsetsPartition {
  'topic'?: (string);
  'partition'?: (number);
  'spec'?: (_runnel_v1_OffsetSpec);
  'timestamp'?: (number | string | Long);
}

export interface ListOffsetsPartition__Output {
  'topic': (string);
  'partition': (number);
  'spec': (_runnel_v1_OffsetSpec__Output);
  'timestamp': (number);
}
