/** Test helper: both ends of one packing channel. */
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../protocol/crypto/curves.js';
import { initReceiver, initSender } from '../../protocol/ratchet/doubleRatchet.js';
import type { ChannelKeys } from '../../protocol/wire/packing.js';

/** Two ends of one channel, as an invitation would leave them. */
export function channel() {
  const sym = randomBytes(32);
  const sk = randomBytes(32);
  const drB = x25519KeyPair();
  const A = { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() };
  const B = { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() };
  const aKeys: ChannelKeys = {
    myIdentity: A.id,
    myEncryption: A.enc,
    myLookup: A.lookup,
    symKey: sym,
    contactPublicKey: B.id.publicKey,
    contactEncryption: B.enc.publicKey,
    contactLookupKey: B.lookup.publicKey,
  };
  const bKeys: ChannelKeys = {
    myIdentity: B.id,
    myEncryption: B.enc,
    myLookup: B.lookup,
    symKey: sym,
    contactPublicKey: A.id.publicKey,
    contactEncryption: A.enc.publicKey,
    contactLookupKey: A.lookup.publicKey,
  };
  return { aKeys, bKeys, aRatchet: initSender(sk, drB.publicKey), bRatchet: initReceiver(sk, drB) };
}
