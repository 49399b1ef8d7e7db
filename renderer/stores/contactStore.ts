/** Contacts: the list, invitations, accepting, and changes (rename, block, receipts). */
import { create } from 'zustand';
import type { ContactChange } from '../../shared/service.js';
import type { ContactView, InviteView } from '../../shared/views.js';
import { call } from '../bridge.js';

export type ContactPanel = 'detail' | 'invite' | 'accept';

interface ContactStore {
  contacts: Record<string, ContactView>;
  selected: string | null;
  /** What the right-hand side of the Contacts screen shows. */
  panel: ContactPanel;
  show(panel: ContactPanel): void;
  load(): Promise<void>;
  select(id: string | null): void;
  invite(name: string): Promise<InviteView>;
  accept(link: string, name?: string): Promise<ContactView>;
  update(id: string, change: ContactChange): Promise<void>;
  onContact(c: ContactView): void;
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
  async accept(link, name) {
    const c = await call('acceptInvite', name ? { link, name } : { link });
    get().onContact(c);
    return c;
  },
  async update(id, change) {
    get().onContact(await call('updateContact', id, change));
  },
  onContact(c) {
    set({ contacts: { ...get().contacts, [c.id]: c } });
  },
}));

export function sortedContacts(all: Record<string, ContactView>): ContactView[] {
  return Object.values(all).sort((a, b) => a.name.localeCompare(b.name));
}
