/**
 * The messenger's side of session resets (docs/sessions.md, peers/session.ts): telling a
 * stale ratchet from a duplicate, starting a reset, taking the other side's, and
 * re-sending what the contact never confirmed under the new session. Contacts' channels
 * only; everything here runs under the contact's lock (receive/receive.ts).
 */
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { UnpackError } from '../../../protocol/wire/packing.js';
import type { MessageDb, OutboxItem } from '../storage/messageDb.js';
import type { ContactChannel, Peer } from '../peers/peer.js';
import { acceptReset, decideReset, rememberReset, resetPending, startReset } from '../peers/session.js';
import type { Core } from '../core.js';
import { secureQueues } from '../peers/queueAuth.js';
import {
  acceptResetFor,
  carriesKeys,
  resentRotation,
  rotationPending,
  takeRotatedKeys,
} from '../peers/rekey.js';
import { nextVersion } from '../records.js';
import type { Disposition } from './decision.js';
import { WEEK_MS } from '../durations.js';
import { actionMessage } from '../messenger/actions.js';

/** How far back unconfirmed messages are re-sent under a new session. */
const RESEND_WINDOW_MS = WEEK_MS;

/**
 * What a refused message on a contact's channel says about the session:
 *   reset · the other side's session reset;
 *   older · a message of an earlier session of mine (sent before it learnt of my reset): dropped;
 *   newer · a message of a session I do not have (I was restored from before a reset);
 *   stale · signed by the contact but not decryptable in a way a duplicate or reorder
 *           cannot explain, or a slot already received with another ciphertext: a ratchet is stale;
 *   null  · anything else (a duplicate, a damaged or foreign message): refused as before.
 */
export type SessionSignal = 'reset' | 'older' | 'newer' | 'stale' | null;

export function sessionSignal(db: MessageDb, peer: Peer, e: UnpackError): SessionSignal {
  if (e.layer !== 'ratchet' || peer.type !== 'contact' || peer.state === 'invited') return null;
  if (e.signal?.reset) return 'reset';
  if (e.signal) return e.signal.epoch < peer.session.epoch ? 'older' : 'newer';
  if (e.ratchetCode === 'DECRYPT_FAILED' || e.ratchetCode === 'MALFORMED_HEADER') return 'stale';
  if (e.ratchetCode === 'DUPLICATE' && e.slot) {
    const known = db.channels.slotDigest(peer.uid, e.slot.slot);
    if (known !== undefined && known !== e.slot.digest) return 'stale';
  }
  return null;
}

/** Acts on a signal (under the contact's lock); the relay copy is acknowledged. */
export async function onSessionSignal(
  core: Core,
  peer: ContactChannel,
  serverId: string,
  signal: Exclude<SessionSignal, null>,
  e: UnpackError,
): Promise<Disposition> {
  const log = { peer: peer.uid, epoch: peer.session.epoch, signal };
  if (signal === 'older' || (signal === 'stale' && resetPending(peer))) {
    // Sent before the other side knew of my reset: nothing to do, the new session re-sends it.
    core.log.info('dropped a message of an earlier session', log);
    core.db.received.record(serverId);
    return 'ack';
  }
  if (signal === 'reset') {
    const reset = e.signal!.reset!;
    if (carriesKeys(reset)) return onRotation(core, peer, serverId, reset);
    const decision = decideReset(peer, reset);
    if (decision === 'accept') {
      let next: Peer;
      try {
        next = acceptReset(peer, reset);
      } catch (err) {
        core.log.warn('refused a session reset', { ...log, error: (err as Error).message });
        core.db.received.record(serverId);
        return 'ack';
      }
      // The new session first: a crash before the answer is queued leaves its redelivery to 'answer'.
      await core.peers.put(next);
      answer(core, peer.uid, serverId);
      core.log.warn('took a session reset from the contact', { ...log, to: next.session.epoch });
      established(core, next);
      return 'ack';
    }
    if (decision === 'answer') {
      core.log.warn('the reset of the current session again: answered again', log);
      answer(core, peer.uid, serverId);
      core.kickSend();
      return 'ack';
    }
    if (decision === 'ignore' || decision === 'lose') {
      core.log.warn('refused a replayed or losing session reset', { ...log, theirs: reset.epoch ?? 0 });
      if (decision === 'lose') await core.peers.putRecord(rememberReset(peer, reset));
      core.db.received.record(serverId);
      return 'ack';
    }
    // Its sender does not know my session: a reset of mine, above both.
    await beginReset(core, peer, serverId, Math.max(peer.session.epoch, reset.epoch ?? 0) + 1);
    return 'ack';
  }
  const theirs = e.signal?.epoch ?? peer.session.epoch;
  await beginReset(core, peer, serverId, Math.max(peer.session.epoch, theirs) + 1);
  return 'ack';
}

/**
 * The contact rotated its keys in a reset (peers/rekey.ts): its new keys replace the old ones
 * (whose signatures are refused from now on), and its new session is taken like any reset —
 * or, crossing a reset of mine, settled the same way. My relay is told the new sender key
 * before the answer leaves, so the contact's first message under it is admitted.
 */
async function onRotation(
  core: Core,
  peer: ContactChannel,
  serverId: string,
  reset: meow.ISessionReset,
): Promise<Disposition> {
  const log = { peer: peer.uid, epoch: peer.session.epoch, theirs: reset.epoch ?? 0 };
  const decision = decideReset(peer, reset);
  if (decision === 'answer') {
    answer(core, peer.uid, serverId);
    core.kickSend();
    return 'ack';
  }
  if (decision === 'ignore') {
    core.log.warn('refused a replayed key rotation', log);
    core.db.received.record(serverId);
    return 'ack';
  }
  let next: ContactChannel;
  try {
    next = takeRotatedKeys(peer, reset);
    next = { ...next, version: nextVersion(peer.version, core.identity.uid) }; // siblings show the new safety number
    if (decision === 'accept') next = acceptResetFor(next, reset);
    else if (decision === 'lose') next = rememberReset(next, reset);
  } catch (err) {
    core.log.warn('refused a key rotation', { ...log, error: (err as Error).message });
    core.db.received.record(serverId);
    return 'ack';
  }
  await core.peers.put(next);
  core.db.outbox.enqueue(core.fanOut({ type: 'peer_update', peer: next }));
  for (const server of next.myPullServers) await secureQueues(core.relayFor(server), [next], core.log);
  core.log.info('the contact rotated its keys', { ...log, decision });
  if (decision === 'accept') answer(core, peer.uid, serverId);
  else if (decision === 'lose') {
    core.db.atomically(() => {
      core.db.received.record(serverId);
      // Mine won the tie but went to its old queue: again, to the new one (peers/rekey.ts).
      if (rotationPending(peer) && peer.contactEncryption) {
        for (const r of core.db.outbox.forPeer('peer', peer.uid))
          if (r.kind === 'rotate') core.db.outbox.drop(r.id);
        dropResets(core.db, peer.uid);
        core.db.outbox.enqueue([
          {
            channel: 'peer',
            peerUid: peer.uid,
            plain: encode(meow.SessionReset, resentRotation(next, peer.contactEncryption)),
            kind: 'reset',
          },
        ]);
      }
    });
  } else await beginReset(core, next, serverId, Math.max(next.session.epoch, reset.epoch ?? 0) + 1);
  core.emit('contact', peer.uid);
  core.kickPoll();
  core.kickSend();
  return 'ack';
}

/**
 * The answer to a reset I took, on its new session (the ratchet's sender side sends first),
 * and what the contact never confirmed, again. Idempotent: the answer is an ordinary message.
 */
function answer(core: Core, peerUid: string, serverId: string): void {
  const ack: OutboxItem = {
    channel: 'peer',
    peerUid,
    plain: encode(meow.UserMessage, { type: 'session_ack' }),
  };
  core.db.atomically(() => {
    core.db.received.record(serverId);
    dropResets(core.db, peerUid);
    core.db.outbox.unpack('peer', peerUid);
    core.db.outbox.enqueue([ack, ...unconfirmed(core.db, peerUid)]);
    core.db.outbox.retryNowFor('peer', peerUid);
  });
}

/**
 * My reset at `epoch`: sends to the contact are held until its answer arrives. The reset is
 * queued before the new session is stored: after a crash in between, the other side takes a
 * reset whose session I do not have, and its answer (a newer epoch) makes me reset again.
 */
async function beginReset(core: Core, peer: ContactChannel, serverId: string, epoch: number): Promise<void> {
  const { peer: next, reset } = startReset(peer, epoch);
  core.db.atomically(() => {
    core.db.received.record(serverId);
    dropResets(core.db, peer.uid);
    core.db.outbox.unpack('peer', peer.uid);
    core.db.outbox.enqueue([
      { channel: 'peer', peerUid: peer.uid, plain: encode(meow.SessionReset, reset), kind: 'reset' },
      ...unconfirmed(core.db, peer.uid),
    ]);
  });
  await core.peers.put(next);
  core.log.warn('the ratchet with a contact is out of step: reset the session', {
    peer: peer.uid,
    epoch: peer.session.epoch,
    to: epoch,
  });
  core.kickSend();
}

/** Tells the person, once per new session (not when the session came with a rotation of my keys). */
export function established(core: Core, peer: Peer, rotation = false): void {
  if (!rotation) core.emit('notice', { code: 'SESSION_RESET', params: { contact: peer.name } });
  core.emit('contact', peer.uid);
  core.kickSend();
}

/** A reset not yet taken by the relay is superseded by the newer one. */
function dropResets(db: MessageDb, peerUid: string): void {
  for (const r of db.outbox.forPeer('peer', peerUid)) if (r.kind === 'reset') db.outbox.drop(r.id);
}

/**
 * My messages the relay took but the contact never confirmed (it may have refused them as
 * stale, or they were sealed to the old session): sent again, under the new session. The
 * contact shows each once (by its uuid). Those already queued are left to their row.
 */
function unconfirmed(db: MessageDb, peerUid: string): OutboxItem[] {
  const queued = new Set(db.outbox.forPeer('peer', peerUid).map((r) => r.messageUuid));
  const since = Date.now() - RESEND_WINDOW_MS;
  // My reactions, edits and deletions carry no receipt: the window's are sent again (the
  // contact stores each action once, by its id).
  const actions = db.actions
    .since(since)
    .filter((a) => a.peerUid === peerUid && a.mine && a.kind !== 'hide')
    .map((a) => ({ channel: 'peer' as const, peerUid, plain: actionMessage(a) }));
  return [...texts(db, peerUid, since, queued), ...actions];
}

function texts(db: MessageDb, peerUid: string, since: number, queued: Set<string | null>): OutboxItem[] {
  return db.messages
    .unconfirmedOutbound(peerUid, since)
    .filter((m) => m.type === 'text' && !queued.has(m.uuid))
    .map((m) => ({
      channel: 'peer' as const,
      peerUid,
      messageUuid: m.uuid,
      plain: encode(meow.UserMessage, {
        type: m.type,
        text: m.text,
        data: m.data,
        files: m.files,
        status: { uuid: m.uuid, sent: m.sentAt, answerToUuid: m.answerTo, expireAfter: m.expireAfter },
      }),
    }));
}
