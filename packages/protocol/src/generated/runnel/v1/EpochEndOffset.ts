// Original file: proto/runnel/v1/replica.proto

import type { Long } from '@grpc/proto-loader';

export interface EpochEndOffset {
  'epoch'?: (number);
  'endOffset'?: (number | string | Long);
}

export interface EpochEndOffset__Output {
  'epoch': (number);
  'endOffset': (number);
}
