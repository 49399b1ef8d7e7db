/** The picture viewer: which picture of which conversation is open (null: closed). */
import { create } from 'zustand';

export interface ViewerStore {
  open: { contactId: string; messageId: string; index: number } | null;
  show(contactId: string, messageId: string, index: number): void;
  close(): void;
}

export const useViewer = create<ViewerStore>((set) => ({
  open: null,
  show: (contactId, messageId, index) => set({ open: { contactId, messageId, index } }),
  close: () => set({ open: null }),
}));
