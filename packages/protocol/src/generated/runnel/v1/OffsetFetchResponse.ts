// Original file: proto/runnel/v1/group.proto

import type { CommittedOffset as _runnel_v1_CommittedOffset, CommittedOffset__Output as _runnel_v1_CommittedOffset__Output } from '../../runnel/v1/CommittedOffset.ts';

export interface OffsetFetchResponse {
  'offsets'?: (_runnel_v1_CommittedOffset)[];
}

export interface OffsetFetchResponse__Output {
  'offsets': (_runnel_v1_CommittedOffset__Output)[];
}
