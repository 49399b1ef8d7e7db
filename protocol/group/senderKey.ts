/**
 * Sender keys (docs/groups.md): each member encrypts a group message once, under its own
 * sender chain, and signs it with its member key; the copies travel over pairwise channels.
 * A chain is an HMAC-SHA256 chain (as the ratchet's symmetric step): message key i is taken
 * from chain key i, which then steps to chain key i + 1 and is forgotten, so a key handed
 * over later opens nothing sent before it. A receiver keeps a few keys of skipped indexes
 * for messages that arrive out of order.
 */
import { aeadDecrypt, aeadEncrypt } from '../crypto/aead.js';
import { encodeFields, fromHex, toHex, u32be, utf8 } from '../crypto/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/curves.js';
import { hmacSha256 } from '../crypto/kdf.js';

const DOMAIN = 'meow/group/msg/v1';
/** How far ahead of the last index a receiver steps its chain for one message. */
export const MAX_SKIP = 2000;
/** Skipped message keys kept per chain (the oldest go first). */
const MAX_SKIPPED_KEPT = 200;

/** A member's chain as its author holds it, or as a receiver holds it (hex, for storage). */
export interface SenderChain {
  keyId: string;
  /** The chain key for `index`. */
  chainKey: string;
  index: number;
  /** Receivers: message keys of indexes stepped over, not used yet. */
  skipped: Record<string, string>;
}

export interface SealedGroupMessage {
  keyId: string;
  index: number;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

export class SenderKeyError extends Error {
  constructor(
    readonly reason: 'UNKNOWN_KEY' | 'TOO_FAR' | 'USED' | 'BAD_SIGNATURE' | 'BAD_CIPHERTEXT',
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'SenderKeyError';
  }
}

function step(chainKey: Uint8Array): { messageKey: Uint8Array; next: Uint8Array } {
  return { messageKey: hmacSha256(chainKey, Uint8Array.of(1)), next: hmacSha256(chainKey, Uint8Array.of(2)) };
}

/** A new chain of mine: its id and first key (random). */
export function newChain(random: (n: number) => Uint8Array): SenderChain {
  return { keyId: toHex(random(16)), chainKey: toHex(random(32)), index: 0, skipped: {} };
}

function signed(group: string, sender: string, m: Omit<SealedGroupMessage, 'signature'>): Uint8Array {
  return encodeFields(DOMAIN, group, sender, m.keyId, u32be(m.index), m.ciphertext);
}

function aad(group: string, sender: string, keyId: string, index: number): Uint8Array {
  return encodeFields(DOMAIN, group, sender, keyId, u32be(index));
}

/** Encrypts `plain` once under my chain and signs it; returns the message and my chain after it. */
export function sealGroupMessage(
  group: string,
  me: KeyPair,
  chain: SenderChain,
  plain: Uint8Array,
): { sealed: SealedGroupMessage; chain: SenderChain } {
  const sender = toHex(me.publicKey);
  const { messageKey, next } = step(fromHex(chain.chainKey));
  const ciphertext = aeadEncrypt(messageKey, plain, aad(group, sender, chain.keyId, chain.index));
  const unsigned = { keyId: chain.keyId, index: chain.index, ciphertext };
  return {
    sealed: { ...unsigned, signature: sign(me, signed(group, sender, unsigned)) },
    chain: { ...chain, chainKey: toHex(next), index: chain.index + 1 },
  };
}

/**
 * Opens a member's message with the chain I hold for it: the signature first (a member
 * cannot pass off its message as another's), then the key for its index.
 */
export function openGroupMessage(
  group: string,
  sender: string,
  chain: SenderChain | undefined,
  m: SealedGroupMessage,
): { plain: Uint8Array; chain: SenderChain } {
  if (!verify(fromHex(sender), signed(group, sender, m), m.signature))
    throw new SenderKeyError('BAD_SIGNATURE', 'the sender’s signature does not verify');
  if (!chain || chain.keyId !== m.keyId)
    throw new SenderKeyError('UNKNOWN_KEY', 'no sender key with this id');
  let next = { ...chain, skipped: { ...chain.skipped } };
  let messageKey: Uint8Array;
  const kept = next.skipped[String(m.index)];
  if (m.index < chain.index) {
    if (!kept) throw new SenderKeyError('USED', 'a message key already used or dropped');
    messageKey = fromHex(kept);
    delete next.skipped[String(m.index)];
  } else {
    if (m.index - chain.index > MAX_SKIP) throw new SenderKeyError('TOO_FAR', 'too many messages skipped');
    let ck = fromHex(chain.chainKey);
    for (let i = chain.index; i < m.index; i++) {
      const s = step(ck);
      next.skipped[String(i)] = toHex(s.messageKey);
      ck = s.next;
    }
    const s = step(ck);
    messageKey = s.messageKey;
    next = { ...next, chainKey: toHex(s.next), index: m.index + 1 };
    const indexes = Object.keys(next.skipped)
      .map(Number)
      .sort((a, b) => a - b);
    for (const i of indexes.slice(0, Math.max(0, indexes.length - MAX_SKIPPED_KEPT)))
      delete next.skipped[String(i)];
  }
  let plain: Uint8Array;
  try {
    plain = aeadDecrypt(messageKey, m.ciphertext, aad(group, sender, m.keyId, m.index));
  } catch {
    throw new SenderKeyError('BAD_CIPHERTEXT', 'the message does not decrypt');
  }
  return { plain, chain: next };
}

/** What a sender key's author signs when it hands the key over (bound to the group and member). */
export function senderKeyProof(group: string, me: KeyPair, chain: SenderChain): Uint8Array {
  return sign(
    me,
    encodeFields(DOMAIN, 'sender-key', group, chain.keyId, u32be(chain.index), utf8(chain.chainKey)),
  );
}

export function senderKeyProofValid(
  group: string,
  sender: string,
  chain: SenderChain,
  proof: Uint8Array,
): boolean {
  return verify(
    fromHex(sender),
    encodeFields(DOMAIN, 'sender-key', group, chain.keyId, u32be(chain.index), utf8(chain.chainKey)),
    proof,
  );
}
