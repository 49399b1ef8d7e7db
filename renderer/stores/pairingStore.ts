/** The pairing wizard, on either side: the current pairing as the service reports it. */
import { create } from 'zustand';
import type { PairNewArgs } from '../../shared/service.js';
import type { PairingView } from '../../shared/views.js';
import { call } from '../bridge.js';

interface PairingStore {
  current: PairingView | null;
  /** Pairing ids this screen started or answered (events of others are ignored). */
  mine: string[];
  /** The person has left the new device's "done" screen. */
  finished: boolean;
  finish(): void;
  pairNew(args: PairNewArgs): Promise<PairingView>;
  accept(link: string): Promise<PairingView>;
  confirm(): Promise<void>;
  refuse(): Promise<void>;
  /** Picks up a pairing already under way (after a restart). */
  resume(role: PairingView['role']): Promise<boolean>;
  reset(): void;
  onProgress(p: PairingView): void;
}

const ACTIVE = new Set(['waiting', 'code', 'syncing']);

export const usePairing = create<PairingStore>((set, get) => ({
  current: null,
  mine: [],
  finished: false,
  finish() {
    set({ finished: true, current: null });
  },
  async pairNew(args) {
    const p = await call('pairNew', args);
    set({ current: p, mine: [...get().mine, p.id], finished: false });
    return p;
  },
  async accept(link) {
    const p = await call('pairAccept', { link });
    set({ current: p, mine: [...get().mine, p.id] });
    return p;
  },
  async confirm() {
    const p = get().current;
    if (p) set({ current: await call('pairConfirm', p.id) });
  },
  async refuse() {
    const p = get().current;
    if (p) set({ current: await call('pairRefuse', p.id) });
  },
  async resume(role) {
    const all = await call('pairings');
    const p = all.filter((x) => x.role === role && ACTIVE.has(x.phase)).pop();
    if (p) set({ current: p, mine: [...get().mine, p.id], finished: false });
    return Boolean(p);
  },
  reset() {
    set({ current: null });
  },
  onProgress(p) {
    const cur = get().current;
    if (!get().mine.includes(p.id)) return;
    // Events can overtake the answer of a call: never step back.
    if (cur && cur.id === p.id && rank(p) < rank(cur)) return;
    set({ current: p });
  },
}));

const ORDER = ['waiting', 'code', 'syncing', 'done', 'refused', 'expired'];
function rank(p: PairingView): number {
  return ORDER.indexOf(p.phase) * 1e9 + (p.confirmed ? 1e8 : 0) + (p.otherConfirmed ? 1e7 : 0) + p.done;
}
