// Original file: proto/runnel/v1/log.proto


export interface ProducePartition {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * One or more RecordBatch v2, concatenated.
   */
  'records'?: (Buffer | Uint8Array | string);
}

export interface ProducePartition__Output {
  'topic': (string);
  'partition': (number);
  /**
   * One or more RecordBatch v2, concatenated.
   */
  'records': (Buffer);
}
