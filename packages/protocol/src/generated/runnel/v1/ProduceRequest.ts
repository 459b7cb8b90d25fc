// Original file: proto/runnel/v1/log.proto

import type { Acks as _runnel_v1_Acks, Acks__Output as _runnel_v1_Acks__Output } from '../../runnel/v1/Acks.ts';
import type { ProducePartition as _runnel_v1_ProducePartition, ProducePartition__Output as _runnel_v1_ProducePartition__Output } from '../../runnel/v1/ProducePartition.ts';
import type { Long } from '@grpc/proto-loader';

export interface ProduceRequest {
  /**
   * Echoed in the response; lets ProduceStream pipeline requests.
   */
  'correlationId'?: (number | string | Long);
  'acks'?: (_runnel_v1_Acks);
  /**
   * How long the broker may wait for acks=all before answering REQUEST_TIMED_OUT.
   */
  'timeoutMs'?: (number);
  'partitions'?: (_runnel_v1_ProducePartition)[];
}

export interface ProduceRequest__Output {
  /**
   * Echoed in the response; lets ProduceStream pipeline requests.
   */
  'correlationId': (number);
  'acks': (_runnel_v1_Acks__Output);
  /**
   * How long the broker may wait for acks=all before answering REQUEST_TIMED_OUT.
   */
  'timeoutMs': (number);
  'partitions': (_runnel_v1_ProducePartition__Output)[];
}
