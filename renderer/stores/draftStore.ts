/**
 * What the person is writing, per conversation, outside the composer: it survives the
 * composer going away (another screen, the password screen after a host restart).
 */
import { create } from 'zustand';

interface DraftStore {
  drafts: Record<string, string>;
  set(contactId: string, text: string): void;
}

export const useDrafts = create<DraftStore>((set, get) => ({
  drafts: {},
  set(contactId, text) {
    const drafts = { ...get().drafts };
    if (text) drafts[contactId] = text;
    else delete drafts[contactId];
    set({ drafts });
  },
}));
