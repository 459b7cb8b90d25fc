import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './schema-helpers.ts';

/** A status condition, shaped like metav1.Condition (controller-runtime conventions). */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({ description: 'Condition type, e.g. Ready.', minLength: 1, maxLength: 316 }),
    status: StringEnum(['True', 'False', 'Unknown'] as const, { description: 'Whether the condition holds.' }),
    reason: Type.Optional(Type.String({ description: 'CamelCase reason for the last transition.', maxLength: 1024 })),
    message: Type.Optional(Type.String({ description: 'Human-readable detail.', maxLength: 32_768 })),
    lastTransitionTime: Type.Optional(Type.String({ description: 'When the status last changed.', format: 'date-time' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'metadata.generation the condition was computed from.', minimum: 0 })),
  },
  { description: 'A status condition.' },
);

/** A status condition. */
export type Condition = Static<typeof ConditionSchema>;
