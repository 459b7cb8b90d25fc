// Original file: proto/runnel/v1/admin.proto

import type { PartitionAtRisk as _runnel_v1_PartitionAtRisk, PartitionAtRisk__Output as _runnel_v1_PartitionAtRisk__Output } from '../../runnel/v1/PartitionAtRisk.ts';

export interface PostRestartCheckResponse {
  /**
   * True when this broker is in the ISR of every partition it replicates.
   */
  'caughtUp'?: (boolean);
  /**
   * Partitions this broker replicates.
   */
  'partitions'?: (number);
  /**
   * Of those, partitions whose ISR holds this broker's current incarnation.
   */
  'inSync'?: (number);
  /**
   * The partitions it has not rejoined yet.
   */
  'lagging'?: (_runnel_v1_PartitionAtRisk)[];
}

export interface PostRestartCheckResponse__Output {
  /**
   * True when this broker is in the ISR of every partition it replicates.
   */
  'caughtUp': (boolean);
  /**
   * Partitions this broker replicates.
   */
  'partitions': (number);
  /**
   * Of those, partitions whose ISR holds this broker's current incarnation.
   */
  'inSync': (number);
  /**
   * The partitions it has not rejoined yet.
   */
  'lagging': (_runnel_v1_PartitionAtRisk__Output)[];
}
