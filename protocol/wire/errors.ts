/** Errors about bytes on the wire: which layer refused them and why. */
export type WireErrorCode = 'MALFORMED' | 'TOO_LARGE';

export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
  }
}
