/**
 * What reaches the person outside the window, as plain decisions: the unread total (the
 * tray's and the badge's), and which stored message makes a notification, with what text.
 * The Electron shell (main/app/attention.ts: tray, Notification) and the browser host's
 * page (renderer/notify.ts: the Web Notifications API) both follow these.
 *
 * Notified: a new message from a contact, while the window is not in front. Never: what I
 * wrote (here or on another of my devices), a message already read, history arriving on a
 * new device, anything while the profile is not open.
 */
import type { AppStateView, ContactView, ConversationView, MessageView, PairingView } from './views.js';
import { withDirectionMarks } from './text.js';

/** The longest body a notification shows (the rest is in the app). */
export const NOTIFICATION_BODY_CHARS = 200;

export interface NotificationText {
  title: string;
  body: string;
  /** The conversation a click opens. */
  contactId: string;
}

export interface Attention {
  conversation(c: ConversationView): void;
  contact(c: ContactView): void;
  pairing(p: PairingView): void;
  appState(s: AppStateView): void;
  /** The notification for a stored message, or null; `inFront`: the window is shown and focused. */
  notification(m: MessageView, inFront: boolean): NotificationText | null;
  /** Unread messages over all conversations (the tray count, the badge). */
  total(): number;
  /** The tray's tooltip. */
  label(): string;
}

/** "Meow", or "Meow — 3 unread". */
export function unreadLabel(total: number): string {
  return total === 0 ? 'Meow' : `Meow — ${total} unread`;
}

export function createAttention(): Attention {
  const unread = new Map<string, number>();
  const names = new Map<string, string>();
  /** Muted conversations, until when: no notification for them. */
  const muted = new Map<string, number>();
  let open = true;
  let syncingHistory = false;
  const total = () => [...unread.values()].reduce((a, b) => a + b, 0);
  return {
    conversation(c) {
      unread.set(c.contact.id, c.unread);
      names.set(c.contact.id, c.contact.name);
      muted.set(c.contact.id, c.mutedUntil);
    },
    contact(c) {
      names.set(c.id, c.name);
    },
    pairing(p) {
      // While a new device receives its history, stored messages are old news.
      syncingHistory = p.role === 'new' && p.phase === 'syncing';
    },
    appState(s) {
      open = s.state === 'open';
      if (!open) unread.clear();
    },
    notification(m, inFront) {
      if (!open || m.outbound || m.seen || syncingHistory || inFront) return null;
      if ((muted.get(m.contactId) ?? 0) > Date.now()) return null;
      // A disappearing message's text is never left behind in the system's notification centre.
      const text = m.disappearAfter
        ? 'Disappearing message'
        : m.text.length > NOTIFICATION_BODY_CHARS
          ? `${m.text.slice(0, NOTIFICATION_BODY_CHARS)}…`
          : m.text;
      return {
        // Direction overrides shown as marks, as in the app: a name cannot reorder the text.
        title: withDirectionMarks(names.get(m.contactId) ?? 'New message'),
        body: withDirectionMarks(text),
        contactId: m.contactId,
      };
    },
    total,
    label: () => unreadLabel(total()),
  };
}
