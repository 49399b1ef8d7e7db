/** Conversations: the list with unread counts, pages of messages, send, read, retry. */
import { ServiceError } from '../../../shared/errors.js';
import type {
  ConversationChange,
  ConversationView,
  MessageView,
  SearchResultView,
} from '../../../shared/views.js';
import { LIMITS } from '../../../shared/schemas.js';
import { searchIndexOf } from '../messenger/searchIndex.js';
import type { ActionInput } from '../messenger/actions.js';
import { changeState, stateOf } from '../messenger/conversationState.js';
import { conversationView, messageView, parseCursor } from './views.js';

import { DEFAULT_PAGE, type ServiceSession } from './session.js';

export function conversations(s: ServiceSession): Promise<ConversationView[]> {
  return s.guard('conversations', async () => {
    const m = s.open();
    const summaries = new Map(m.db.messages.summaries().map((s) => [s.peerUid, s]));
    return m
      .contacts()
      .map((p) => conversationView(m, p, summaries.get(p.uid)))
      .sort(
        (a, b) =>
          Number(b.pinned) - Number(a.pinned) ||
          (b.lastMessage?.sentAt ?? b.contact.createdAt) - (a.lastMessage?.sentAt ?? a.contact.createdAt),
      );
  });
}

export function messages(
  s: ServiceSession,
  contactId: string,
  opts: { before?: string; limit?: number } = {},
): Promise<MessageView[]> {
  return s.guard('messages', async () => {
    const m = s.open();
    s.contact(m, contactId);
    const before = parseCursor(opts.before);
    if (opts.before !== undefined && !before)
      throw new ServiceError('BAD_INPUT', { field: 'before', reason: 'not a message cursor' });
    return m.db.messages.page(contactId, before, opts.limit ?? DEFAULT_PAGE).map((s) => messageView(m, s));
  });
}

export function send(
  s: ServiceSession,
  contactId: string,
  text: string,
  opts: { quote?: string } = {},
): Promise<MessageView> {
  return s.guard('send', async () => {
    const m = s.open();
    s.contact(m, contactId);
    const stored = await m.send(contactId, text, opts);
    // What was being written is sent: the draft goes, on all my devices.
    if (stateOf(m.core, contactId).draft) {
      changeState(m.core, contactId, { draft: '' });
      s.emit('conversation:changed', s.conversation(m, s.contact(m, contactId)));
    }
    await s.flushSoon(m);
    return messageView(m, m.db.messages.get(contactId, stored.uuid) ?? stored);
  });
}

export function markRead(
  s: ServiceSession,
  contactId: string,
  opts: { upTo?: string } = {},
): Promise<number> {
  return s.guard('markRead', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    let upTo: { sentAt: number; id: number } | undefined;
    if (opts.upTo !== undefined) {
      upTo = parseCursor(opts.upTo) ?? undefined;
      if (!upTo)
        throw new ServiceError('BAD_INPUT', { field: 'markRead upTo', reason: 'not a message cursor' });
    }
    const n = await m.markRead(contactId, upTo);
    const marked = stateOf(m.core, contactId).unread;
    if (marked) changeState(m.core, contactId, { unread: false }); // read: the mark goes too
    if (n || marked) {
      s.emit('conversation:changed', s.conversation(m, p));
      await s.flushSoon(m); // read receipts and my other devices
    }
    return n;
  });
}

export function retryMessage(s: ServiceSession, contactId: string, messageId: string): Promise<MessageView> {
  return s.guard('retryMessage', async () => {
    const m = s.open();
    s.contact(m, contactId);
    if (!m.db.messages.get(contactId, messageId))
      throw new ServiceError('UNKNOWN_MESSAGE', { message: messageId });
    if (m.db.outbox.retryFailed(messageId)) {
      m.kickSend();
      await s.flushSoon(m);
    }
    return messageView(m, m.db.messages.get(contactId, messageId)!);
  });
}

/** A reaction, edit or deletion, then the message as it shows now. */
function act(s: ServiceSession, method: string, contactId: string, input: ActionInput): Promise<MessageView> {
  return s.guard(method, async () => {
    const m = s.open();
    s.contact(m, contactId);
    const before = await m.act(contactId, input);
    await s.flushSoon(m);
    return messageView(m, m.db.messages.get(contactId, before.uuid) ?? before);
  });
}

export function react(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  emoji: string,
): Promise<MessageView> {
  return act(s, 'react', contactId, { kind: 'react', target: messageId, emoji });
}

export function editMessage(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  text: string,
): Promise<MessageView> {
  return act(s, 'editMessage', contactId, { kind: 'edit', target: messageId, text });
}

export function deleteMessage(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  opts: { forEveryone?: boolean } = {},
): Promise<MessageView> {
  return act(s, 'deleteMessage', contactId, {
    kind: 'delete',
    target: messageId,
    forEveryone: !!opts.forEveryone,
  });
}

/** Pins, archives, marks unread, mutes, or saves the draft of a conversation; my other devices follow. */
export function updateConversation(
  s: ServiceSession,
  contactId: string,
  change: ConversationChange,
): Promise<ConversationView> {
  return s.guard('updateConversation', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    changeState(m.core, contactId, change);
    m.kickSend();
    const view = s.conversation(m, p);
    s.emit('conversation:changed', view);
    return view;
  });
}

/** Sets the disappearing timer for both people and all their devices. */
export function setDisappearing(s: ServiceSession, contactId: string, ms: number): Promise<ConversationView> {
  return s.guard('setDisappearing', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    await m.setTimer(contactId, ms);
    await s.flushSoon(m);
    const view = s.conversation(m, p);
    s.emit('conversation:changed', view);
    return view;
  });
}

/** I am typing to the contact (rate-limited in the messenger; nothing stored). */
export function typing(s: ServiceSession, contactId: string): Promise<boolean> {
  return s.guard('typing', async () => {
    const m = s.open();
    s.contact(m, contactId);
    return m.typing(contactId);
  });
}

/** Search across conversations (messenger/searchIndex.ts: in memory, built on first use). */
export function search(
  s: ServiceSession,
  query: string,
  opts: { contactId?: string; limit?: number } = {},
): Promise<SearchResultView[]> {
  return s.guard('search', async () => {
    if (query.length > LIMITS.queryChars)
      throw new ServiceError('BAD_INPUT', {
        field: 'query',
        reason: `at most ${LIMITS.queryChars} characters`,
      });
    const m = s.open();
    if (opts.contactId) s.contact(m, opts.contactId);
    const index = searchIndexOf(m);
    await index.ready; // (started at unlock: usually done by the first search)
    const hits = index.search(query, { peerUid: opts.contactId, limit: opts.limit ?? 50 });
    const out: SearchResultView[] = [];
    for (const h of hits) {
      const p = m.peers.get(h.peerUid);
      const stored = m.db.messages.get(h.peerUid, h.uuid);
      if (!stored || p?.type !== 'contact' || !p.visible) continue;
      out.push({ message: messageView(m, stored), contactName: p.name, match: h.match });
    }
    return out;
  });
}
