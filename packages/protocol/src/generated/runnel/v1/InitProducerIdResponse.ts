// Original file: proto/runnel/v1/log.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface InitProducerIdResponse {
  'error'?: (_runnel_v1_Error | null);
  'producerId'?: (number | string | Long);
  'producerEpoch'?: (number);
}

export interface InitProducerIdResponse__Output {
  'error': (_runnel_v1_Error__Output | null);
  'producerId': (number);
  'producerEpoch': (number);
}
