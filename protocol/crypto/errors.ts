/**
 * Typed crypto errors: every failure names what went wrong, so callers can tell a
 * bad key from a tampered message and report which layer refused it.
 */
export type CryptoErrorCode =
  | 'BAD_KEY_LENGTH'
  | 'LOW_ORDER_POINT'
  | 'ZERO_SHARED_SECRET'
  | 'BAD_SIGNATURE_LENGTH'
  | 'DECRYPT_FAILED'
  | 'BAD_INPUT';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('BAD_INPUT', `${what} must be bytes`);
  if (bytes.length !== length) {
    throw new CryptoError('BAD_KEY_LENGTH', `${what} must be ${length} bytes, got ${bytes.length}`);
  }
}
