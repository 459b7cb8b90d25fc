// Original file: proto/runnel/v1/admin.proto

import type { PartitionAtRisk as _runnel_v1_PartitionAtRisk, PartitionAtRisk__Output as _runnel_v1_PartitionAtRisk__Output } from '../../runnel/v1/PartitionAtRisk.ts';

export interface PreRestartCheckResponse {
  /**
   * True when stopping this broker now keeps every partition writable with acks=all.
   */
  'safe'?: (boolean);
  /**
   * The partitions that make it unsafe.
   */
  'atRisk'?: (_runnel_v1_PartitionAtRisk)[];
  /**
   * Partitions this broker leads now (its clean shutdown hands them over).
   */
  'leaderships'?: (number);
}

export interface PreRestartCheckResponse__Output {
  /**
   * True when stopping this broker now keeps every partition writable with acks=all.
   */
  'safe': (boolean);
  /**
   * The partitions that make it unsafe.
   */
  'atRisk': (_runnel_v1_PartitionAtRisk__Output)[];
  /**
   * Partitions this broker leads now (its clean shutdown hands them over).
   */
  'leaderships': (number);
}
