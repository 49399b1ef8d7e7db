/**
 * A conversation, from my side: sending (straight to the contact when this device drives it,
 * else as a forward through the device that does), reading it, and the read receipts and
 * read status that follow.
 */
import { randomUUID } from 'node:crypto';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import { contactLock } from '../locks.js';
import type { ContactChannel, DeviceChannel } from '../peers/peer.js';
import type { OutboxItem, StoredMessage } from '../storage/messageDb.js';
import { toDbMessage } from './dbMessage.js';
import { currentTimer } from './disappearing.js';
import { MAX_TEXT_BYTES } from './limits.js';
import { readReceipts } from './receipts.js';

/** Where a message to a contact goes (devices/routing.ts). */
export interface RoutePort {
  routeFor(contact: ContactChannel): DeviceChannel | null;
  forwardItem(primary: DeviceChannel, contact: ContactChannel, plain: Uint8Array): OutboxItem;
}

export class Conversations {
  constructor(
    private readonly core: Core,
    private readonly contacts: { find(ref: string): ContactChannel },
    private readonly devices: RoutePort,
  ) {}

  /**
   * Sends text, or files (already uploaded: attachments/attachments.ts) with an optional
   * caption; `quote`: the id of the message of this conversation it replies to.
   */
  async send(
    ref: string,
    text: string,
    opts: { quote?: string; files?: meow.IFileMeta[]; uuid?: string } = {},
  ): Promise<StoredMessage> {
    const files = opts.files ?? [];
    const found = this.contacts.find(ref);
    // A send given its id (a file send resumed after a restart) happens once.
    const already = opts.uuid ? this.core.db.messages.get(found.uid, opts.uuid) : undefined;
    if (already) return already;
    if (found.blocked) throw new MeowError('BLOCKED', { contact: found.name });
    if (found.state === 'invited') throw new MeowError('CONTACT_NOT_READY', { contact: found.name });
    if (!text.trim() && !files.length) throw new MeowError('EMPTY_TEXT', {});
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES)
      throw new MeowError('TEXT_TOO_LONG', { maxBytes: MAX_TEXT_BYTES });
    // Under the contact's lock: its route (direct, or through its primary) cannot change meanwhile.
    const stored = await this.core.locks.run(contactLock(found.uid), async () => {
      const peer = this.core.peers.get(found.uid) ?? found;
      const quote = opts.quote ?? '';
      if (quote && !this.core.db.messages.get(peer.uid, quote))
        throw new MeowError('UNKNOWN_MESSAGE', { message: quote });
      const uuid = opts.uuid ?? randomUUID();
      const sentAt = this.core.clock();
      // The timer in force now goes with the message: it disappears by it on every device.
      const expireAfter = currentTimer(this.core, peer.uid).ms;
      const plain = encode(meow.UserMessage, {
        type: 'text',
        text,
        files,
        status: { uuid, sent: sentAt, answerToUuid: quote, expireAfter },
      });
      const primary = this.devices.routeFor(peer);
      const base = {
        peerUid: peer.uid,
        uuid,
        outbound: true,
        type: 'text',
        text,
        files,
        answerTo: quote,
        sentAt,
        expireAfter,
        seen: true,
        authorDevice: this.core.identity.uid,
      };
      if (primary) {
        // Through the primary, which tells my other devices once it has sent it.
        this.core.db.outbox.insertOutgoing(
          { ...base, state: 'pending_forward', waitingFor: primary.uid, waitingSince: sentAt },
          this.devices.forwardItem(primary, peer, plain),
        );
      } else {
        const message = { ...base, state: 'pending' as const };
        this.core.db.outbox.insertOutgoing(
          message,
          { channel: 'peer', peerUid: peer.uid, plain },
          this.core.fanOut({ type: 'msg', peerUid: peer.uid, dbMessage: toDbMessage(message) }),
        );
      }
      return this.core.db.messages.get(peer.uid, uuid)!;
    });
    this.core.emit('message', stored);
    this.core.kickSend();
    return stored;
  }

  messages(ref: string, opts: { limit?: number } = {}): StoredMessage[] {
    return this.core.db.messages.list(this.contacts.find(ref).uid, opts);
  }

  /** Marks a conversation read here and, if enabled for that contact, sends read receipts. */
  async markRead(ref: string, upTo?: { sentAt: number; id: number }): Promise<number> {
    const peer = this.contacts.find(ref);
    const now = Date.now();
    // Seen, receipts and sync in one transaction: a crash cannot leave read messages unreported.
    const seen = this.core.db.atomically(() => {
      const rows = this.core.db.messages.markSeen(peer.uid, now, upTo);
      if (rows.length) this.core.db.outbox.enqueue(this.readReports(peer, rows, now));
      return rows;
    });
    if (seen.length) this.core.kickSend();
    return seen.length;
  }

  /** Read receipts for the contact (if on) and the read status for my other devices. */
  private readReports(peer: ContactChannel, seen: StoredMessage[], now: number): OutboxItem[] {
    const items: OutboxItem[] = peer.sendProcessingAck ? readReceipts(peer.uid, seen, now) : [];
    for (const m of seen) {
      items.push(
        ...this.core.fanOut({
          type: 'status',
          peerUid: peer.uid,
          dbMessage: toDbMessage({ ...m, processedAt: now }),
        }),
      );
    }
    return items;
  }
}
