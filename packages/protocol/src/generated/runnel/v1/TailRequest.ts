// Original file: proto/runnel/v1/log.proto

import type { Long } from '@grpc/proto-loader';

export interface TailRequest {
  'topic'?: (string);
  'partition'?: (number);
  'offset'?: (number | string | Long);
  'maxBytes'?: (number);
}

export interface TailRequest__Output {
  'topic': (string);
  'partition': (number);
  'offset': (number);
  'maxBytes': (number);
}
