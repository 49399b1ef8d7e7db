/**
 * The one decision for a received relay message, whatever path commits it:
 *   1. a redelivery is dropped by its server id, before any ratchet work;
 *   2. the channel is found by the destination lookup key and the message unpacked (every
 *      layer checked) with the channel's ratchet as it stands — in the store, or in the run
 *      that already moved it;
 *   3. only the message types that channel may carry are accepted;
 *   4. what it changes is said (decision.ts), and nothing is written here.
 * My devices' channels are decided by the device layer (DeviceDecider) after step 2.
 */
import { canSend, type RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { unpackUserMessage, UnpackError } from '../../../protocol/wire/packing.js';
import { meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MAX_NAME_CHARS, MAX_STATUS_CHARS, MAX_TEXT_BYTES } from '../messenger/limits.js';
import { finalizeInvitation } from '../peers/invitation.js';
import { holdsInvitationSecrets, type ContactChannel, type Peer } from '../peers/peer.js';
import { rotationPending } from '../peers/rekey.js';
import { afterVerified, applyKeyUpdate, keysForQueue } from '../peers/rotation.js';
import { nextVersion } from '../records.js';
import { contactEffects, STORED_TYPES } from './contactEffects.js';
import type { ChannelStep, Decision, DeviceDecider } from './decision.js';
import { sessionSignal } from './sessionReset.js';
import { established } from './sessionReset.js';
import { deleteShortLink } from './shortLinks.js';
import { DAY_MS } from '../durations.js';
import { receivedAvatar } from '../messenger/avatar.js';

/** Types a contact channel may carry; anything else is refused and logged. */
const CONTACT_TYPES = new Set([
  'text',
  'ack',
  'profile',
  'invitation_answer',
  'key_update',
  'session_ack',
  'action',
  'typing',
  'group',
]);

/** An answer may arrive late (the other side accepted just before expiry); accept it within this grace. */
const ANSWER_GRACE_MS = DAY_MS;

/** The channel a relay message is for: a contact's, or one of my devices'. */
export function channelOf(core: Core, dm: meow.IDeliveredMessage): Peer | undefined {
  const destination = dm.message?.destination ?? new Uint8Array(0);
  return core.peers.byMyLookupKey(destination) ?? core.devices.byMyLookupKey(destination);
}

/**
 * Decides `dm`. `current` is its channel as a run left it (record and ratchet); otherwise the
 * channel is read from the store — the caller holds its lock either way.
 */
export function decide(
  core: Core,
  dm: meow.IDeliveredMessage,
  devices: DeviceDecider | null,
  current?: { peer: Peer; ratchet: RatchetState },
): Decision {
  const serverId = dm.id;
  const packed = dm.message;
  if (!packed || !serverId) return { kind: 'skip', disposition: 'ack' };
  if (core.db.received.has(serverId)) return { kind: 'skip', disposition: 'ack' };
  const destination = packed.destination ?? new Uint8Array(0);
  const known = channelOf(core, dm);
  if (!known) return drop(serverId, 'message for a queue this profile no longer has: dropped', {});
  const isDevice = known.type === 'device';
  if (isDevice && known.unlinked)
    return drop(serverId, 'refused a message from an unlinked device', {
      device: known.uid,
      name: known.name,
    });
  let peer = current?.peer ?? known;
  // A contact whose primary role just moved to another of my devices: that device pulls it now.
  if (peer.type === 'contact' && peer.primary) return { kind: 'skip', disposition: 'elsewhere' };
  const invited = peer.state === 'invited';
  let message: meow.UserMessage;
  let step: ChannelStep;
  let unblocked = false;
  try {
    const keys = keysForQueue(peer, destination);
    if (!keys) throw new UnpackError('destination', 'not one of this channel’s queues');
    const before = current?.ratchet ?? decodeRatchetState(peer.drState ?? new Uint8Array(0));
    const u = unpackUserMessage(
      keys,
      before,
      packed,
      invited ? { signerKey: 'from-invitation' } : { epoch: peer.session.epoch },
    );
    message = u.message;
    step = { peer, ratchet: u.ratchet, activeAt: Date.now() };
    // The first message from the other side lets this side's ratchet send: what waited for it goes now.
    unblocked = !canSend(before) && canSend(u.ratchet);
    if (!isDevice && !invited && u.slot) step.slot = u.slot;
    // Whatever this message commits carries what it proves about rotations.
    if (!invited) peer = afterVerified(peer, destination, u.signedByPrevious);
  } catch (e) {
    // A message overtook the invitation answer: leave it queued for after the answer.
    if (invited && e instanceof UnpackError && e.layer === 'message')
      return { kind: 'skip', disposition: 'keep' };
    // Out of step with the other side (a profile restored from an older copy): sessionReset.ts.
    const signal =
      peer.type === 'contact' && e instanceof UnpackError ? sessionSignal(core.db, peer, e) : null;
    if (signal && peer.type === 'contact')
      return { kind: 'signal', serverId, peer, signal, error: e as UnpackError };
    return drop(serverId, 'refused a message', {
      peer: peer.uid,
      kind: peer.type,
      layer: e instanceof UnpackError ? e.layer : 'unknown',
      error: (e as Error).message,
    });
  }
  // The first message on a channel: the invitation's ratchet secrets have served (commit.ts wipes them).
  const wipe = holdsInvitationSecrets(peer);
  const record = peer;

  if (message.type === 'key_update' && !invited) return keyUpdate(core, serverId, step, record, message);
  if (record.type === 'device') {
    if (!devices) return drop(serverId, 'device message without device sync support: dropped', {}, step);
    const d = devices.decide(record, message, serverId, step);
    const recordChanged = wipe || record !== step.peer;
    return recordChanged && d.kind === 'apply' && !d.record && !d.prepare ? { ...d, record } : d;
  }
  if (!CONTACT_TYPES.has(message.type)) {
    // device_sync / forward on a contact's channel: never (a contact must not reach my devices' logic).
    return drop(
      serverId,
      'refused a message of a type contacts may not send',
      {
        peer: peer.uid,
        type: message.type,
      },
      step,
    );
  }

  let next: ContactChannel = { ...record };
  // The first message of the session my reset started: it is up, what it held may go.
  const answered = !invited && record.session.mine !== null;
  if (answered) next = { ...next, session: { ...next.session, mine: null } };
  if (invited) {
    if (message.type !== 'invitation_answer' || !message.invitation)
      return { kind: 'skip', disposition: 'keep' };
    if (Date.now() > peer.invitationExpiresAt + ANSWER_GRACE_MS)
      return drop(serverId, 'refused an answer to an expired invitation', { peer: peer.uid });
    try {
      next = finalizeInvitation(next, meow.ContactCard.create(message.invitation));
    } catch (e) {
      return drop(serverId, 'refused an invitation answer', { peer: peer.uid, error: (e as Error).message });
    }
  } else if (peer.state === 'answered') {
    next.state = 'active'; // the inviter has talked back: the invitation is complete on both sides
  }
  if (message.type === 'profile') {
    next.contactName = message.nickname.slice(0, MAX_NAME_CHARS);
    next.status = message.profileStatus.slice(0, MAX_STATUS_CHARS);
    next.avatar = receivedAvatar(message.avatar);
  }
  if (STORED_TYPES.has(message.type) && Buffer.byteLength(message.text) > MAX_TEXT_BYTES) {
    return drop(
      serverId,
      'refused a message longer than this client accepts',
      {
        peer: peer.uid,
        bytes: Buffer.byteLength(message.text),
      },
      { ...step, peer: next },
    );
  }
  // Synced fields changed: a new version, so my other devices take the change.
  const synced = invited || next.state !== peer.state || message.type === 'profile';
  if (synced) next.version = nextVersion(peer.version, core.identity.uid);
  const changed = synced || answered || wipe || record !== step.peer;
  const afterRecord = changed ? next : record;
  return {
    kind: 'apply',
    serverId,
    step,
    // An answer or a profile lives in the record: it is saved first (see commit.ts).
    ...(changed ? { record: next, recordFirst: synced } : {}),
    effects: (sink) => {
      if (answered || unblocked) core.db.outbox.retryNowFor('peer', peer.uid);
      contactEffects(core, record, afterRecord, message, sink);
      if (synced) sink.changed.push('contact');
    },
    after: () => {
      if (answered) established(core, next, rotationPending(record));
      if (invited && record.shortLinkId) void deleteShortLink(core, record);
    },
  };
}

/** The other side rotated its keys, through this channel's ratchet (peers/rotation.ts). */
function keyUpdate(
  core: Core,
  serverId: string,
  step: ChannelStep,
  record: Peer,
  message: meow.UserMessage,
): Decision {
  const isDevice = record.type === 'device';
  let rotated: Peer;
  try {
    rotated = applyKeyUpdate({ ...record }, message.invitation ?? {});
  } catch (e) {
    return drop(serverId, 'refused a key update', { peer: record.uid, error: (e as Error).message }, step);
  }
  if (!isDevice) rotated.version = nextVersion(record.version, core.identity.uid); // siblings show the new safety number
  return {
    kind: 'apply',
    serverId,
    step,
    record: rotated,
    recordFirst: true,
    effects: (sink) => {
      if (rotated.type === 'contact')
        sink.outbox.push(...core.fanOut({ type: 'peer_update', peer: rotated }));
      sink.changed.push(isDevice ? 'device' : 'contact');
    },
    after: () => core.kickPoll(),
  };
}

function drop(serverId: string, msg: string, data: Record<string, unknown>, step?: ChannelStep): Decision {
  return { kind: 'drop', serverId, ...(step ? { step } : {}), why: { msg, data } };
}
