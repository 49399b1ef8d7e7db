/**
 * What the person is doing to messages of a conversation: replying to one (its quote shows
 * above the composer), editing one of theirs, jumping to a quoted message; and the calls
 * that react, edit and delete (their result replaces the message in the chat store).
 */
import { create } from 'zustand';
import type { MessageView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useChats } from './chatStore.js';

/** The reactions offered with one click (any one emoji is accepted by the service). */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const;

/** A deletion for everyone is offered for my messages up to this age (the service decides). */
export const DELETE_FOR_EVERYONE_MS = 24 * 3600_000;

const HIGHLIGHT_MS = 4000;

interface ActionStore {
  replyTo: Record<string, MessageView | undefined>;
  editing: Record<string, MessageView | undefined>;
  /** A quoted message to bring into view (older pages are loaded until it is found). */
  jump: { contactId: string; id: string } | null;
  /** The message just jumped to, shown highlighted. */
  highlight: string | null;
  startReply(m: MessageView): void;
  startEdit(m: MessageView): void;
  cancel(contactId: string): void;
  react(m: MessageView, emoji: string): Promise<void>;
  saveEdit(contactId: string, text: string): Promise<void>;
  remove(m: MessageView, forEveryone: boolean): Promise<void>;
  jumpTo(contactId: string, id: string): void;
  jumped(id: string | null): void;
}

export const useMessageActions = create<ActionStore>((set, get) => ({
  replyTo: {},
  editing: {},
  jump: null,
  highlight: null,
  startReply(m) {
    set({
      replyTo: { ...get().replyTo, [m.contactId]: m },
      editing: { ...get().editing, [m.contactId]: undefined },
    });
  },
  startEdit(m) {
    set({
      editing: { ...get().editing, [m.contactId]: m },
      replyTo: { ...get().replyTo, [m.contactId]: undefined },
    });
  },
  cancel(contactId) {
    set({
      replyTo: { ...get().replyTo, [contactId]: undefined },
      editing: { ...get().editing, [contactId]: undefined },
    });
  },
  async react(m, emoji) {
    useChats.getState().onMessage(await call('react', m.contactId, m.id, emoji));
  },
  async saveEdit(contactId, text) {
    const m = get().editing[contactId];
    if (!m) return;
    useChats.getState().onMessage(await call('editMessage', contactId, m.id, text));
    get().cancel(contactId);
  },
  async remove(m, forEveryone) {
    useChats.getState().onMessage(await call('deleteMessage', m.contactId, m.id, { forEveryone }));
  },
  jumpTo(contactId, id) {
    set({ jump: { contactId, id } });
  },
  jumped(id) {
    set({ jump: null, highlight: id });
    // The highlight says "here it is", then goes.
    if (id) setTimeout(() => get().highlight === id && set({ highlight: null }), HIGHLIGHT_MS);
  },
}));
