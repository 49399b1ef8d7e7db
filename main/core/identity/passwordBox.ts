/**
 * Password-protected files: scrypt (memory-hard) derives a key from the password,
 * XChaCha20-Poly1305 seals the content. The KDF parameters travel in the file, so
 * they can be raised later without breaking old profiles.
 *
 * File format (JSON): { v: 1, kdf: { name: "scrypt", logN, r, p, salt }, box, sum }
 * where box = base64(nonce ‖ ciphertext ‖ tag) and the AAD binds the parameters. `sum`
 * (SHA-256 of the box text, not secret; absent in older files) tells a damaged file from a
 * wrong password, which the AEAD alone cannot.
 */
import { createHash, scrypt } from 'node:crypto';
import { z } from 'zod';
import { aeadDecrypt, aeadEncrypt } from '../../../protocol/crypto/aead.js';
import { encodeFields, fromBase64, randomBytes, toBase64 } from '../../../protocol/crypto/bytes.js';
import { MeowError } from '../errors.js';

/** scrypt cost: N = 2^17, r = 8 (128 MiB, the OWASP recommendation). */
export const DEFAULT_LOG_N = 17;

const FileSchema = z.object({
  v: z.literal(1),
  kdf: z.object({
    name: z.literal('scrypt'),
    logN: z.number().int().min(10).max(22),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: z.string(),
  }),
  box: z.string(),
  sum: z.string().optional(),
});
export type PasswordFile = z.infer<typeof FileSchema>;
type KdfParams = PasswordFile['kdf'];

export function deriveKey(password: string, params: KdfParams): Promise<Uint8Array> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      fromBase64(params.salt),
      32,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    );
  });
}

function aad(params: KdfParams): Uint8Array {
  return encodeFields(
    'meow/password-box/v1',
    params.name,
    String(params.logN),
    String(params.r),
    String(params.p),
    params.salt,
  );
}

/** Seals `content` under `password`. Returns the file text and the derived key (for caching in a keychain). */
export async function sealWithPassword(
  password: string,
  content: Uint8Array,
  logN = DEFAULT_LOG_N,
): Promise<{ text: string; key: Uint8Array }> {
  const { kdf, key } = await newPasswordKey(password, logN);
  return { text: sealWithKey(kdf, key, content), key };
}

/** A key for a new password: fresh salt, so no two passwords (nor two profiles) share a derivation. */
export async function newPasswordKey(
  password: string,
  logN = DEFAULT_LOG_N,
): Promise<{ kdf: KdfParams; key: Uint8Array }> {
  const kdf: KdfParams = { name: 'scrypt', logN, r: 8, p: 1, salt: toBase64(randomBytes(16)) };
  return { kdf, key: await deriveKey(password, kdf) };
}

/** The file text of `content` sealed under a derived key and the parameters it was derived with. */
export function sealWithKey(kdf: KdfParams, key: Uint8Array, content: Uint8Array): string {
  const box = toBase64(aeadEncrypt(key, content, aad(kdf)));
  return JSON.stringify({ v: 1, kdf, box, sum: boxSum(box) });
}

/** Re-seals with an already derived key (same salt and parameters): saving without re-deriving. */
export function resealWithKey(file: PasswordFile, key: Uint8Array, content: Uint8Array): string {
  return sealWithKey(file.kdf, key, content);
}

function boxSum(box: string): string {
  return createHash('sha256').update(box).digest('base64');
}

export function parsePasswordFile(text: string, what: string): PasswordFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MeowError('CORRUPTED', { what: `${what} file`, detail: 'not valid JSON' });
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success)
    throw new MeowError('CORRUPTED', { what: `${what} file`, detail: 'unexpected format' });
  if (parsed.data.sum !== undefined && parsed.data.sum !== boxSum(parsed.data.box))
    throw new MeowError('CORRUPTED', { what: `${what} file`, detail: 'its checksum does not match' });
  return parsed.data;
}

/** Opens with a password; a wrong password is a clear error and changes nothing. */
export async function openWithPassword(
  file: PasswordFile,
  password: string,
): Promise<{ content: Uint8Array; key: Uint8Array }> {
  const key = await deriveKey(password, file.kdf);
  return { content: openWithKey(file, key), key };
}

export function openWithKey(file: PasswordFile, key: Uint8Array): Uint8Array {
  let box: Uint8Array;
  try {
    box = fromBase64(file.box);
  } catch {
    throw new MeowError('CORRUPTED', { what: 'identity file', detail: 'bad encoding' });
  }
  try {
    return aeadDecrypt(key, box, aad(file.kdf));
  } catch {
    throw new MeowError('WRONG_PASSWORD', {});
  }
}
