// Original file: proto/runnel/v1/log.proto


export interface InitProducerIdRequest {
  /**
   * Reserved for transactions; must be empty.
   */
  'transactionalId'?: (string);
}

export interface InitProducerIdRequest__Output {
  /**
   * Reserved for transactions; must be empty.
   */
  'transactionalId': (string);
}
