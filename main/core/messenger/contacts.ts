/**
 * My contacts: who they are (found by uid or by a unique name), invitations out and in
 * (links short or long, their cards sealed on my server), and what I change about a
 * contact (name, block, receipts, verification), each change followed by my other devices.
 */
import { randomUUID } from 'node:crypto';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { retryWhileRateLimited } from '../retry.js';
import { MeowError } from '../errors.js';
import { contactLock } from '../locks.js';
import {
  answerInvitation,
  createInvitation,
  longLink,
  openCardBlob,
  parseLink,
  sealCardBlob,
  shortLink,
} from '../peers/invitation.js';
import { checkServerFingerprint, serverFingerprint, shortLinkOwner } from '../peers/linkKeys.js';
import type { ContactChannel } from '../peers/peer.js';
import { nextVersion } from '../records.js';
import { isRelayError, relayServiceError, type RelayFactory } from '../relay.js';
import { pinServer } from './servers.js';
import { hasVisibleCharacter } from '../../../shared/text.js';

export class Contacts {
  constructor(
    private readonly core: Core,
    private readonly relays: RelayFactory,
  ) {}

  /** Visible contacts, by name. */
  list(): ContactChannel[] {
    return this.core.peers
      .all()
      .filter((p) => p.type === 'contact' && p.visible)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A contact by uid, or by name when that name is unique. */
  find(ref: string): ContactChannel {
    const byUid = this.core.peers.get(ref);
    if (byUid) return byUid;
    const matches = this.list().filter((p) => p.name.toLowerCase() === ref.toLowerCase());
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new MeowError('AMBIGUOUS_CONTACT', { name: ref });
    throw new MeowError('UNKNOWN_CONTACT', { contact: ref });
  }

  /** InvitePeer: a new contact waiting for an answer, and the link to give them. */
  async invite(
    name: string,
    opts: { long?: boolean; message?: string } = {},
  ): Promise<{ link: string; peer: ContactChannel }> {
    if (!hasVisibleCharacter(name)) throw new MeowError('EMPTY_NAME', {});
    const { peer, card } = createInvitation(this.core.identity, {
      name: name.trim(),
      type: 'contact',
      message: opts.message,
    });
    const link = await this.publishInvitation(peer, card, opts.long);
    peer.inviteLink = link;
    await this.core.peers.put(peer);
    this.core.kickPoll();
    this.core.emit('contact', peer.uid);
    return { link, peer };
  }

  /**
   * Invites a contact again, keeping its conversation: for a contact whose keys were on a device
   * that is unlinked (nobody can rotate them; see devices/unlink.ts), or an invitation that
   * was never answered. The record takes fresh keys and an open invitation, this device drives it
   * from now on, and my other devices learn so; when the contact answers the new link, the
   * conversation goes on where it was. (The contact sees a new contact: it cannot tell the old
   * keys from a thief's, so it should be told.)
   */
  async reinvite(
    uid: string,
    opts: { long?: boolean } = {},
  ): Promise<{ link: string; peer: ContactChannel }> {
    if (this.core.identity.unlinked) throw new MeowError('DEVICE_UNLINKED', this.core.identity.unlinked);
    const old = this.find(uid);
    const primary = old.primary ? this.core.devices.get(old.primary.device) : null;
    const orphaned = !!old.primary && (!primary || primary.unlinked);
    if (!orphaned && old.state !== 'invited') throw new MeowError('CONTACT_REACHABLE', { contact: old.name });
    const { peer: fresh, card } = createInvitation(this.core.identity, { name: old.name, type: 'contact' });
    const link = await this.publishInvitation(fresh, card, opts.long);
    const next = await this.core.locks.run(contactLock(old.uid), async () => {
      const cur = this.core.peers.get(old.uid) ?? old;
      const upd: ContactChannel = {
        ...fresh,
        inviteLink: link,
        uid: cur.uid,
        name: cur.name,
        blocked: cur.blocked,
        sendDeliveryAck: cur.sendDeliveryAck,
        sendProcessingAck: cur.sendProcessingAck,
        messageNotification: cur.messageNotification,
        createdAt: cur.createdAt,
        handover: { seq: cur.handover.seq, to: null },
        version: nextVersion(cur.version, this.core.identity.uid),
      };
      this.core.db.outbox.enqueue(this.core.fanOut({ type: 'peer_update', peer: upd }));
      await this.core.peers.put(upd);
      return upd;
    });
    this.core.kickPoll();
    this.core.kickSend();
    this.core.emit('contact', next.uid);
    return { link, peer: next };
  }

  /** The link for a new invitation: its card sealed on my first server (short) or in the link itself (long). */
  private async publishInvitation(
    peer: ContactChannel,
    card: meow.ContactCard,
    long = false,
  ): Promise<string> {
    if (long) return longLink(card);
    const server = this.core.identity.servers[0]!;
    const { blob, key } = sealCardBlob(card);
    try {
      // A busy relay asks to slow down: the person waits a moment instead of reading an error.
      peer.shortLinkId = await retryWhileRateLimited(() =>
        this.core.relayFor(server).putInvitation(blob, card.expiresAt, shortLinkOwner(peer)),
      );
    } catch (e) {
      throw relayServiceError(e, server.url);
    }
    return shortLink('invite', server.url, peer.shortLinkId, key, serverFingerprint(server));
  }

  /** Reads a link: the card itself, or fetched from the server's invitation store. */
  async readLink(link: string, kind: 'invite' | 'pair'): Promise<meow.ContactCard> {
    const parsed = parseLink(link);
    if (parsed.kind !== kind) {
      throw new MeowError('WRONG_LINK_KIND', { expected: kind });
    }
    if (parsed.form === 'long') return parsed.card;
    const server = await pinServer(this.relays, parsed.server);
    checkServerFingerprint(server, parsed.fingerprint); // pinned by the link, not trusted on first use
    let blob: Uint8Array;
    try {
      blob = (await retryWhileRateLimited(() => this.core.relayFor(server).getInvitation(parsed.id))).blob;
    } catch (e) {
      if (isRelayError(e) && (e.code === 'NOT_FOUND' || e.code === 'EXPIRED')) {
        throw new MeowError(e.code === 'EXPIRED' ? 'LINK_EXPIRED' : 'LINK_USED', { kind });
      }
      throw relayServiceError(e, parsed.server);
    }
    return openCardBlob(blob, parsed.key);
  }

  /** AnswerInvitation: the new contact, with the answer queued to go back to them. */
  async accept(link: string, name: string): Promise<ContactChannel> {
    // No name: the one on the invitation. A name of only invisible characters: refused.
    if (name.trim() && !hasVisibleCharacter(name)) throw new MeowError('EMPTY_NAME', {});
    // A short link used here before is gone from the server: recognise it locally first.
    const parsed = parseLink(link);
    const seen =
      parsed.form === 'short' ? this.core.peers.all().find((p) => p.shortLinkId === parsed.id) : undefined;
    if (seen && !seen.drInitiator) {
      throw new MeowError('ALREADY_ACCEPTED', { contact: seen.name });
    }
    const card = await this.readLink(link, 'invite');
    const mine = this.core.peers.all().find((p) => p.invitationId === card.invitationId);
    if (mine?.drInitiator) throw new MeowError('OWN_LINK', { kind: 'invite' });
    if (mine) throw new MeowError('ALREADY_ACCEPTED', { contact: mine.name });
    const { peer, answer } = answerInvitation(this.core.identity, card, {
      name: name.trim(),
      type: 'contact',
    });
    if (parsed.form === 'short') peer.shortLinkId = parsed.id; // the inviter's link, remembered to spot its reuse
    const plain = encode(meow.UserMessage, {
      type: 'invitation_answer',
      invitation: answer,
      status: { uuid: randomUUID(), sent: this.core.clock() },
    });
    await this.core.locks.run(contactLock(peer.uid), async () => {
      this.core.db.outbox.enqueue([
        { channel: 'peer', peerUid: peer.uid, plain },
        ...this.core.fanOut({ type: 'peer_update', peer }),
      ]);
      await this.core.peers.put(peer);
    });
    this.core.emit('contact', peer.uid);
    this.core.kickPoll();
    this.core.kickSend();
    return peer;
  }

  async updateContact(
    ref: string,
    change: { name?: string; blocked?: boolean; sendDeliveryAck?: boolean; sendProcessingAck?: boolean },
  ): Promise<ContactChannel> {
    const peer = this.find(ref);
    return this.core.locks.run(contactLock(peer.uid), async () => {
      const current = this.core.peers.get(peer.uid)!;
      const next: ContactChannel = {
        ...current,
        ...change,
        version: nextVersion(current.version, this.core.identity.uid),
      };
      this.core.db.outbox.enqueue(this.core.fanOut({ type: 'peer_update', peer: next }));
      await this.core.peers.put(next);
      this.core.emit('contact', next.uid);
      this.core.kickSend();
      return next;
    });
  }

  /** Marks a contact verified for the keys used now (or not); my other devices learn it. */
  async setVerified(uid: string, verified: boolean): Promise<ContactChannel> {
    const next = await this.core.locks.run(contactLock(uid), async () => {
      const cur = this.find(uid);
      const upd: ContactChannel = {
        ...cur,
        verified:
          verified && cur.contactPublicKey
            ? { mine: cur.myIdentity.publicKey, theirs: cur.contactPublicKey, at: Date.now() }
            : null,
        version: nextVersion(cur.version, this.core.identity.uid),
      };
      this.core.db.outbox.enqueue(this.core.fanOut({ type: 'peer_update', peer: upd }));
      await this.core.peers.put(upd);
      return upd;
    });
    this.core.emit('contact', uid);
    this.core.kickSend();
    return next;
  }
}
