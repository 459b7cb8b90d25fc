import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * Small TypeBox helpers for the parts of a Kubernetes structural schema that TypeBox's own
 * builders express differently (TypeBox writes string maps as `patternProperties` and literal
 * unions as `anyOf`/`const`, neither of which a CRD schema accepts).
 */

/** A CEL rule of `x-kubernetes-validations`. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSON path of the field the message is about, relative to the schema node. */
  readonly fieldPath?: string;
  /** `FieldValueInvalid` (default), `FieldValueForbidden`, `FieldValueRequired` or `FieldValueDuplicate`. */
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** A string that must be one of `values` (a CRD `enum`). */
export function StringEnum<const V extends readonly string[]>(values: V, options: { description: string; default?: V[number] }): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object with string keys and `T` values (a CRD `additionalProperties` map). */
export function StringMap<T extends TSchema>(values: T, options: { description: string }): TUnsafe<Record<string, T['static']>> {
  return Type.Unsafe<Record<string, T['static']>>({ type: 'object', additionalProperties: values, ...options });
}

/** Strips TypeBox's symbol keys (and anything else not JSON) so the schema can be embedded in a CRD. */
export function toJsonSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** An object of any shape (a core Kubernetes type embedded as is; the API server validates it where it is used). */
export function AnyObject(description: string): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description });
}
