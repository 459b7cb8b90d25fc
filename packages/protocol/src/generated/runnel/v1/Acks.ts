// Original file: proto/runnel/v1/log.proto

export const Acks = {
  /**
   * treated as ACKS_ALL
   */
  ACKS_UNSPECIFIED: 'ACKS_UNSPECIFIED',
  /**
   * acks=0: the broker sends no response per batch
   */
  ACKS_NONE: 'ACKS_NONE',
  /**
   * acks=1: written by the leader
   */
  ACKS_LEADER: 'ACKS_LEADER',
  /**
   * acks=all: committed (high watermark past the batch)
   */
  ACKS_ALL: 'ACKS_ALL',
} as const;

export type Acks =
  /**
   * treated as ACKS_ALL
   */
  | 'ACKS_UNSPECIFIED'
  | 0
  /**
   * acks=0: the broker sends no response per batch
   */
  | 'ACKS_NONE'
  | 1
  /**
   * acks=1: written by the leader
   */
  | 'ACKS_LEADER'
  | 2
  /**
   * acks=all: committed (high watermark past the batch)
   */
  | 'ACKS_ALL'
  | 3

export type Acks__Output = typeof Acks[keyof typeof Acks]
