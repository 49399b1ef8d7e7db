/** Groups (docs/groups.md): the list, the open group, its messages, and what the person does in it. */
import { create } from 'zustand';
import type { GroupMessageView, GroupView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useChats } from './chatStore.js';

interface GroupStore {
  groups: Record<string, GroupView>;
  messages: Record<string, GroupMessageView[]>;
  open: string | null;
  load(): Promise<void>;
  openGroup(id: string | null): Promise<void>;
  onChanged(id: string): Promise<void>;
  create(name: string, members: string[]): Promise<GroupView>;
  send(id: string, text: string): Promise<void>;
  remove(id: string, member: string): Promise<void>;
  leave(id: string): Promise<void>;
}

export const useGroups = create<GroupStore>((set, get) => ({
  groups: {},
  messages: {},
  open: null,
  async load() {
    const list = await call('groups');
    set({ groups: Object.fromEntries(list.map((g) => [g.id, g])) });
  },
  async openGroup(id) {
    set({ open: id });
    if (!id) return;
    // One pane shows one conversation: a contact's or a group's.
    if (useChats.getState().open) useChats.setState({ open: null });
    await get().onChanged(id);
  },
  async onChanged(id) {
    const g = await call('groupInfo', id);
    set({ groups: { ...get().groups, [id]: g } });
    if (get().open === id) {
      const messages = await call('groupMessages', id, { limit: 200 });
      set({ messages: { ...get().messages, [id]: messages } });
    }
  },
  async create(name, members) {
    const g = await call('createGroup', { name, members });
    set({ groups: { ...get().groups, [g.id]: g } });
    await get().openGroup(g.id);
    return g;
  },
  async send(id, text) {
    await call('sendGroup', id, text);
    await get().onChanged(id);
  },
  async remove(id, member) {
    set({ groups: { ...get().groups, [id]: await call('removeGroupMember', id, member) } });
  },
  async leave(id) {
    set({ groups: { ...get().groups, [id]: await call('leaveGroup', id) } });
  },
}));

// Opening a contact's conversation closes the group.
useChats.subscribe((s) => {
  if (s.open && useGroups.getState().open) useGroups.setState({ open: null });
});

/** How a membership change reads: "Alice added Carol". */
export function historyLine(h: GroupView['history'][number]): string {
  switch (h.op) {
    case 'create':
      return `${h.actor} created the group`;
    case 'leave':
      return `${h.actor} left`;
    case 'add':
      return `${h.actor} added ${h.member}`;
    case 'remove':
      return `${h.actor} removed ${h.member}`;
    case 'promote':
      return `${h.actor} made ${h.member} an admin`;
    case 'demote':
      return `${h.actor} made ${h.member} no longer an admin`;
    case 'rename':
      return `${h.actor} renamed the group`;
    default:
      return `${h.actor} changed the group link`;
  }
}
