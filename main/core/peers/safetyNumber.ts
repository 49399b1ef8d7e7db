/**
 * A contact's safety number: 60 digits both people see alike, made from the two
 * identity keys of their conversation (each contact has keys of its own, so the number
 * is per contact). Comparing it — read aloud, or one phone scanning the other's QR —
 * detects a swapped invitation link. Each side's half is iterated 5,200 times (as
 * Signal's) so that finding another key with a matching half is costly.
 */
import { createHash } from 'node:crypto';
import { bytesEqual, encodeFields } from '../../../protocol/crypto/bytes.js';
import type { ContactChannel, Peer } from './peer.js';

const ITERATIONS = 5200;

function half(key: Uint8Array): string {
  let digest: Uint8Array = encodeFields('meow/safety-number/v1', key);
  for (let i = 0; i < ITERATIONS; i++) digest = createHash('sha512').update(digest).update(key).digest();
  let out = '';
  for (let i = 0; i < 6; i++) {
    const chunk = digest.subarray(i * 5, i * 5 + 5);
    const n = chunk.reduce((acc, b) => acc * 256 + b, 0) % 100_000;
    out += n.toString().padStart(5, '0');
  }
  return out;
}

/** The 60 digits, in 12 groups of 5, the same on both sides. */
export function safetyNumber(mine: Uint8Array, theirs: Uint8Array): string {
  if (bytesEqual(mine, theirs)) throw new Error('a safety number needs two different keys');
  const [a, b] = [half(mine), half(theirs)].sort();
  return `${a}${b}`.replace(/(\d{5})(?=\d)/g, '$1 ');
}

/** What the QR code of a safety number carries (and what a scan is compared with). */
export function safetyQr(number: string): string {
  return `meow-verify:${number.replace(/ /g, '')}`;
}

/** Whether a scanned QR (or typed digits) is this safety number. */
export function matchesSafety(number: string, scanned: string): boolean {
  const digits = (s: string) => s.replace(/^meow-verify:/, '').replace(/\s+/g, '');
  return digits(scanned) === digits(number);
}

/** The safety number of a contact, or null while its keys are not known yet. */
export function contactSafetyNumber(p: Peer): string | null {
  return p.contactPublicKey ? safetyNumber(p.myIdentity.publicKey, p.contactPublicKey) : null;
}

/** Verified, and for the keys the conversation uses now. */
export function isVerified(p: Peer): boolean {
  return (
    p.type === 'contact' &&
    !!p.verified &&
    !!p.contactPublicKey &&
    bytesEqual(p.verified.mine, p.myIdentity.publicKey) &&
    bytesEqual(p.verified.theirs, p.contactPublicKey)
  );
}

/** The verification carried over a rotation through the ratchet (old key → new key, on either side). */
export function carryVerification(before: ContactChannel, after: ContactChannel): ContactChannel['verified'] {
  if (!isVerified(before) || !after.contactPublicKey) return after.verified;
  return { mine: after.myIdentity.publicKey, theirs: after.contactPublicKey, at: before.verified!.at };
}

/** A channel after a rotation through its ratchet: a contact keeps its verification (anything else would break it). */
export function keepVerification<T extends Peer>(before: T, after: T): T {
  return before.type === 'contact' && after.type === 'contact'
    ? { ...after, verified: carryVerification(before, after) }
    : after;
}
