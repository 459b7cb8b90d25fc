/**
 * Errors of the metadata store. They mirror the Kubernetes API's status reasons (409 Conflict,
 * 409 AlreadyExists, 404 NotFound, 410 Expired, 422 Invalid) so the memory and Kubernetes implementations of
 * {@link MetadataStore} fail the same way and callers branch on `code`, never on message text.
 */

/**
 * Stable codes of {@link MetadataStoreError}. `UNAVAILABLE` covers timeouts and 5xx answers: the
 * outcome of a write is then unknown and is settled only by reading again (DESIGN.md §6 rule 7).
 */
export type MetadataStoreErrorCode = 'CONFLICT' | 'ALREADY_EXISTS' | 'NOT_FOUND' | 'EXPIRED' | 'INVALID' | 'UNAVAILABLE' | 'CLOSED';

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
