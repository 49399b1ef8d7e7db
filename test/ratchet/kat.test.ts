/**
 * Known-answer test for the Double Ratchet: fixed keys → root, chain and message keys
 * and ciphertext for 12 steps across 4 DH ratchet turns, checked into
 * test/vectors/ratchet-kat.json. Any change that alters bytes on the wire fails here.
 * Regenerate deliberately with UPDATE_KAT=1 (and say why in the commit).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { encodeFields, fromHex, toHex, utf8 } from '../../protocol/crypto/bytes.js';
import { sha256 } from '../../protocol/crypto/kdf.js';
import {
  initReceiver,
  initSender,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetState,
} from '../../protocol/ratchet/doubleRatchet.js';
import { kdfChain } from '../../protocol/ratchet/kdf.js';
import { fixedKeys } from './helpers.js';

const VECTORS = join(import.meta.dirname, '..', 'vectors', 'ratchet-kat.json');
const NOW = 1_700_000_000_000;
const AD = encodeFields('meow/kat/v1');
// Who sends at each step: 4 DH turns (A→B→A→B→A).
const SCRIPT = ['A', 'A', 'A', 'B', 'B', 'A', 'A', 'A', 'B', 'B', 'A', 'A'] as const;

interface Step {
  sender: 'A' | 'B';
  plaintext: string;
  header: string;
  ciphertext: string;
  chainKeyBefore: string;
  messageKey: string;
  senderRootKey: string;
  senderChainKeyAfter: string;
  receiverRootKey: string;
}

function run(): { sharedSecret: string; bobRatchetPrivate: string; steps: Step[] } {
  const sharedSecret = sha256(utf8('kat/shared-secret'));
  const bobKeys = fixedKeys('kat/bob');
  const aliceKeys = fixedKeys('kat/alice');
  const bobPair = bobKeys();
  let alice: RatchetState = initSender(sharedSecret, bobPair.publicKey, { generateKeyPair: aliceKeys });
  let bob: RatchetState = initReceiver(sharedSecret, bobPair);
  const steps: Step[] = [];
  SCRIPT.forEach((sender, i) => {
    const plaintext = `step ${i} from ${sender}`;
    const from = sender === 'A' ? alice : bob;
    const chainKeyBefore = from.cks!;
    const enc = ratchetEncrypt(from, utf8(plaintext), AD);
    const to = sender === 'A' ? bob : alice;
    const dec = ratchetDecrypt(to, enc.header, enc.ciphertext, AD, {
      now: NOW,
      generateKeyPair: sender === 'A' ? bobKeys : aliceKeys,
    });
    expect(new TextDecoder().decode(dec.plaintext)).toBe(plaintext);
    if (sender === 'A') {
      alice = enc.state;
      bob = dec.state;
    } else {
      bob = enc.state;
      alice = dec.state;
    }
    steps.push({
      sender,
      plaintext,
      header: toHex(enc.header),
      ciphertext: toHex(enc.ciphertext),
      chainKeyBefore: toHex(chainKeyBefore),
      messageKey: toHex(kdfChain(chainKeyBefore).messageKey),
      senderRootKey: toHex(enc.state.rk),
      senderChainKeyAfter: toHex(enc.state.cks!),
      receiverRootKey: toHex(dec.state.rk),
    });
  });
  return { sharedSecret: toHex(sharedSecret), bobRatchetPrivate: toHex(bobPair.privateKey), steps };
}

describe('Double Ratchet known-answer vectors', () => {
  it('reproduces test/vectors/ratchet-kat.json byte for byte', () => {
    const actual = run();
    if (process.env['UPDATE_KAT'] === '1') writeFileSync(VECTORS, JSON.stringify(actual, null, 2) + '\n');
    const expected = JSON.parse(readFileSync(VECTORS, 'utf8')) as typeof actual;
    expect(actual.steps).toHaveLength(12);
    expect(actual).toEqual(expected);
  });

  it('the first steps match an independent computation with @noble primitives', () => {
    const v = JSON.parse(readFileSync(VECTORS, 'utf8')) as ReturnType<typeof run>;
    // Alice's first ratchet key is fixedKeys('kat/alice')()
    const alicePriv = sha256(utf8('kat/alice/0'));
    const bobPub = nobleX25519.getPublicKey(fromHex(v.bobRatchetPrivate));
    const dhOut = nobleX25519.getSharedSecret(alicePriv, bobPub);
    const okm = nobleHkdf(nobleSha256, dhOut, fromHex(v.sharedSecret), utf8('meow/dr/root/v1'), 64);
    expect(toHex(okm.slice(0, 32))).toBe(v.steps[0]!.senderRootKey);
    expect(toHex(okm.slice(32))).toBe(v.steps[0]!.chainKeyBefore);
    const mk = nobleHmac(nobleSha256, okm.slice(32), new Uint8Array([1]));
    const ck = nobleHmac(nobleSha256, okm.slice(32), new Uint8Array([2]));
    expect(toHex(mk)).toBe(v.steps[0]!.messageKey);
    expect(toHex(ck)).toBe(v.steps[0]!.senderChainKeyAfter);
    expect(v.steps[1]!.chainKeyBefore).toBe(toHex(ck));
  });
});
