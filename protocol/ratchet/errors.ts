export type RatchetErrorCode =
  'NO_SENDING_CHAIN' | 'MALFORMED_HEADER' | 'TOO_MANY_SKIPPED' | 'DUPLICATE' | 'DECRYPT_FAILED' | 'BAD_STATE';

/** A refused ratchet operation. The state passed in is never modified. */
export class RatchetError extends Error {
  override readonly name = 'RatchetError';
  constructor(
    readonly code: RatchetErrorCode,
    message: string,
  ) {
    super(message);
  }
}
