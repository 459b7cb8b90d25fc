// Original file: proto/runnel/v1/log.proto

export const OffsetSpec = {
  OFFSET_SPEC_UNSPECIFIED: 'OFFSET_SPEC_UNSPECIFIED',
  OFFSET_SPEC_EARLIEST: 'OFFSET_SPEC_EARLIEST',
  OFFSET_SPEC_LATEST: 'OFFSET_SPEC_LATEST',
  /**
   * First offset whose batch max timestamp is >= timestamp.
   */
  OFFSET_SPEC_TIMESTAMP: 'OFFSET_SPEC_TIMESTAMP',
} as const;

export type OffsetSpec =
  | 'OFFSET_SPEC_UNSPECIFIED'
  | 0
  | 'OFFSET_SPEC_EARLIEST'
  | 1
  | 'OFFSET_SPEC_LATEST'
  | 2
  /**
   * First offset whose batch max timestamp is >= timestamp.
   */
  | 'OFFSET_SPEC_TIMESTAMP'
  | 3

export type OffsetSpec__Output = typeof OffsetSpec[keyof typeof OffsetSpec]
