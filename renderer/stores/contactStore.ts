/** Contacts: the list, invitations, accepting, changes (rename, block, receipts), verification. */
import { create } from 'zustand';
import type { ContactChange } from '../../shared/service.js';
import type { ContactView, InviteView, SafetyView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useNotices } from './noticeStore.js';

/** 'verify': the selected contact's safety number. */
export type ContactPanel = 'detail' | 'invite' | 'accept' | 'verify';

interface ContactStore {
  contacts: Record<string, ContactView>;
  selected: string | null;
  /** What the right-hand side of the Contacts screen shows. */
  panel: ContactPanel;
  show(panel: ContactPanel): void;
  load(): Promise<void>;
  select(id: string | null): void;
  invite(name: string): Promise<InviteView>;
  /** A new invitation for a contact lost with an unlinked device; the conversation is kept. */
  reinvite(id: string): Promise<InviteView>;
  /** The invitations made by `reinvite`, shown in the conversation until answered. */
  reinvites: Record<string, InviteView>;
  accept(link: string, name?: string): Promise<ContactView>;
  update(id: string, change: ContactChange): Promise<void>;
  /** Shows a contact's safety number (Contacts screen, verify panel). */
  openVerify(id: string): void;
  safety(id: string): Promise<SafetyView>;
  /** `scanned`: what their QR code (or the digits they read) says; refused when it is not this number. */
  verify(id: string, verified: boolean, scanned?: string): Promise<void>;
  onContact(c: ContactView): void;
  /** A contact gone from this device (an invitation cancelled): from the list, and from view. */
  onRemoved(id: string): void;
  /** Many at once (the conversation list as loaded). */
  onContacts(list: ContactView[]): void;
}

export const useContacts = create<ContactStore>((set, get) => ({
  contacts: {},
  selected: null,
  panel: 'detail',
  show(panel) {
    set({ panel });
  },
  async load() {
    const list = await call('contacts');
    set({ contacts: Object.fromEntries(list.map((c) => [c.id, c])) });
  },
  select(selected) {
    set({ selected, panel: 'detail' });
  },
  async invite(name) {
    const view = await call('invite', { name });
    await get().load();
    return view;
  },
  reinvites: {},
  async reinvite(id) {
    const view = await call('reinvite', id);
    set({ reinvites: { ...get().reinvites, [id]: view } });
    // "invite X again" is done: its notice no longer asks anything of the person
    const name = get().contacts[id]?.name;
    useNotices
      .getState()
      .dismissWhere((n) => n.code === 'CONTACT_ORPHANED' && n.params?.['contact'] === name);
    await get().load();
    return view;
  },
  async accept(link, name) {
    const c = await call('acceptInvite', name ? { link, name } : { link });
    get().onContact(c);
    return c;
  },
  async update(id, change) {
    get().onContact(await call('updateContact', id, change));
  },
  openVerify(selected) {
    set({ selected, panel: 'verify' });
  },
  safety(id) {
    return call('contactSafety', id);
  },
  async verify(id, verified, scanned) {
    get().onContact(
      await call('verifyContact', id, scanned === undefined ? { verified } : { verified, scanned }),
    );
  },
  onContact(c) {
    set({ contacts: { ...get().contacts, [c.id]: c } });
  },
  onRemoved(id) {
    const { [id]: _gone, ...rest } = get().contacts;
    set({ contacts: rest, ...(get().selected === id ? { selected: null } : {}) });
  },
  onContacts(list) {
    set({ contacts: { ...get().contacts, ...Object.fromEntries(list.map((c) => [c.id, c])) } });
  },
}));

export function sortedContacts(all: Record<string, ContactView>): ContactView[] {
  return Object.values(all).sort((a, b) => a.name.localeCompare(b.name));
}
