/**
 * Conversations and their messages. A conversation's messages are paged from the service
 * (`messages(id, {before, limit})`), oldest first; events add and update them in place.
 */
import { create } from 'zustand';
import type { ContactView, ConversationChange, ConversationView, MessageView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useContacts } from './contactStore.js';
import { sentTo } from './typingStore.js';

export const PAGE = 100;

/**
 * A conversation as the list shows it. Its contact lives in one place only, the contact
 * store (a rename or a block shows in the list and the open conversation without copying).
 */
export interface ChatSummary extends Omit<ConversationView, 'contact'> {
  contactId: string;
}

/** Splits a view: the contact goes to the contact store, the rest is returned. */
function summaryOf({ contact, ...rest }: ConversationView): ChatSummary {
  return { ...rest, contactId: contact.id };
}

export interface Thread {
  items: MessageView[];
  /** Older messages remain on the service. */
  hasMore: boolean;
  loading: boolean;
}

interface ChatStore {
  conversations: Record<string, ChatSummary>;
  threads: Record<string, Thread>;
  open: string | null;
  /**
   * Per conversation, the first message that was unread when it opened (the "New
   * messages" line goes before it); null: none; absent: not known yet (still loading).
   */
  unreadFrom: Record<string, string | null>;
  loaded: boolean;
  load(): Promise<void>;
  select(contactId: string | null): void;
  /**
   * The conversation comes on screen (selected, or shown again: back to Chats, after an
   * unlock): its unread count is read afresh and the line placed anew.
   */
  show(contactId: string): void;
  /** It leaves the screen: the line it had is forgotten (placed again when it comes back). */
  hide(contactId: string): void;
  /** The newest page (when the conversation opens). */
  loadLatest(contactId: string): Promise<void>;
  loadOlder(contactId: string, limit?: number): Promise<number>;
  /**
   * Loads back to the first unread message and places the line before it (unless `current`
   * says by then that the placing was given up).
   */
  findUnread(contactId: string, current?: () => boolean): Promise<void>;
  /** The person has seen the conversation up to `m`: marks read what came up to it. */
  seenUpTo(contactId: string, m: MessageView): void;
  /** `quote`: the id of the message replied to. */
  send(contactId: string, text: string, quote?: string): Promise<void>;
  markRead(contactId: string): Promise<void>;
  /** Pin, archive, mark unread, mute, draft: my other devices follow. */
  update(contactId: string, change: ConversationChange): Promise<void>;
  /** The disappearing timer (ms; 0: off), for both people and all their devices. */
  setDisappearing(contactId: string, ms: number): Promise<void>;
  /** The list shows archived conversations (instead of the others). */
  showArchived: boolean;
  toggleArchived(): void;
  onConversation(c: ConversationView): void;
  /** A contact gone from this device: its conversation leaves the list (and the screen). */
  onRemoved(contactId: string): void;
  onMessage(m: MessageView): void;
  /**
   * Many messages changed at once (history, a backlog): a loaded conversation is read again
   * (and, on screen, its line placed again).
   */
  reload(contactId: string): void;
}

function upsert(items: MessageView[], m: MessageView): MessageView[] {
  const i = items.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    const next = items.slice();
    next[i] = m;
    return next;
  }
  const next = [...items, m];
  // A copy from another device may be older than the last one shown: keep time order.
  const last = items[items.length - 1];
  if (last && m.sentAt < last.sentAt) next.sort((a, b) => a.sentAt - b.sentAt);
  return next;
}

/** Per conversation, the placing of its line under way (a newer one, or hiding, drops it). */
const placing = new Map<string, object>();

export const useChats = create<ChatStore>((set, get) => ({
  conversations: {},
  threads: {},
  open: null,
  unreadFrom: {},
  loaded: false,
  async load() {
    const list = await call('conversations');
    useContacts.getState().onContacts(list.map((c) => c.contact));
    set({ conversations: Object.fromEntries(list.map((c) => [c.contact.id, summaryOf(c)])), loaded: true });
  },
  select(contactId) {
    // The line is placed afresh each time a conversation opens.
    placing.delete(contactId ?? '');
    set({ open: contactId });
    if (contactId) get().show(contactId);
  },
  show(contactId) {
    if (placing.has(contactId)) return; // already being placed (selected, then mounted)
    const token = {};
    placing.set(contactId, token);
    const current = () => placing.get(contactId) === token;
    const { [contactId]: _u, ...unreadFrom } = get().unreadFrom;
    set({ unreadFrom });
    // The count may be stale (events missed while locked or disconnected): read it again.
    const counted = get()
      .load()
      .catch(() => undefined);
    const ready = get().threads[contactId] ? Promise.resolve() : get().loadLatest(contactId);
    void Promise.all([counted, ready])
      .then(() => (current() ? get().findUnread(contactId, current) : undefined))
      .catch(() => undefined)
      .finally(() => {
        if (current()) placing.delete(contactId);
      });
  },
  hide(contactId) {
    placing.delete(contactId);
    const { [contactId]: _u, ...unreadFrom } = get().unreadFrom;
    set({ unreadFrom });
  },
  async findUnread(contactId, current = () => true) {
    for (;;) {
      const t = get().threads[contactId];
      if (!t || !current()) return;
      if (t.loading) {
        // A page is on its way (the list asked for one): wait for it, then count again.
        await new Promise<void>((resolve) => {
          const off = useChats.subscribe((s) => {
            if (s.threads[contactId]?.loading) return;
            off();
            resolve();
          });
        });
        continue;
      }
      const unread = get().conversations[contactId]?.unread ?? 0;
      const unseen = t.items.filter((m) => !m.outbound && !m.seen);
      if (unread === 0 || unseen.length >= unread || !t.hasMore) {
        const first = unread === 0 ? null : (unseen[Math.max(0, unseen.length - unread)]?.id ?? null);
        set({ unreadFrom: { ...get().unreadFrom, [contactId]: first } });
        return;
      }
      // Up to the first unread in one go (bounded by the service's page size).
      await get().loadOlder(contactId, Math.min(500, unread - unseen.length + 20));
    }
  },
  seenUpTo(contactId, m) {
    const t = get().threads[contactId];
    if (!t) return;
    const at = t.items.findIndex((x) => x.id === m.id);
    if (at < 0 || !t.items.slice(0, at + 1).some((x) => !x.outbound && !x.seen)) return;
    const items = t.items.map((x, i) => (i <= at && !x.outbound && !x.seen ? { ...x, seen: true } : x));
    set({ threads: { ...get().threads, [contactId]: { ...t, items } } });
    void call('markRead', contactId, { upTo: m.cursor }).catch(() => undefined);
  },
  async loadLatest(contactId) {
    set({ threads: { ...get().threads, [contactId]: { items: [], hasMore: false, loading: true } } });
    const items = await call('messages', contactId, { limit: PAGE });
    const current = get().threads[contactId]?.items ?? [];
    // Events may have arrived while the page was on its way.
    const merged = current.reduce(upsert, items);
    set({
      threads: {
        ...get().threads,
        [contactId]: { items: merged, hasMore: items.length === PAGE, loading: false },
      },
    });
  },
  async loadOlder(contactId, limit = PAGE) {
    const t = get().threads[contactId];
    if (!t || t.loading || !t.hasMore || !t.items[0]) return 0;
    set({ threads: { ...get().threads, [contactId]: { ...t, loading: true } } });
    const older = await call('messages', contactId, { before: t.items[0].cursor, limit });
    const now = get().threads[contactId] ?? t;
    const known = new Set(now.items.map((m) => m.id));
    const fresh = older.filter((m) => !known.has(m.id));
    set({
      threads: {
        ...get().threads,
        [contactId]: { items: [...fresh, ...now.items], hasMore: older.length === limit, loading: false },
      },
    });
    return fresh.length;
  },
  async send(contactId, text, quote) {
    const m = await call('send', contactId, text, quote ? { quote } : undefined);
    sentTo(contactId);
    get().onMessage(m);
  },
  async markRead(contactId) {
    const c = get().conversations[contactId];
    if (!c || (c.unread === 0 && !c.markedUnread)) return;
    await call('markRead', contactId);
  },
  async update(contactId, change) {
    get().onConversation(await call('updateConversation', contactId, change));
  },
  async setDisappearing(contactId, ms) {
    get().onConversation(await call('setDisappearing', contactId, ms));
  },
  showArchived: false,
  toggleArchived() {
    set({ showArchived: !get().showArchived });
  },
  onConversation(c) {
    useContacts.getState().onContact(c.contact);
    set({ conversations: { ...get().conversations, [c.contact.id]: summaryOf(c) } });
  },
  onRemoved(contactId) {
    const { [contactId]: _c, ...conversations } = get().conversations;
    const { [contactId]: _t, ...threads } = get().threads;
    set({ conversations, threads, ...(get().open === contactId ? { open: null } : {}) });
  },
  onMessage(m) {
    const t = get().threads[m.contactId];
    if (!t) return; // not loaded: the page will have it when the conversation opens
    // Deleted for me (here or on another of my devices): it leaves the list.
    const items = m.removed ? t.items.filter((x) => x.id !== m.id) : upsert(t.items, m);
    set({ threads: { ...get().threads, [m.contactId]: { ...t, items } } });
  },
  reload(contactId) {
    if (!get().threads[contactId]) return;
    // On screen (its line placed or being placed): a backlog is not read by arriving at the
    // bottom; the line is placed again, before its first unread.
    const shown = get().unreadFrom[contactId] !== undefined || placing.has(contactId);
    void get()
      .loadLatest(contactId)
      .catch(() => undefined);
    if (shown) {
      placing.delete(contactId);
      get().show(contactId);
    }
  },
}));

/** Conversations, pinned first, then most recent first (by last message, else by contact creation). */
export function sortedConversations(
  all: Record<string, ChatSummary>,
  contacts: Record<string, ContactView>,
): ChatSummary[] {
  const at = (c: ChatSummary) => c.lastMessage?.sentAt ?? contacts[c.contactId]?.createdAt ?? 0;
  return Object.values(all).sort((a, b) => Number(b.pinned) - Number(a.pinned) || at(b) - at(a));
}
