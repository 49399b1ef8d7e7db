/**
 * The generated wire types plus safe decoding: every decode of outside bytes goes
 * through `decodeStrict`, which validates the wire structure first and turns any
 * failure into a WireError instead of a crash or a half-read object.
 */
import { meow } from '../../proto/generated/messages.js';
import { WireError } from './errors.js';
import { validateWire } from './strictDecode.js';

export { meow };

interface Decoder<T> {
  decode(reader: Uint8Array): T;
}
interface Encoder<I> {
  encode(message: I): { finish(): Uint8Array };
}

/** Decodes `bytes` as `type` (named `typeName` in the schema), or throws WireError. */
export function decodeStrict<T>(
  type: Decoder<T>,
  typeName: string,
  bytes: Uint8Array,
  maxBytes = 64 * 1024 * 1024,
): T {
  if (!(bytes instanceof Uint8Array)) throw new WireError('MALFORMED', `${typeName}: not bytes`);
  if (bytes.length > maxBytes)
    throw new WireError('TOO_LARGE', `${typeName}: ${bytes.length} bytes exceeds ${maxBytes}`);
  validateWire(typeName, bytes);
  try {
    return type.decode(bytes);
  } catch (e) {
    throw new WireError('MALFORMED', `${typeName}: ${(e as Error).message}`);
  }
}

export function encode<I>(type: Encoder<I>, message: I): Uint8Array {
  const out = type.encode(message).finish();
  // Under Node the writer returns a Buffer; hand out plain Uint8Arrays (same memory).
  return out.constructor === Uint8Array ? out : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
