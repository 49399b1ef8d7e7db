/**
 * Reactions, edits and deletions, written here or received (from the contact, or from one of
 * my devices): every copy goes through `applyAction`, which stores it once by its id and
 * does what it does to the message — a deletion for everyone wipes the content and the
 * earlier texts, a deletion for me removes the message and keeps a tombstone so a late copy
 * stays deleted. How the message then looks is folded from its actions (actionFold.ts).
 * How each action travels: docs/conversation-sync.md.
 */
import { randomUUID } from 'node:crypto';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import { contactLock } from '../locks.js';
import type { ContactChannel } from '../peers/peer.js';
import type { ReceiveEvent } from '../receive/decision.js';
import type { ActionKind, OutboxItem, StoredAction, StoredMessage } from '../storage/messageDb.js';
import { byAuthor, fold, isOneEmoji, myReaction, withinDeleteWindow } from './actionFold.js';
import { currentTimer, isTimerChoice, TIMER_TARGET, type Timer } from './disappearing.js';
import { MAX_TEXT_BYTES } from './limits.js';
import type { RoutePort } from './conversations.js';

const KINDS: ReadonlySet<string> = new Set<ActionKind>(['react', 'edit', 'delete', 'hide', 'timer']);

/** What a person asks for (the service's react / editMessage / deleteMessage). */
export type ActionInput =
  | { kind: 'react'; target: string; emoji: string }
  | { kind: 'edit'; target: string; text: string }
  | { kind: 'delete'; target: string; forEveryone: boolean };

/** The action as it travels, from a stored one. */
export function toWire(a: StoredAction): meow.IMessageAction {
  return {
    id: a.id,
    targetUuid: a.targetUuid,
    kind: a.kind,
    emoji: a.emoji,
    text: a.text,
    at: a.at,
    mine: a.mine,
    authorDevice: a.authorDevice,
    timer: a.timer ?? 0,
  };
}

/**
 * A received action as stored, or why it is refused. `mine` is decided by the channel it came
 * on (the contact's: never mine; my device's: as that device says).
 */
export function fromWire(
  peerUid: string,
  w: meow.IMessageAction | null | undefined,
  mine: boolean,
): StoredAction | string {
  if (!w) return 'no action';
  const kind = w.kind ?? '';
  if (!KINDS.has(kind)) return `unknown action kind "${kind}"`;
  if (!w.id || w.id.length > 64 || !w.targetUuid || w.targetUuid.length > 128)
    return 'no action or target id';
  if (kind === 'hide' && !mine) return 'a deletion for me comes from my own devices only';
  const emoji = w.emoji ?? '';
  if (kind === 'react' && emoji && !isOneEmoji(emoji)) return 'a reaction is one emoji';
  const text = w.text ?? '';
  if (kind === 'edit' && (!text.trim() || Buffer.byteLength(text) > MAX_TEXT_BYTES))
    return 'an edit is a non-empty text within the size limit';
  const timer = Number(w.timer ?? 0);
  if ((kind === 'timer') !== (w.targetUuid === TIMER_TARGET))
    return 'a timer, and only a timer, targets the conversation';
  if (kind === 'timer' && !isTimerChoice(timer)) return `a timer of ${timer} ms is not one of the choices`;
  return {
    id: w.id,
    peerUid,
    targetUuid: w.targetUuid,
    kind: kind as ActionKind,
    mine,
    at: Number(w.at ?? 0),
    authorDevice: mine ? (w.authorDevice ?? '') : '',
    emoji: kind === 'react' ? emoji : '',
    text: kind === 'edit' ? text : '',
    timer: kind === 'timer' ? timer : 0,
  };
}

/**
 * Stores `a` and applies it to its message, inside the caller's transaction. A copy already
 * stored, or an action its sender may not make on that message (an edit of the other
 * person's message, an edit of a deleted one), changes nothing. Returns whether it was stored;
 * what to announce goes to `events`.
 */
export function applyAction(core: Core, a: StoredAction, events: ReceiveEvent[]): boolean {
  const db = core.db;
  const target = db.messages.get(a.peerUid, a.targetUuid);
  if (target && (a.kind === 'edit' || a.kind === 'delete') && !byAuthor(a, target)) {
    core.log.warn('ignored an edit or deletion of a message by someone else', {
      peer: a.peerUid,
      kind: a.kind,
    });
    return false;
  }
  // An edit after a deletion does nothing (the message may not be here yet: its author's deletion is).
  if (
    a.kind === 'edit' &&
    (target
      ? fold(target, db.actions.forTarget(a.peerUid, a.targetUuid)).deleted
      : db.actions.forTarget(a.peerUid, a.targetUuid).some((x) => x.kind === 'delete' && x.mine === a.mine))
  )
    return false;
  // A message that disappeared or was deleted for me here: nothing more of it is kept.
  if (!target && a.kind !== 'hide' && a.kind !== 'timer' && db.actions.hidden(a.peerUid, a.targetUuid))
    return false;
  if (!db.actions.insert(a)) return false;
  if (a.kind === 'timer') {
    // The conversation's view shows the timer; announced once the caller's transaction is done.
    setImmediate(() => core.emit('contact', a.peerUid));
    return true;
  }
  if (!target) {
    // Applied when the message arrives (actionFold, and insertRaw's tombstones); a deletion
    // wipes what earlier texts are already here.
    if (a.kind === 'delete') db.actions.wipeEdits(a.peerUid, a.targetUuid);
    return true;
  }
  const wiped = a.kind === 'delete' && withinDeleteWindow(a.at, target.sentAt);
  if (wiped) {
    db.messages.wipeContent(a.peerUid, a.targetUuid);
    db.actions.wipeEdits(a.peerUid, a.targetUuid);
  }
  if (a.kind === 'hide') db.messages.remove(a.peerUid, a.targetUuid);
  if ((wiped || a.kind === 'hide') && target.files.length)
    core.emit('filesDropped', {
      peerUid: a.peerUid,
      uuid: a.targetUuid,
      files: target.files,
      relayToo: wiped && target.outbound && target.authorDevice === core.identity.uid,
    });
  events.push({
    kind: 'status',
    m: a.kind === 'hide' ? target : (db.messages.get(a.peerUid, a.targetUuid) ?? target),
  });
  return true;
}

/** What a message on the contact's channel asks (a UserMessage of type "action"). */
export function actionMessage(a: StoredAction): Uint8Array {
  // (never which of my devices made it, nor "mine": those are for my devices only)
  const { mine: _mine, authorDevice: _device, ...action } = toWire(a);
  return encode(meow.UserMessage, { type: 'action', action, status: { uuid: a.id, sent: a.at } });
}

/** The actions a person takes in a conversation. */
export class Actions {
  constructor(
    private readonly core: Core,
    private readonly contacts: { find(ref: string): ContactChannel },
    private readonly devices: RoutePort,
  ) {}

  /**
   * Reacts (toggling: the same emoji again takes it back), edits or deletes; returns the
   * message as it was before (a deletion for me removes it). Refuses what the person may not
   * do, saying why; changes nothing then.
   */
  async act(ref: string, input: ActionInput): Promise<StoredMessage> {
    const found = this.contacts.find(ref);
    if (found.state === 'invited') throw new MeowError('CONTACT_NOT_READY', { contact: found.name });
    const local = input.kind === 'delete' && !input.forEveryone;
    if (found.blocked && !local) throw new MeowError('BLOCKED', { contact: found.name });
    const events: ReceiveEvent[] = [];
    const target = await this.core.locks.run(contactLock(found.uid), async () => {
      const peer = this.core.peers.get(found.uid) ?? found;
      const db = this.core.db;
      const target = db.messages.get(peer.uid, input.target);
      if (!target) throw new MeowError('UNKNOWN_MESSAGE', { message: input.target });
      const actions = db.actions.forTarget(peer.uid, target.uuid);
      const folded = fold(target, actions);
      const base = {
        id: randomUUID(),
        peerUid: peer.uid,
        targetUuid: target.uuid,
        mine: true,
        at: this.core.clock(),
        authorDevice: this.core.identity.uid,
        emoji: '',
        text: '',
      };
      let a: StoredAction;
      switch (input.kind) {
        case 'react': {
          if (!isOneEmoji(input.emoji))
            throw new MeowError('NOT_ONE_EMOJI', { emoji: input.emoji.slice(0, 16) });
          if (folded.deleted) throw new MeowError('MESSAGE_DELETED', {});
          const emoji = myReaction(actions) === input.emoji ? '' : input.emoji;
          a = { ...base, kind: 'react', emoji };
          break;
        }
        case 'edit': {
          if (!target.outbound) throw new MeowError('NOT_YOUR_MESSAGE', { action: 'edit' });
          if (folded.deleted) throw new MeowError('MESSAGE_DELETED', {});
          if (!input.text.trim()) throw new MeowError('EMPTY_TEXT', {});
          if (Buffer.byteLength(input.text) > MAX_TEXT_BYTES)
            throw new MeowError('TEXT_TOO_LONG', { maxBytes: MAX_TEXT_BYTES });
          a = { ...base, kind: 'edit', text: input.text };
          break;
        }
        case 'delete':
          if (input.forEveryone) {
            if (!target.outbound) throw new MeowError('NOT_YOUR_MESSAGE', { action: 'delete for everyone' });
            if (!withinDeleteWindow(base.at, target.sentAt))
              throw new MeowError('DELETE_TOO_LATE', { hours: 24 });
            if (folded.deleted) return target; // already deleted: nothing more to do
            a = { ...base, kind: 'delete' };
          } else a = { ...base, kind: 'hide' };
          break;
      }
      this.record(peer, a, events, () => {
        // Deleted before it left: its queued copy is not sent at all (once packed, it goes as it is).
        if (a.kind === 'delete')
          for (const row of db.outbox.forPeer('peer', peer.uid))
            if (row.messageUuid === target.uuid && !row.packed) db.outbox.drop(row.id);
      });
      return target;
    });
    for (const e of events) this.core.emit(e.kind, e.m);
    this.core.kickSend();
    return target;
  }

  /**
   * Sets the conversation's disappearing timer (ms, one of TIMER_CHOICES; 0: off) for both
   * people and all their devices; a value not in the list is refused and changes nothing.
   */
  async setTimer(ref: string, ms: number): Promise<Timer> {
    if (!isTimerChoice(ms))
      throw new MeowError('BAD_INPUT', {
        field: 'disappearing timer',
        reason: 'off, 5 minutes, 1 hour, 1 day or 1 week',
      });
    const found = this.contacts.find(ref);
    if (found.state === 'invited') throw new MeowError('CONTACT_NOT_READY', { contact: found.name });
    if (found.blocked) throw new MeowError('BLOCKED', { contact: found.name });
    const timer = await this.core.locks.run(contactLock(found.uid), async () => {
      const peer = this.core.peers.get(found.uid) ?? found;
      const now = currentTimer(this.core, peer.uid);
      if (now.ms === ms) return now; // already so: nothing to tell anyone
      this.record(
        peer,
        {
          id: randomUUID(),
          peerUid: peer.uid,
          targetUuid: TIMER_TARGET,
          kind: 'timer',
          mine: true,
          at: this.core.clock(),
          authorDevice: this.core.identity.uid,
          emoji: '',
          text: '',
          timer: ms,
        },
        [],
      );
      return currentTimer(this.core, peer.uid);
    });
    this.core.kickSend();
    return timer;
  }

  /**
   * Stores and applies my action `a` and, in the same transaction (with `also`), queues it for
   * my other devices and — unless it is a deletion for me — for the contact: straight, or
   * through the device of mine that talks to them.
   */
  private record(peer: ContactChannel, a: StoredAction, events: ReceiveEvent[], also?: () => void): void {
    const items: OutboxItem[] = this.core.fanOut({ type: 'action', peerUid: peer.uid, action: toWire(a) });
    if (a.kind !== 'hide') {
      const plain = actionMessage(a);
      const primary = this.devices.routeFor(peer);
      items.push(
        primary
          ? this.devices.forwardItem(primary, peer, plain)
          : { channel: 'peer', peerUid: peer.uid, plain },
      );
    }
    this.core.db.atomically(() => {
      applyAction(this.core, a, events);
      also?.();
      this.core.db.outbox.enqueue(items);
    });
  }

  /** Checks a quote before a reply is sent: it must be a message of this conversation. */
  checkQuote(peerUid: string, quote: string): void {
    if (!this.core.db.messages.get(peerUid, quote))
      throw new MeowError('UNKNOWN_MESSAGE', { message: quote });
  }
}
