/**
 * Session resets (docs/sessions.md): when a channel's two ratchets fell out of step — one
 * side's profile was restored from an older copy — the side that notices starts a new
 * session instead of letting message keys be reused.
 *
 * A reset carries a fresh X25519 ephemeral key and an epoch above the channel's current
 * one. Both sides derive the new root from DH(ephemeral, receiver's channel encryption
 * key) and DH(sender's, receiver's channel encryption keys), through HKDF keyed by the
 * channel's symmetric key and labelled with the epoch and ephemeral key. The sender
 * keeps the ephemeral pair as its ratchet key (the card owner's role: it receives first);
 * the receiver starts as the sender of the new ratchet and answers at once.
 */
import { encodeFields, fromHex, toHex } from '../../../protocol/crypto/bytes.js';
import { x25519, x25519KeyPair, type KeyPair } from '../../../protocol/crypto/curves.js';
import { hkdf } from '../../../protocol/crypto/kdf.js';
import {
  canSend,
  initReceiver,
  initSender,
  type RatchetState,
} from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { ContactChannel } from './peer.js';

/** How many recent reset keys a channel remembers to refuse a replay. */
const REMEMBERED_RESETS = 16;
const RESET_INFO = 'meow/session-reset/v1';

function resetRoot(
  dhEphemeral: Uint8Array,
  dhStatic: Uint8Array,
  symKey: Uint8Array,
  epoch: number,
  eph: Uint8Array,
) {
  return hkdf(encodeFields(dhEphemeral, dhStatic), symKey, `${RESET_INFO}/${epoch}/${toHex(eph)}`, 32);
}

function remember(peer: ContactChannel, ephHex: string): string[] {
  return [...peer.session.resets.filter((k) => k !== ephHex), ephHex].slice(-REMEMBERED_RESETS);
}

/** The record remembering a reset it refused (a losing one is then refused again if replayed). */
export function rememberReset(peer: ContactChannel, reset: meow.ISessionReset): ContactChannel {
  const eph = reset.ephemeralKey;
  if (!(eph instanceof Uint8Array) || eph.length !== 32) return peer;
  const resets = [...peer.session.resets.filter((k) => k !== toHex(eph)), toHex(eph)];
  // The current session's own key stays last (see decideReset's 'answer').
  const current = peer.session.resets.at(-1);
  const ordered = current ? [...resets.filter((k) => k !== current), current] : resets;
  return { ...peer, session: { ...peer.session, resets: ordered.slice(-REMEMBERED_RESETS) } };
}

/** Whether I wait for the answer to a reset of mine (sends to this contact are held meanwhile). */
export function resetPending(peer: ContactChannel): boolean {
  return peer.session.mine !== null && !canSend(decodeRatchetState(peer.drState ?? new Uint8Array(0)));
}

/** A new session started by me at `epoch` (default: above the current one): the record to store and the reset to send. */
export function startReset(
  peer: ContactChannel,
  epoch = peer.session.epoch + 1,
  ephemeral: KeyPair = x25519KeyPair(),
): { peer: ContactChannel; reset: meow.ISessionReset } {
  if (!peer.contactEncryption) throw new Error(`peer ${peer.uid} has no contact keys yet`);
  const root = resetRoot(
    x25519(ephemeral, peer.contactEncryption),
    x25519(peer.myEncryption, peer.contactEncryption),
    peer.symKey,
    epoch,
    ephemeral.publicKey,
  );
  const ephHex = toHex(ephemeral.publicKey);
  const ratchet: RatchetState = initReceiver(root, ephemeral);
  return {
    peer: {
      ...peer,
      drState: encodeRatchetState(ratchet),
      session: { epoch, resets: remember(peer, ephHex), mine: ephHex },
    },
    // The key it is rooted on: the other side may have rotated its keys meanwhile.
    reset: { epoch, ephemeralKey: ephemeral.publicKey, receiverKey: peer.contactEncryption },
  };
}

export type ResetDecision =
  /** Take it: the session it starts replaces mine. */
  | 'accept'
  /**
   * The reset my current session came from, again (a replay, or a redelivery after a crash
   * before its answer was queued): answer again on the current session, change nothing else.
   */
  | 'answer'
  /** Seen before (a replay): ignore it. */
  | 'ignore'
  /** It lost a tie to my own reset of the same epoch: ignore it, and remember it. */
  | 'lose'
  /** An epoch not above mine from a sender that does not know my session: answer with a reset of mine. */
  | 'counter';

/**
 * What to do with the other side's reset. Collisions (both sides reset at once, same epoch)
 * resolve to the reset with the lower ephemeral key, on both sides.
 */
export function decideReset(peer: ContactChannel, reset: meow.ISessionReset): ResetDecision {
  const eph = reset.ephemeralKey;
  if (!(eph instanceof Uint8Array) || eph.length !== 32) return 'ignore';
  const ephHex = toHex(eph);
  const epoch = reset.epoch ?? 0;
  if (peer.session.resets.includes(ephHex)) {
    const mine = peer.session.resets.at(-1) === ephHex && peer.session.mine === null;
    return mine && epoch === peer.session.epoch ? 'answer' : 'ignore';
  }
  if (epoch > peer.session.epoch) return 'accept';
  if (epoch === peer.session.epoch && resetPending(peer))
    return ephHex < (peer.session.mine ?? '') ? 'accept' : 'lose';
  return 'counter';
}

/** The session the other side's reset starts: I send first (the answer), on the new ratchet. */
export function acceptReset(
  peer: ContactChannel,
  reset: meow.ISessionReset,
  /** My encryption key the sender derived with (a rotation may name one I hold besides the current). */
  mine: KeyPair = peer.myEncryption,
): ContactChannel {
  if (!peer.contactEncryption) throw new Error(`peer ${peer.uid} has no contact keys yet`);
  const eph = reset.ephemeralKey!;
  const epoch = reset.epoch ?? 0;
  const root = resetRoot(x25519(mine, eph), x25519(mine, peer.contactEncryption), peer.symKey, epoch, eph);
  const ephHex = toHex(eph);
  return {
    ...peer,
    drState: encodeRatchetState(initSender(root, fromHex(ephHex))),
    session: { epoch, resets: remember(peer, ephHex), mine: null },
  };
}
