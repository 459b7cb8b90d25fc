// Original file: proto/runnel/v1/admin.proto


/**
 * A partition that stands in the way of a restart check.
 */
export interface PartitionAtRisk {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * In-sync replicas now.
   */
  'isrSize'?: (number);
  'minInsyncReplicas'?: (number);
  /**
   * What is wrong, for a person: "ISR 2 → 1 below min.insync.replicas 2", "not in the ISR".
   */
  'reason'?: (string);
}

/**
 * A partition that stands in the way of a restart check.
 */
export interface PartitionAtRisk__Output {
  'topic': (string);
  'partition': (number);
  /**
   * In-sync replicas now.
   */
  'isrSize': (number);
  'minInsyncReplicas': (number);
  /**
   * What is wrong, for a person: "ISR 2 → 1 below min.insync.replicas 2", "not in the ISR".
   */
  'reason': (string);
}
