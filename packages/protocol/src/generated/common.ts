import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from './runnel/v1/Error.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  runnel: {
    v1: {
      Error: MessageTypeDefinition<_runnel_v1_Error, _runnel_v1_Error__Output>
    }
  }
}

