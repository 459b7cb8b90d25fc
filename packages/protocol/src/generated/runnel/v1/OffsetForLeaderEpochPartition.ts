// Original file: proto/runnel/v1/replica.proto


export interface OffsetForLeaderEpochPartition {
  'topic'?: (string);
  'partition'?: (number);
  'topicId'?: (string);
  'currentLeaderEpoch'?: (number);
  'leaderEpoch'?: (number);
}

export interface OffsetForLeaderEpochPartition__Output {
  'topic': (string);
  'partition': (number);
  'topicId': (string);
  'currentLeaderEpoch': (number);
  'leaderEpoch': (number);
}
