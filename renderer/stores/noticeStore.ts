/** Things the person should know (a device was added, sending failed…), shown as dismissable notes. */
import { create } from 'zustand';
import type { NoticeView } from '../../shared/views.js';

/** A notice of the service, or one the app itself has to give (code NO_KEYCHAIN…). */
export interface Notice {
  key: number;
  level: NoticeView['level'];
  code: NoticeView['code'] | 'NO_KEYCHAIN';
  params?: NoticeView['params'];
  text: string;
}

interface NoticeStore {
  notices: Notice[];
  push(n: Omit<Notice, 'key'>): void;
  dismiss(key: number): void;
  /** Drops the notices that no longer hold (e.g. "invite X again" once X was invited again). */
  dismissWhere(stale: (n: Notice) => boolean): void;
}

let next = 1;

export const useNotices = create<NoticeStore>((set, get) => ({
  notices: [],
  push(n) {
    const key = next++;
    // The same notice again replaces the older one.
    set({ notices: [...get().notices.filter((x) => x.text !== n.text), { ...n, key }].slice(-4) });
    if (n.level === 'info') setTimeout(() => get().dismiss(key), 12_000);
  },
  dismiss(key) {
    set({ notices: get().notices.filter((n) => n.key !== key) });
  },
  dismissWhere(stale) {
    set({ notices: get().notices.filter((n) => !stale(n)) });
  },
}));
