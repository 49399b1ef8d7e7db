/**
 * The relay's refusals: an ErrorCode (from the wire schema) with a human message,
 * the batch index when one item caused it, and the HTTP status that goes with it.
 */
import { meow } from '../protocol/wire/proto.js';

export type ErrorCodeName = Exclude<keyof typeof meow.ErrorCode, 'OK'>;

/** HTTP status for each ErrorCode: the reply body carries the code, the status says the same thing. */
export const HTTP_STATUS: Record<ErrorCodeName, number> = {
  MALFORMED: 400,
  NOT_FOR_THIS_SERVER: 421, // Misdirected Request: sealed to another server's key
  BAD_SIGNATURE: 401,
  BAD_PROOF: 403,
  STALE: 401,
  REPLAYED: 409,
  BODY_TOO_LARGE: 413,
  MESSAGE_TOO_LARGE: 413,
  TOO_MANY_MESSAGES: 413,
  TOO_MANY_KEYS: 413,
  QUEUE_FULL: 507, // Insufficient Storage: the destination queue is at its bound
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  NOT_FOUND: 404,
  EXPIRED: 410,
  UNSUPPORTED: 400,
  INTERNAL: 500,
  SHUTTING_DOWN: 503,
  NOT_AUTHORIZED: 403, // the queue is secured and the message is not signed by one of its sender keys
  GONE: 410, // the queue was closed by its owner
};

export class RelayFailure extends Error {
  override readonly name = 'RelayFailure';
  constructor(
    readonly code: ErrorCodeName,
    message: string,
    readonly index?: number,
    /** For RATE_LIMITED: seconds the client should wait (Retry-After). */
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }
  get status(): number {
    return HTTP_STATUS[this.code];
  }
  toWire(): meow.IError {
    return { code: meow.ErrorCode[this.code], message: this.message, index: this.index ?? 0 };
  }
}

/** Thrown by a store when its backend cannot be reached or refused to work: never a false success. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
