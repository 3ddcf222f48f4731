// The store's one error type: a stable code for logs and tests, and a message an operator can act on.

export const STORE_ERROR_CODES = [
  'unsupported_database_url',
  'database_missing',
  'database_open_failed',
  'schema_too_new',
  'migration_failed',
  'invalid_transition',
  'corrupt_row',
  'id_exhausted',
  'durability_failed',
  'copy_refused',
  'copy_mismatch',
] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export function isStoreError(value: unknown): value is StoreError {
  return value instanceof StoreError;
}
