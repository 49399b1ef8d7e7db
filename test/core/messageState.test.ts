/** The status rules alone (main/core/messenger/messageState.ts), including every pair of states. */
import { describe, expect, it } from 'vitest';
import {
  advanceStatus,
  canForward,
  isMessageState,
  receiptState,
  syncedState,
  type MessageState,
  type StatusFields,
} from '../../main/core/messenger/messageState.js';

const ORDER: MessageState[] = ['pending_forward', 'pending', 'sent', 'delivered', 'read'];
const at = (state: MessageState, extra: Partial<StatusFields> = {}): StatusFields => ({
  state,
  receivedAt: 0,
  processedAt: 0,
  waitingFor: '',
  waitingSince: 0,
  ...extra,
});

describe('message status rules', () => {
  it('an outbound status only moves forward, whatever order updates arrive in', () => {
    for (const [i, from] of ORDER.entries()) {
      for (const [j, to] of ORDER.entries()) {
        const next = advanceStatus(at(from), { state: to });
        if (j > i) expect(next?.state, `${from} → ${to}`).toBe(to);
        else expect(next, `${from} → ${to} changes nothing`).toBeNull();
      }
    }
  });

  it('"received" is where inbound messages stay, and never what an outbound one becomes', () => {
    for (const s of ORDER) expect(advanceStatus(at('received'), { state: s })).toBeNull();
    for (const s of ORDER) expect(advanceStatus(at(s), { state: 'received' })).toBeNull();
  });

  it('timestamps fill in once and never change after', () => {
    const first = advanceStatus(at('sent'), { state: 'delivered', receivedAt: 10 })!;
    expect(first).toMatchObject({ state: 'delivered', receivedAt: 10 });
    const later = advanceStatus(first, { state: 'read', receivedAt: 99, processedAt: 20 })!;
    expect(later).toMatchObject({ state: 'read', receivedAt: 10, processedAt: 20 });
    expect(advanceStatus(later, { receivedAt: 5, processedAt: 5 })).toBeNull();
  });

  it('leaving pending_forward forgets the device it waited for; waiting keeps its first time', () => {
    const waiting = at('pending_forward', { waitingFor: 'dev', waitingSince: 100 });
    expect(advanceStatus(waiting, { state: 'sent' })).toMatchObject({ waitingFor: '', waitingSince: 0 });
    expect(advanceStatus(waiting, { state: 'pending_forward' })).toBeNull();
  });

  it('receipts, synced copies, forwards', () => {
    expect(receiptState({ received: 1 })).toBe('delivered');
    expect(receiptState({ received: 1, processed: 2 })).toBe('read');
    expect(receiptState({})).toBeUndefined();
    expect(syncedState('pending_forward')).toBe('pending');
    expect(syncedState('read')).toBe('read');
    expect(ORDER.filter(canForward)).toEqual(['pending_forward', 'pending']);
    expect(isMessageState('read')).toBe(true);
    expect(isMessageState('constructor')).toBe(false);
  });
});
