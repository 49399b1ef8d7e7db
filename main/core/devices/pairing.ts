/**
 * Pairing a new machine: the NEW device shows a link/QR (InitDevicePairing);
 * the device that holds the identity answers it (AnswerDevicePairing); the new one
 * finalizes (FinalizeDevicePairing). Both show the same safety code; nothing private
 * leaves the existing device until the person confirms there. Then the initial sync:
 * contacts, profile, servers, history (recent first), and introductions to every
 * other device of mine.
 */
import { randomUUID } from 'node:crypto';
import { encode, meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { toWire } from '../messenger/actions.js';
import { relayServiceError } from '../relay.js';
import {
  answerInvitation,
  createInvitation,
  finalizeInvitation,
  sealCardBlob,
  shortLink,
} from '../peers/invitation.js';
import { serverFingerprint, shortLinkOwner } from '../peers/linkKeys.js';
import type { PairingState, DeviceChannel } from '../peers/peer.js';
import { fromBase64, randomBytes, toBase64 } from '../../../protocol/crypto/bytes.js';
import type { OutboxItem } from '../storage/messageDb.js';
import { toDbMessage } from '../messenger/dbMessage.js';
import { allGroupViews } from '../groups/siblings.js';
import { canReceive, myAnnouncement, withCardAnnouncement } from './capabilities.js';
import type { DeviceContext } from './context.js';
import { unlinkedChannel } from './secrets.js';
import { tombstone } from './unlink.js';
import { introduce } from './introduction.js';
import { encodePeerData, encodeProfile, encodeServers } from './payloads.js';
import { opensCommitment, pairingCode, pairingCommitment, type PairingKeys } from './safetyCode.js';
import { deviceLock } from '../locks.js';
import { MINUTE_MS, DAY_MS } from '../durations.js';
import { retryWhileRateLimited } from '../retry.js';

/** History batches stay well under the relay's default 64 KiB message bound once packed. */
const HISTORY_BATCH_BYTES = 40 * 1024;

export class Pairing {
  constructor(private readonly ctx: DeviceContext) {}

  private get m() {
    return this.ctx.core;
  }

  /** InitDevicePairing, on the new machine: a device peer waiting for an answer, and its link. */
  async init(): Promise<{ link: string; device: DeviceChannel }> {
    const m = this.m;
    if (m.identity.unlinked) throw new MeowError('DEVICE_UNLINKED', m.identity.unlinked);
    const { peer, card } = createInvitation(m.identity, {
      name: '',
      type: 'device',
      myName: m.identity.deviceName,
      announce: myAnnouncement(),
    });
    // The link commits to a nonce revealed only after the answer (docs/pairing.md).
    const nonce = randomBytes(32);
    card.pairingCommitment = pairingCommitment(nonce, keysOfCard(card), card.invitationId);
    const server = m.identity.servers[0]!;
    const { blob, key } = sealCardBlob(card);
    try {
      peer.shortLinkId = await retryWhileRateLimited(() =>
        m.relayFor(server).putInvitation(blob, card.expiresAt, shortLinkOwner(peer)),
      );
    } catch (e) {
      throw relayServiceError(e, server.url);
    }
    const link = shortLink('pair', server.url, peer.shortLinkId, key, serverFingerprint(server));
    peer.pairing = {
      ...freshPairing('new'),
      phase: 'waiting',
      link,
      nonce: toBase64(nonce),
      commitment: toBase64(card.pairingCommitment),
    };
    await m.devices.put(peer);
    m.kickPoll();
    return { link, device: peer };
  }

  /**
   * AnswerDevicePairing, on the machine that holds the identity. The code is known once the
   * new device reveals its nonce (phase "waiting" until then). The new device keeps the name
   * it chose; `historyDays` is remembered for the confirmation.
   */
  async accept(link: string, opts: { historyDays?: number } = {}): Promise<{ device: DeviceChannel }> {
    const m = this.m;
    if (m.identity.pairingPending) throw new MeowError('PAIRING_ON_NEW_DEVICE', {});
    if (m.identity.unlinked) throw new MeowError('DEVICE_UNLINKED', m.identity.unlinked);
    // Accepted here before (its short link may be gone from the server by now): go on with it.
    const accepted = m.devices.all().find((d) => d.pairing?.role === 'existing' && d.pairing.link === link);
    if (accepted) return this.resume(accepted, opts);
    const card = await this.ctx.ports.contacts.readLink(link, 'pair');
    if (card.deviceId === m.identity.uid) throw new MeowError('OWN_LINK', { kind: 'pair' });
    const earlier = m.devices.all().find((d) => d.invitationId === card.invitationId);
    if (earlier) return this.resume(earlier, opts);
    if (card.pairingCommitment?.length !== 32)
      throw new MeowError('BAD_LINK', { kind: 'pair', reason: 'it was made by an older version of Meow' });
    const known = this.ctx.deviceById(card.deviceId);
    if (known) throw new MeowError('ALREADY_PAIRED', { device: known.name });
    const answered = answerInvitation(m.identity, card, {
      name: card.name || 'new device',
      type: 'device',
      myName: m.identity.deviceName,
      announce: myAnnouncement(),
    });
    const peer = withCardAnnouncement(answered.peer, card);
    const answer = answered.answer;
    const nonce = randomBytes(32);
    answer.pairingNonce = nonce;
    peer.pairing = {
      ...freshPairing('existing'),
      phase: 'waiting', // for the new device's nonce
      link, // the link accepted: accepting it again here resumes this pairing
      historyDays: opts.historyDays ?? null,
      nonce: toBase64(nonce),
      commitment: toBase64(card.pairingCommitment),
    };
    // Before both people confirm, only this: public keys, the nonce, this device's name and relays.
    const plain = encode(meow.UserMessage, {
      type: 'invitation_answer',
      invitation: answer,
      status: { uuid: randomUUID(), sent: Date.now() },
    });
    await m.locks.run(deviceLock(peer.uid), async () => {
      m.db.outbox.enqueue([{ channel: 'device', peerUid: peer.uid, plain }]);
      await m.devices.put(peer);
    });
    this.ctx.emitPairing(peer);
    m.kickPoll();
    m.kickSend();
    return { device: peer };
  }

  /**
   * The same link accepted again on this device, by a command killed or timed out while it
   * waited for the new device: that pairing goes on (its answer is queued already). A link
   * is still used once: by no other device, and not again here once its pairing ended.
   */
  private async resume(
    earlier: DeviceChannel,
    opts: { historyDays?: number },
  ): Promise<{ device: DeviceChannel }> {
    const p = earlier.pairing;
    if (earlier.unlinked || p?.role !== 'existing' || (p.phase !== 'waiting' && p.phase !== 'code'))
      throw new MeowError('LINK_USED', { kind: 'pair' });
    if (opts.historyDays !== undefined && opts.historyDays !== p.historyDays) {
      earlier.pairing = { ...p, historyDays: opts.historyDays };
      await this.m.locks.run(deviceLock(earlier.uid), () => this.m.devices.put(earlier));
    }
    this.ctx.emitPairing(earlier);
    this.m.kickPoll();
    this.m.kickSend();
    return { device: earlier };
  }

  /** FinalizeDevicePairing, on the new machine, when the answer arrives: reveal the nonce, show the code. */
  async onAnswer(device: DeviceChannel, message: meow.UserMessage): Promise<DeviceChannel> {
    if (message.type !== 'invitation_answer' || !message.invitation)
      throw new MeowError('REFUSED', { detail: 'expected a pairing answer' });
    if (Date.now() > device.invitationExpiresAt + MINUTE_MS)
      throw new MeowError('REFUSED', { detail: 'pairing answer after the link expired' });
    const card = meow.ContactCard.create(message.invitation);
    const p = device.pairing;
    if (!p?.nonce || !p.commitment || card.pairingNonce?.length !== 32)
      throw new MeowError('REFUSED', { detail: 'pairing answer without a nonce' });
    const done = withCardAnnouncement(finalizeInvitation(device, card), card);
    const code = pairingCode({
      commitment: fromBase64(p.commitment),
      newDevice: { identity: device.myIdentity.publicKey, encryption: device.myEncryption.publicKey },
      existingDevice: keysOfCard(card),
      invitationId: device.invitationId,
      newNonce: fromBase64(p.nonce),
      existingNonce: new Uint8Array(card.pairingNonce),
    });
    const next: DeviceChannel = {
      ...done,
      name: card.name || 'my other device',
      pairing: { ...p, phase: 'code', code, link: '' }, // answered: the link is spent
    };
    // The reveal is the new device's first message on the channel (after the answer's ratchet step).
    this.m.db.outbox.enqueue([this.ctx.send(next, 'pair_reveal', { pairingNonce: fromBase64(p.nonce) })]);
    this.m.kickSend();
    if (device.shortLinkId) {
      const server = device.myPullServers[0];
      if (server) {
        this.m
          .relayFor(server)
          .deleteInvitation(device.shortLinkId, shortLinkOwner(device))
          .catch((e: unknown) =>
            this.m.log.info('could not delete a used pairing link', { error: String(e) }),
          );
      }
    }
    return next;
  }

  /**
   * On the existing device: the new device revealed its nonce. It must open the link's
   * commitment; then both sides know the code. A nonce that does not open it means the
   * link and the answer were not made by the same device: the pairing is refused.
   */
  async onReveal(device: DeviceChannel, nonce: Uint8Array): Promise<DeviceChannel> {
    const p = device.pairing;
    if (p?.role !== 'existing' || p.phase !== 'waiting' || !p.commitment || !p.nonce)
      throw new MeowError('REFUSED', { detail: 'unexpected pairing reveal' });
    const newDevice = { identity: device.contactPublicKey!, encryption: device.contactEncryption! };
    const commitment = fromBase64(p.commitment);
    if (!opensCommitment(commitment, nonce, newDevice, device.invitationId)) {
      this.m.log.warn("refused a pairing: the revealed nonce does not open the link's commitment", {
        device: device.uid,
      });
      this.m.emit('notice', { code: 'PAIRING_TAMPERED', params: { device: device.name } });
      return { ...unlinkedChannel(device), pairing: { ...p, phase: 'refused' } };
    }
    const code = pairingCode({
      commitment,
      newDevice,
      existingDevice: { identity: device.myIdentity.publicKey, encryption: device.myEncryption.publicKey },
      invitationId: device.invitationId,
      newNonce: nonce,
      existingNonce: fromBase64(p.nonce),
    });
    return { ...device, pairing: { ...p, phase: 'code', code } };
  }

  /** On the existing device: the new device's person confirmed the codes. */
  async onOtherConfirmed(device: DeviceChannel): Promise<DeviceChannel> {
    const p = device.pairing;
    if (p?.role !== 'existing' || p.phase !== 'code')
      throw new MeowError('REFUSED', { detail: 'unexpected pairing confirmation' });
    const next = { ...device, pairing: { ...p, otherConfirmed: true } };
    return p.localConfirmed ? this.startSync(next, p.historyDays ?? undefined) : next;
  }

  private findPending(ref?: string): DeviceChannel {
    const pending = this.m.devices
      .all()
      .filter(
        (d) =>
          d.pairing?.role === 'existing' &&
          d.pairing.phase === 'code' &&
          !d.pairing.localConfirmed &&
          !d.unlinked,
      );
    const d = ref
      ? pending.find((x) => x.uid === ref || x.name === ref)
      : pending.sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!d) throw new MeowError('PAIRING_NOT_PENDING', {});
    return d;
  }

  /**
   * The person confirmed here that the codes match. Everything is sent to the new device
   * only once its person has confirmed too (either order).
   */
  async confirm(ref?: string, opts: { historyDays?: number } = {}): Promise<DeviceChannel> {
    const found = this.findPending(ref);
    let next: DeviceChannel | undefined;
    await this.m.locks.run(deviceLock(found.uid), async () => {
      const d = this.m.devices.get(found.uid) ?? found;
      const p = d.pairing!;
      const historyDays = opts.historyDays ?? p.historyDays ?? undefined;
      const confirmed: DeviceChannel = {
        ...d,
        pairing: { ...p, localConfirmed: true, historyDays: historyDays ?? null },
      };
      next = p.otherConfirmed ? await this.startSync(confirmed, historyDays) : confirmed;
      await this.m.devices.put(next);
    });
    this.ctx.emitPairing(next!);
    this.m.kickSend();
    return next!;
  }

  /** Both people confirmed: queue the new device's initial sync (called under the device's lock). */
  private async startSync(device: DeviceChannel, historyDays?: number): Promise<DeviceChannel> {
    const m = this.m;
    const me = m.identity;
    const items: OutboxItem[] = [];
    const send = (type: Parameters<DeviceContext['send']>[1], payload: meow.IDeviceSyncPayload = {}) =>
      items.push(this.ctx.send(device, type, payload));

    const contacts = m.peers.all().filter((p) => p.type === 'contact' && p.state !== 'invited');
    const days = historyDays ?? me.historyDays;
    const since = days > 0 ? Date.now() - days * DAY_MS : Number.MAX_SAFE_INTEGER;
    const historyCount = days > 0 ? m.db.messages.countSince(since) : 0;
    const total = contacts.length + 2 + historyCount;
    send('pair_confirm', { progressTotal: total });

    // Every other device of mine makes a channel with the newcomer (devices/introduction.ts).
    items.push(...introduce(this.ctx, device));
    let done = 0;
    for (const c of contacts) {
      send('peer_update', {
        peerUid: c.uid,
        peerData: encodePeerData(c, this.ctx.primaryIdOf(c)),
        progressDone: ++done,
        progressTotal: total,
      });
    }
    send('identity_update', {
      identityData: encodeProfile({
        nickname: me.nickname,
        avatar: me.avatar,
        status: me.status,
        version: me.profileVersion,
      }),
      progressDone: ++done,
      progressTotal: total,
    });
    send('server_add', {
      serverData: encodeServers(me.servers, me.serversVersion),
      progressDone: ++done,
      progressTotal: total,
    });
    // My groups (groups/siblings.ts) before the history, which holds their messages.
    if (canReceive(device, 'group_update'))
      for (const groupData of allGroupViews(m)) send('group_update', { groupData });
    // History, most recent first, in batches that stay well under the relay's message size.
    let cursor = Number.MAX_SAFE_INTEGER;
    let batch: meow.IHistoryItem[] = [];
    let bytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      done += batch.length;
      send('history', { history: batch, progressDone: done, progressTotal: total });
      batch = [];
      bytes = 0;
    };
    if (days > 0) {
      for (;;) {
        const page = m.db.messages.since(since, cursor, 200);
        if (page.length === 0) break;
        for (const msg of page) {
          const item = { peerUid: msg.peerUid, dbMessage: toDbMessage(msg) };
          const size = encode(meow.HistoryItem, item).length;
          if (bytes + size > HISTORY_BATCH_BYTES) flush();
          batch.push(item);
          bytes += size;
        }
        cursor = page[page.length - 1]!.id;
      }
      flush();
      // Reactions, edits and deletions of that history (a device that cannot take them gets none).
      if (canReceive(device, 'action'))
        for (const a of m.db.actions.since(since))
          send('action', { peerUid: a.peerUid, action: toWire(a), dedupId: a.id });
    }
    send('pair_done', { progressTotal: total });

    // The rows first: a crash before the record is saved leaves a confirmation to redo, not a lost sync.
    m.db.outbox.enqueue(items);
    return { ...device, pairing: { ...device.pairing!, confirmed: true, phase: 'syncing', total, done: 0 } };
  }

  /** On the new device: the person saw the same code on both screens; the other device is told. */
  async confirmOnNewDevice(uid: string): Promise<DeviceChannel> {
    const next = await this.m.updatePeer('device', uid, (d) =>
      d.pairing?.role === 'new' && d.pairing.phase === 'code' && !d.pairing.localConfirmed
        ? { ...d, pairing: { ...d.pairing, localConfirmed: true } }
        : null,
    );
    if (
      !next?.pairing ||
      next.pairing.role !== 'new' ||
      next.pairing.phase !== 'code' ||
      !next.pairing.localConfirmed
    )
      throw new MeowError('PAIRING_NOT_PENDING', {});
    this.m.db.outbox.enqueue([this.ctx.send(next, 'pair_ok')]);
    this.ctx.emitPairing(next);
    this.m.kickSend();
    return next;
  }

  /** On the new device: the codes differ; the other device is told, and this one accepts nothing from it. */
  async refuseOnNewDevice(uid: string): Promise<void> {
    const d = this.m.devices.get(uid);
    if (d?.contactLookupKey && d.drState) {
      this.m.db.outbox.enqueue([this.ctx.send(d, 'pair_refused')]);
      await this.ctx.ports.send.flush().catch(() => undefined); // packed while its keys exist
    }
    await this.m.updatePeer('device', uid, (x) =>
      x.pairing ? { ...x, pairing: { ...x.pairing, phase: 'refused' } } : null,
    );
    await tombstone(this.ctx, uid);
  }

  /** The codes differ (or the person changed their mind): tell the new device, drop it. */
  async refuse(ref?: string): Promise<void> {
    const device = this.findPending(ref);
    this.m.db.outbox.enqueue([this.ctx.send(device, 'pair_refused')]);
    await this.ctx.ports.send.flush().catch(() => undefined); // packed while its keys exist
    await this.m.updatePeer('device', device.uid, (d) =>
      d.pairing ? { ...d, pairing: { ...d.pairing, phase: 'refused' } } : null,
    );
    await tombstone(this.ctx, device.uid);
  }
}

function keysOfCard(card: meow.IContactCard): PairingKeys {
  return {
    identity: new Uint8Array(card.contactPublicKey ?? []),
    encryption: new Uint8Array(card.encryptionPublicKey ?? []),
  };
}

function freshPairing(role: 'new' | 'existing'): PairingState {
  return {
    role,
    phase: 'waiting',
    code: '',
    confirmed: false,
    done: 0,
    total: 0,
    since: Date.now(),
    by: '',
    link: '',
    historyDays: null,
    localConfirmed: false,
    otherConfirmed: false,
    nonce: '',
    commitment: '',
  };
}
