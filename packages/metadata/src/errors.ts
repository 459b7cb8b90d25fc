/**
 * Errors of the metadata store. They mirror the Kubernetes API's status reasons (409 Conflict,
 * 409 AlreadyExists, 404 NotFound, 410 Expired, 422 Invalid) so the memory and Kubernetes implementations of
 * {@link MetadataStore} fail the same way and callers branch on `code`, never on message text.
 */

/**
 * Stable codes of {@link MetadataStoreError}. `UNAVAILABLE`: the store could not be reached and
 * nothing was written. `UNKNOWN_OUTCOME`: a write timed out or got a 5xx, so it may or may not
 * have happened; it is settled only by reading again (DESIGN.md §6 rule 7). `FORBIDDEN`: the
 * caller lacks the rights (Kubernetes RBAC). `INVALID`: the server rejected the object (422).
 */
export type MetadataStoreErrorCode =
  | 'CONFLICT'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'EXPIRED'
  | 'INVALID'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'UNKNOWN_OUTCOME'
  | 'CLOSED';

/** A failed store operation. `CONFLICT` is the outcome of a lost compare-and-swap. */
export class MetadataStoreError extends Error {
  /** Stable code; see {@link MetadataStoreErrorCode}. */
  readonly code: MetadataStoreErrorCode;

  constructor(code: MetadataStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetadataStoreError';
    this.code = code;
  }
}

/** True when `err` is a {@link MetadataStoreError} with the given code. */
export function isMetadataStoreError(err: unknown, code?: MetadataStoreErrorCode): err is MetadataStoreError {
  return err instanceof MetadataStoreError && (code === undefined || err.code === code);
}
