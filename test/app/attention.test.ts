/**
 * The rules of what reaches the person outside the window (tray count, notifications),
 * as the Electron shell and the browser host both follow them.
 */
import { describe, expect, it } from 'vitest';
import { createAttention, NOTIFICATION_BODY_CHARS, unreadLabel } from '../../shared/attention.js';
import type { ContactView, ConversationView, MessageView, PairingView } from '../../shared/views.js';

const contact = (id: string, name: string) => ({ id, name }) as ContactView;
const conversation = (id: string, name: string, unread: number) =>
  ({ contact: contact(id, name), unread }) as ConversationView;
const message = (over: Partial<MessageView> = {}): MessageView =>
  ({
    id: 'm',
    contactId: 'bob',
    outbound: false,
    text: 'hello',
    seen: false,
    synced: false,
    ...over,
  }) as MessageView;

describe('attention', () => {
  it('counts unread over all conversations for the tray', () => {
    const a = createAttention();
    expect(a.total()).toBe(0);
    expect(a.label()).toBe('Meow');
    a.conversation(conversation('bob', 'Bob', 3));
    a.conversation(conversation('carol', 'Carol', 2));
    expect(a.total()).toBe(5);
    expect(a.label()).toBe('Meow — 5 unread');
    a.conversation(conversation('bob', 'Bob', 0)); // read
    expect(a.total()).toBe(2);
    a.appState({ state: 'locked' } as never);
    expect(a.total()).toBe(0); // locked: no count shown
    expect(unreadLabel(1)).toBe('Meow — 1 unread');
  });

  it('notifies a new message from a contact, titled with their name', () => {
    const a = createAttention();
    a.conversation(conversation('bob', 'Bob', 1));
    expect(a.notification(message(), false)).toEqual({ title: 'Bob', body: 'hello', contactId: 'bob' });
    a.contact(contact('bob', 'Bobby'));
    expect(a.notification(message(), false)?.title).toBe('Bobby');
    expect(a.notification(message({ contactId: 'unknown' }), false)?.title).toBe('New message');
  });

  it('a disappearing message is notified without its text (nothing of it stays in the notification centre)', () => {
    const a = createAttention();
    a.conversation(conversation('bob', 'Bob', 1));
    expect(a.notification(message({ text: 'the code is 4711', disappearAfter: 300_000 }), false)).toEqual({
      title: 'Bob',
      body: 'Disappearing message',
      contactId: 'bob',
    });
  });

  it('does not notify what I wrote, what is read, while in front, during history, or when not open', () => {
    const a = createAttention();
    expect(a.notification(message({ outbound: true }), false)).toBeNull();
    expect(a.notification(message({ outbound: true, synced: true }), false)).toBeNull(); // from my other device
    expect(a.notification(message({ seen: true }), false)).toBeNull();
    expect(a.notification(message(), true)).toBeNull();
    a.pairing({ role: 'new', phase: 'syncing' } as PairingView);
    expect(a.notification(message(), false)).toBeNull();
    a.pairing({ role: 'new', phase: 'done' } as PairingView);
    expect(a.notification(message(), false)).not.toBeNull();
    a.appState({ state: 'locked' } as never);
    expect(a.notification(message(), false)).toBeNull();
    a.appState({ state: 'open' } as never);
    expect(a.notification(message(), false)).not.toBeNull();
  });

  it('cuts a long text and shows direction overrides as marks', () => {
    const a = createAttention();
    a.conversation(conversation('bob', '\u202eboB', 1));
    const n = a.notification(message({ text: 'x'.repeat(500) }), false)!;
    expect(n.body).toBe('x'.repeat(NOTIFICATION_BODY_CHARS) + '…');
    expect(n.title).toBe('⟨RLO⟩boB');
    expect(a.notification(message({ text: '\u202efdp.exe' }), false)!.body).toBe('⟨RLO⟩fdp.exe');
  });
});
