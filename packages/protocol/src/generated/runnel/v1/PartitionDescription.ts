// Original file: proto/runnel/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface PartitionDescription {
  'partition'?: (number);
  'leaderId'?: (number);
  'leaderEpoch'?: (number);
  'replicas'?: (number)[];
  'isr'?: (number)[];
  'logStartOffset'?: (number | string | Long);
  'logEndOffset'?: (number | string | Long);
  'highWatermark'?: (number | string | Long);
  'sizeBytes'?: (number | string | Long);
  'segments'?: (number);
}

export interface PartitionDescription__Output {
  'partition': (number);
  'leaderId': (number);
  'leaderEpoch': (number);
  'replicas': (number)[];
  'isr': (number)[];
  'logStartOffset': (number);
  'logEndOffset': (number);
  'highWatermark': (number);
  'sizeBytes': (number);
  'segments': (number);
}
