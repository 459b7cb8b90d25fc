// Original file: proto/runnel/v1/group.proto

export const ResetSpec = {
  RESET_SPEC_UNSPECIFIED: 'RESET_SPEC_UNSPECIFIED',
  RESET_SPEC_EARLIEST: 'RESET_SPEC_EARLIEST',
  RESET_SPEC_LATEST: 'RESET_SPEC_LATEST',
  /**
   * To `offset` exactly.
   */
  RESET_SPEC_OFFSET: 'RESET_SPEC_OFFSET',
  /**
   * To the first offset whose timestamp is >= `timestamp` (the latest if none).
   */
  RESET_SPEC_TIMESTAMP: 'RESET_SPEC_TIMESTAMP',
  /**
   * To the first offset whose timestamp is >= now - `duration_ms`.
   */
  RESET_SPEC_DURATION: 'RESET_SPEC_DURATION',
} as const;

export type ResetSpec =
  | 'RESET_SPEC_UNSPECIFIED'
  | 0
  | 'RESET_SPEC_EARLIEST'
  | 1
  | 'RESET_SPEC_LATEST'
  | 2
  /**
   * To `offset` exactly.
   */
  | 'RESET_SPEC_OFFSET'
  | 3
  /**
   * To the first offset whose timestamp is >= `timestamp` (the latest if none).
   */
  | 'RESET_SPEC_TIMESTAMP'
  | 4
  /**
   * To the first offset whose timestamp is >= now - `duration_ms`.
   */
  | 'RESET_SPEC_DURATION'
  | 5

export type ResetSpec__Output = typeof ResetSpec[keyof typeof ResetSpec]
