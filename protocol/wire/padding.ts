/**
 * Size buckets for everything sealed: a message's plaintext is padded (ISO/IEC
 * 7816-4: one 0x80 byte, then zeros) up to the smallest bucket that holds it, before
 * any encryption layer, so the relay — and anyone watching the wire — sees one of a
 * few sizes instead of the length of the text or the kind of message. The receiver
 * strips the padding after decryption (unpadOrLegacy: what a sender from before padding sent is read as it is).
 *
 * Buckets: 256 B · 1 KiB · 4 KiB · 16 KiB · 32 KiB · 60 KiB; above that, multiples of
 * 16 KiB (the relay's default 64 KiB message bound holds a 60 KiB bucket once
 * packed; larger messages only fit relays configured for them).
 *
 * @example
 *   const padded = pad(plaintext);        // padded.length ∈ PADDING_BUCKETS (or 16 KiB steps beyond)
 *   const back = unpad(padded);           // === plaintext
 */
export const PADDING_BUCKETS: readonly number[] = [256, 1024, 4096, 16 * 1024, 32 * 1024, 60 * 1024];
const STEP_ABOVE = 16 * 1024;

/** The padded length of a plaintext of `length` bytes (at least one byte of padding). */
export function paddedLength(length: number): number {
  const need = length + 1;
  for (const b of PADDING_BUCKETS) if (need <= b) return b;
  return Math.ceil(need / STEP_ABOVE) * STEP_ABOVE;
}

export function pad(plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(paddedLength(plaintext.length));
  out.set(plaintext, 0);
  out[plaintext.length] = 0x80;
  return out;
}

export class PaddingError extends Error {
  override readonly name = 'PaddingError';
}

/**
 * Strips the padding of what a sender padded, and passes through what a sender from
 * before padding did not pad (messages still queued from then, stored short-link
 * cards). Unpadded protobuf that happens to look padded would have to be exactly a
 * bucket long and end in 0x80 and zeros; the layers around it authenticate either way.
 */
export function unpadOrLegacy(bytes: Uint8Array): Uint8Array {
  try {
    return unpad(bytes);
  } catch (e) {
    if (e instanceof PaddingError) return bytes;
    throw e;
  }
}

/** Strips the padding; throws PaddingError when the bytes are not padded to a bucket. */
export function unpad(padded: Uint8Array): Uint8Array {
  const top = PADDING_BUCKETS[PADDING_BUCKETS.length - 1]!;
  const bucket =
    PADDING_BUCKETS.includes(padded.length) || (padded.length > top && padded.length % STEP_ABOVE === 0);
  if (!bucket) throw new PaddingError(`${padded.length} bytes is not a padding bucket`);
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== 0x80) throw new PaddingError('no padding marker');
  if (paddedLength(i) !== padded.length) throw new PaddingError('padding longer than its bucket');
  return padded.subarray(0, i);
}
