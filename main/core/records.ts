/** Shared zod schemas and JSON shapes for records kept at rest and synced between devices. */
import { z } from 'zod';
import { toBase64 } from '../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../protocol/crypto/curves.js';

export const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
export const key32 = b64.refine((s) => Buffer.from(s, 'base64').length === 32, 'must encode 32 bytes');

export const keyPairSchema = z.object({ pub: key32, priv: key32 });
export type KeyPairJson = z.infer<typeof keyPairSchema>;
export function keyPairJson(kp: KeyPair): KeyPairJson {
  return { pub: toBase64(kp.publicKey), priv: toBase64(kp.privateKey) };
}

/** A relay server as pinned by a client: its URL and keys from its signed card. */
export const serverRefSchema = z.object({
  url: z.string().url(),
  publicKey: key32, // X25519, requests are sealed to it
  signingKey: key32, // Ed25519, signs its card
  name: z.string(),
});
export type ServerRef = z.infer<typeof serverRefSchema>;

/**
 * Version of a synced record: a counter plus the id of the device that wrote it,
 * compared as (counter, device). An older version never overwrites a newer one.
 */
export const versionSchema = z.object({ counter: z.number().int().min(0), device: z.string() });
export type Version = z.infer<typeof versionSchema>;

export function compareVersions(a: Version, b: Version): number {
  if (a.counter !== b.counter) return a.counter - b.counter;
  return a.device < b.device ? -1 : a.device > b.device ? 1 : 0;
}

export function nextVersion(current: Version, device: string): Version {
  return { counter: current.counter + 1, device };
}
