/**
 * Session frames after the handshake: each WebSocket message is one frame,
 *
 *   frame = counter (8 bytes, big-endian) ‖ ChaCha20-Poly1305(key, nonce = counter, aad = counter, plaintext)
 *
 * with one key and one counter per direction, starting at 0 and going up by one. The
 * receiver takes only the next counter: a replayed frame (an old counter), a re-ordered
 * or dropped one (a counter ahead) and a forged one (does not authenticate) are refused,
 * and the session ends — an AEAD stream has no way to resume after a gap. The counter is
 * sent in clear only to say which of those it was (metrics, a clear error); it is also the
 * nonce, so it cannot be changed without the frame failing to open.
 *
 * Truncation: a side that ends a session says so in a sealed frame (SessionRequest.bye /
 * SessionEvent.bye); a connection that ends without it was cut, and nothing is taken as
 * complete because of it (the relay keeps every message until it is acked).
 */
import { concat } from '../crypto/bytes.js';
import { chachaOpen, chachaSeal } from './noise.js';

const HEADER = 8;

export type FrameRefusal = 'MALFORMED' | 'REPLAYED' | 'OUT_OF_ORDER' | 'FORGED';

export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: FrameRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** One direction of a session: seals with the sender's counter. */
export class FrameSealer {
  private counter = 0n;
  constructor(private readonly key: Uint8Array) {}

  seal(plain: Uint8Array): Uint8Array {
    const header = new Uint8Array(HEADER);
    new DataView(header.buffer).setBigUint64(0, this.counter, false);
    const sealed = chachaSeal(this.key, this.counter, header, plain);
    this.counter++;
    return concat(header, sealed);
  }
}

/** The other direction: opens only the next frame, in order, once. */
export class FrameOpener {
  private expected = 0n;
  constructor(private readonly key: Uint8Array) {}

  open(frame: Uint8Array): Uint8Array {
    if (frame.length < HEADER + 16) throw new FrameError('MALFORMED', 'a frame is shorter than its header');
    const header = frame.subarray(0, HEADER);
    const counter = new DataView(header.buffer, header.byteOffset, HEADER).getBigUint64(0, false);
    if (counter < this.expected)
      throw new FrameError('REPLAYED', `frame ${counter} was already received (next is ${this.expected})`);
    if (counter > this.expected)
      throw new FrameError('OUT_OF_ORDER', `frame ${counter} came before frame ${this.expected}`);
    const plain = chachaOpen(this.key, counter, header, frame.subarray(HEADER));
    if (!plain) throw new FrameError('FORGED', `frame ${counter} does not authenticate`);
    this.expected++;
    return plain;
  }
}
