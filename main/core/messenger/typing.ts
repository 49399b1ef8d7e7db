/**
 * Typing indicators. While I type, one "typing" UserMessage at most every TYPING_EVERY_MS goes
 * to the contact — straight, or through the device of mine that talks to them (a forward the
 * primary sends on without storing it); my other devices are never told, so none of them
 * shows my own typing. The contact's "typing", received by my device that talks to them, is
 * announced there and passed to my other devices as a "typing" sync; nothing of it is stored
 * in the conversation or its history. A "typing" older than STALE_MS (it waited in a queue)
 * is ignored.
 */
import { randomUUID } from 'node:crypto';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import type { ContactChannel } from '../peers/peer.js';
import type { RoutePort } from './conversations.js';

/** At most one "typing" per conversation this often, however fast the person types. */
export const TYPING_EVERY_MS = 4_000;
/** A "typing" that waited longer than this (the author's clock, skew included) is old news. */
export const STALE_MS = 60_000;

export function typingMessage(at: number): Uint8Array {
  return encode(meow.UserMessage, { type: 'typing', status: { uuid: randomUUID(), sent: at } });
}

/** Whether a "typing" written at `at` (author's clock) is still news at `now`. */
export function fresh(at: number, now = Date.now()): boolean {
  return Math.abs(now - at) <= STALE_MS;
}

export class Typing {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly core: Core,
    private readonly contacts: { find(ref: string): ContactChannel },
    private readonly devices: RoutePort,
  ) {}

  /** The person is typing to `ref`: tells the contact, unless told less than TYPING_EVERY_MS ago. Returns whether it went. */
  typing(ref: string, now = Date.now()): boolean {
    const peer = this.contacts.find(ref);
    if (peer.state === 'invited') throw new MeowError('CONTACT_NOT_READY', { contact: peer.name });
    if (peer.blocked) return false;
    if (now - (this.lastSent.get(peer.uid) ?? 0) < TYPING_EVERY_MS) return false;
    this.lastSent.set(peer.uid, now);
    const plain = typingMessage(now);
    const primary = this.devices.routeFor(peer);
    this.core.db.outbox.enqueue([
      primary
        ? this.devices.forwardItem(primary, peer, plain)
        : { channel: 'peer', peerUid: peer.uid, plain },
    ]);
    this.core.kickSend();
    return true;
  }

  /** Sending a message ends the typing: the next keystroke tells the contact again at once. */
  sent(peerUid: string): void {
    this.lastSent.delete(peerUid);
  }
}
