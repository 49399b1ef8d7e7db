/**
 * The relay's blob endpoints (encrypted attachments) and how a writer proves who it is.
 *
 *   POST   /v1/blob            create: x-blob-size: N → 201 {"id": …}; authenticated
 *   HEAD   /v1/blob/ID         upload-offset / blob-size / blob-complete headers (resume)
 *   PATCH  /v1/blob/ID         append a part at upload-offset; authenticated, part digest signed
 *   GET    /v1/blob/ID         the blob (Range: bytes=a-b → 206), once complete
 *   DELETE /v1/blob/ID         by its uploader only; authenticated
 *
 * The id is 32 random bytes chosen by the relay: whoever holds it may read (a
 * capability; the blob is encrypted under a key only the message carries). Writing
 * needs an `x-meow-auth` header: the uploader's Ed25519 key, a timestamp and a
 * signature over (operation, server key, id, offset, size, part digest, nonce,
 * timestamp), so a captured header can neither write other bytes nor target another
 * relay, and expires with the clock window.
 */
import { encodeFields, fromBase64Url, toBase64Url, toHex } from '../crypto/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/curves.js';

export type BlobOp = 'create' | 'append' | 'delete';

export interface BlobClaim {
  op: BlobOp;
  /** The relay's X25519 public key (its card's public_key). */
  serverKey: Uint8Array;
  id: string;
  offset: number;
  /** create: the declared size. */
  size: number;
  /** append: SHA-256 of the part. */
  digest: Uint8Array;
  /** create: a random nonce (a replayed create would spend the uploader's quota). */
  nonce: string;
  timestamp: number;
}

function signedPart(c: BlobClaim): Uint8Array {
  return encodeFields(
    'meow/blob/v1',
    c.op,
    c.serverKey,
    c.id,
    String(c.offset),
    String(c.size),
    toHex(c.digest),
    c.nonce,
    String(c.timestamp),
  );
}

/** The x-meow-auth header value: key.timestamp.nonce.signature (base64url). */
export function blobAuthHeader(
  device: KeyPair,
  claim: Omit<BlobClaim, 'timestamp'>,
  now = Date.now(),
): string {
  const full = { ...claim, timestamp: now };
  const sig = sign(device, signedPart(full));
  return `${toBase64Url(device.publicKey)}.${now}.${claim.nonce}.${toBase64Url(sig)}`;
}

/** The uploader's key when the header signs this claim, or null. */
export function verifyBlobAuth(
  header: string | undefined,
  claim: Omit<BlobClaim, 'timestamp' | 'nonce'>,
): { key: Uint8Array; timestamp: number; nonce: string } | null {
  const parts = (header ?? '').split('.');
  if (parts.length !== 4) return null;
  const [k, t, nonce, s] = parts as [string, string, string, string];
  if (!/^\d{1,16}$/.test(t) || !/^[A-Za-z0-9_-]{0,64}$/.test(nonce)) return null;
  let key: Uint8Array;
  let sig: Uint8Array;
  try {
    key = fromBase64Url(k);
    sig = fromBase64Url(s);
  } catch {
    return null;
  }
  if (key.length !== 32) return null;
  const timestamp = Number(t);
  return verify(key, signedPart({ ...claim, nonce, timestamp }), sig) ? { key, timestamp, nonce } : null;
}

/** A blob id as the relay makes them: 32 random bytes, base64url. */
export const BLOB_ID = /^[A-Za-z0-9_-]{43}$/;
