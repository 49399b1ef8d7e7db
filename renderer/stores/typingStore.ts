/**
 * Typing indicators: who is typing now (shown as dots for a few seconds after each "typing"
 * the service announces; their message, when it comes, ends it), and telling the service that
 * I type — at most every few seconds (the service limits it again; nothing is stored).
 */
import { create } from 'zustand';
import { call } from '../bridge.js';

/** Dots stay this long after the last "typing" (the contact's side sends one every 4 s while typing). */
export const SHOWN_MS = 6_000;
/** My keystrokes reach the service at most this often. */
const TELL_EVERY_MS = 3_000;

interface TypingStore {
  /** Per contact: until when they show as typing. */
  until: Record<string, number>;
  onTyping(contactId: string): void;
  /** Their message came (or the time ran out): no more dots. */
  stop(contactId: string): void;
}

const timers = new Map<string, ReturnType<typeof setTimeout>>();

export const useTyping = create<TypingStore>((set, get) => ({
  until: {},
  onTyping(contactId) {
    clearTimeout(timers.get(contactId));
    timers.set(
      contactId,
      setTimeout(() => get().stop(contactId), SHOWN_MS),
    );
    set({ until: { ...get().until, [contactId]: Date.now() + SHOWN_MS } });
  },
  stop(contactId) {
    clearTimeout(timers.get(contactId));
    timers.delete(contactId);
    if (!(contactId in get().until)) return;
    const { [contactId]: _gone, ...rest } = get().until;
    set({ until: rest });
  },
}));

const told = new Map<string, number>();

/** A keystroke in the composer: the contact learns I am typing (throttled; failures are not the person's concern). */
export function typed(contactId: string, text: string): void {
  if (!text.trim()) return;
  const now = Date.now();
  if (now - (told.get(contactId) ?? 0) < TELL_EVERY_MS) return;
  told.set(contactId, now);
  void call('typing', contactId).catch(() => undefined);
}

/** Sent: the next keystroke tells again at once. */
export function sentTo(contactId: string): void {
  told.delete(contactId);
}
