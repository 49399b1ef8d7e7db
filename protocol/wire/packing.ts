/**
 * Packing a UserMessage for one channel (a contact, or one of my devices), inside out:
 *   1. UserMessage → bytes, padded to a size bucket (./padding.ts)
 *   2. Double Ratchet encrypt → RatchetMessage{header, ciphertext}
 *   3. symmetric layer: XChaCha20-Poly1305 under the channel's shared key
 *   4. sealed to the other side's X25519 encryption key
 *   5. signed by my identity key, addressed to the other side's lookup key
 * Unpacking checks every layer in reverse and names the one that failed.
 */
import { createHash } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt } from '../crypto/aead.js';
import { bytesEqual, encodeFields, toHex } from '../crypto/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/curves.js';
import { open, seal } from '../crypto/sealedBox.js';
import {
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetOptions,
  type RatchetState,
} from '../ratchet/doubleRatchet.js';
import { RatchetError } from '../ratchet/errors.js';
import { decodeHeader } from '../ratchet/header.js';
import { pad, unpadOrLegacy } from './padding.js';
import { decodeStrict, encode, meow } from './proto.js';

/** Which layer refused a message. */
export type PackLayer =
  'envelope' | 'destination' | 'signature' | 'sealed' | 'symmetric' | 'ratchet' | 'message';

/**
 * Where a ratchet message sits in its sender's chains, and a short digest of its
 * ciphertext: two different digests for one slot mean a sender reused a message key
 * (its ratchet is stale: restored from an older copy).
 */
export interface RatchetSlot {
  slot: string; // hex ratchet public key / n
  digest: string;
}

/** What the channel's outer layers carried besides a ratchet message (docs/sessions.md). */
export interface ChannelSignal {
  /** The message belongs to another session of the channel (an `epoch` other than expected). */
  epoch: number;
  /** A session reset instead of a ratchet message. */
  reset?: meow.ISessionReset;
}

export class UnpackError extends Error {
  override readonly name = 'UnpackError';
  constructor(
    readonly layer: PackLayer,
    message: string,
    readonly ratchetCode?: RatchetError['code'],
    /** Layer 'ratchet': the slot the message claims, when its header could be read. */
    readonly slot?: RatchetSlot,
    /** Layer 'ratchet': the outer layers verified, but it is not a ratchet message of this session. */
    readonly signal?: ChannelSignal,
  ) {
    super(`${layer}: ${message}`);
  }
}

function slotOf(header: Uint8Array, ciphertext: Uint8Array): RatchetSlot | undefined {
  try {
    const h = decodeHeader(header);
    const digest = createHash('sha256').update(ciphertext).digest('hex').slice(0, 16);
    return { slot: `${toHex(h.dh)}/${h.n}`, digest };
  } catch {
    return undefined;
  }
}

/** The key material of one channel, as both sides hold it. */
export interface ChannelKeys {
  myIdentity: KeyPair; // Ed25519
  myEncryption: KeyPair; // X25519
  myLookup: KeyPair; // Ed25519
  symKey: Uint8Array;
  contactPublicKey: Uint8Array | null; // null until an invitation is answered
  /** The other side's signing keys before its last rotation, still accepted for a while. */
  contactPreviousKeys?: Uint8Array[];
  contactEncryption: Uint8Array;
  contactLookupKey: Uint8Array;
}

const DR_AD = encodeFields('meow/dr/v1');
const SYM_AAD = encodeFields('meow/sym/v1');

export function signedPart(destination: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeFields('meow/msg/v1', destination, payload);
}

export interface Packed {
  packed: meow.PackedUserMessage;
  bytes: Uint8Array;
  ratchet: RatchetState;
}

/** `epoch`: the channel's session (0 until its first reset). */
export function packUserMessage(
  keys: ChannelKeys,
  ratchet: RatchetState,
  message: meow.IUserMessage,
  epoch = 0,
): Packed {
  const plaintext = pad(encode(meow.UserMessage, meow.UserMessage.create(message)));
  const dr = ratchetEncrypt(ratchet, plaintext, DR_AD);
  const ratchetBytes = encode(
    meow.RatchetMessage,
    meow.RatchetMessage.create({ header: dr.header, ciphertext: dr.ciphertext, epoch }),
  );
  return { ...outerLayers(keys, ratchetBytes), ratchet: dr.state };
}

/** A session reset: the channel's outer layers (sealed, symmetric, signed), no ratchet. */
export function packSessionReset(
  keys: ChannelKeys,
  reset: meow.ISessionReset,
): { packed: meow.PackedUserMessage; bytes: Uint8Array } {
  const ratchetBytes = encode(
    meow.RatchetMessage,
    meow.RatchetMessage.create({ reset: meow.SessionReset.create(reset) }),
  );
  return outerLayers(keys, ratchetBytes);
}

function outerLayers(
  keys: ChannelKeys,
  ratchetBytes: Uint8Array,
): { packed: meow.PackedUserMessage; bytes: Uint8Array } {
  const symmetric = aeadEncrypt(keys.symKey, ratchetBytes, SYM_AAD);
  const payload = seal(keys.contactEncryption, symmetric, keys.contactLookupKey);
  const destination = keys.contactLookupKey;
  const packed = meow.PackedUserMessage.create({
    destination,
    payload,
    signature: sign(keys.myIdentity, signedPart(destination, payload)),
  });
  return { packed, bytes: encode(meow.PackedUserMessage, packed) };
}

export interface Unpacked {
  message: meow.UserMessage;
  ratchet: RatchetState;
  /** Signed by one of `contactPreviousKeys`, not the current key. */
  signedByPrevious: boolean;
  slot?: RatchetSlot;
}

/**
 * Opens a message on `keys`' channel. `signerKey` overrides the expected signer:
 * an invitation answer is signed by a key the inviter only learns from inside it,
 * so for those pass `'from-invitation'` and the signature is checked against the
 * card it carries, after decryption but before anything is returned.
 */
export function unpackUserMessage(
  keys: ChannelKeys,
  ratchet: RatchetState,
  packed: meow.IPackedUserMessage,
  opts: RatchetOptions & { signerKey?: 'from-invitation'; epoch?: number } = {},
): Unpacked {
  const destination = packed.destination ?? new Uint8Array(0);
  const payload = packed.payload ?? new Uint8Array(0);
  const signature = packed.signature ?? new Uint8Array(0);
  if (!bytesEqual(destination, keys.myLookup.publicKey)) {
    throw new UnpackError('destination', 'message is addressed to another queue');
  }
  const fromInvitation = opts.signerKey === 'from-invitation';
  let signedByPrevious = false;
  if (!fromInvitation) {
    if (!keys.contactPublicKey)
      throw new UnpackError('signature', 'no contact key known for this channel yet');
    const signed = signedPart(destination, payload);
    if (!verify(keys.contactPublicKey, signed, signature)) {
      signedByPrevious = (keys.contactPreviousKeys ?? []).some((k) => verify(k, signed, signature));
      if (!signedByPrevious) throw new UnpackError('signature', 'signature does not match the contact key');
    }
  }
  let symmetric: Uint8Array;
  try {
    symmetric = open(keys.myEncryption, payload, destination);
  } catch (e) {
    throw new UnpackError('sealed', (e as Error).message);
  }
  let ratchetBytes: Uint8Array;
  try {
    ratchetBytes = aeadDecrypt(keys.symKey, symmetric, SYM_AAD);
  } catch (e) {
    throw new UnpackError('symmetric', (e as Error).message);
  }
  let dr;
  let slot: RatchetSlot | undefined;
  try {
    const rm = decodeStrict(meow.RatchetMessage, 'RatchetMessage', ratchetBytes);
    // Signed by the contact, but a reset or another session's message: the caller decides.
    if (rm.reset && !fromInvitation)
      throw new UnpackError('ratchet', 'a session reset', undefined, undefined, {
        epoch: rm.epoch,
        reset: rm.reset,
      });
    if (rm.epoch !== (opts.epoch ?? 0) && !fromInvitation)
      throw new UnpackError('ratchet', `a message of session ${rm.epoch}`, undefined, undefined, {
        epoch: rm.epoch,
      });
    slot = slotOf(rm.header, rm.ciphertext);
    dr = ratchetDecrypt(ratchet, rm.header, rm.ciphertext, DR_AD, opts);
  } catch (e) {
    if (e instanceof UnpackError) throw e;
    throw new UnpackError(
      'ratchet',
      (e as Error).message,
      e instanceof RatchetError ? e.code : undefined,
      slot,
    );
  }
  let message: meow.UserMessage;
  try {
    message = decodeStrict(meow.UserMessage, 'UserMessage', unpadOrLegacy(dr.plaintext));
  } catch (e) {
    throw new UnpackError('message', (e as Error).message);
  }
  if (fromInvitation) {
    const signer = message.invitation?.contactPublicKey ?? null;
    if (message.type !== 'invitation_answer' || !signer || signer.length !== 32) {
      throw new UnpackError('message', 'expected an invitation answer carrying its sender key');
    }
    if (!verify(signer, signedPart(destination, payload), signature)) {
      throw new UnpackError('signature', 'invitation answer is not signed by the key it carries');
    }
  }
  return { message, ratchet: dr.state, signedByPrevious, slot };
}
