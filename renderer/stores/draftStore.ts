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
    // '' is kept: an emptied box must not fall back to the draft saved before it was emptied.
    drafts[contactId] = text;
    set({ drafts });
  },
}));
