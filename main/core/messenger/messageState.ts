/**
 * The rules of a message's status, as pure functions (the store applies them, tests
 * check them alone). A status only moves forward — pending_forward → pending → sent →
 * delivered → read — and never back (a late "delivered" cannot undo "read"); an
 * inbound message stays "received"; timestamps only ever fill in; a message that
 * leaves pending_forward forgets which device it waited for.
 */

export type MessageState = 'pending_forward' | 'pending' | 'sent' | 'delivered' | 'read' | 'received';

const RANK: Record<MessageState, number> = {
  pending_forward: 0,
  pending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  received: 5,
};

export function isMessageState(s: string): s is MessageState {
  return Object.prototype.hasOwnProperty.call(RANK, s);
}

export interface StatusFields {
  state: MessageState;
  receivedAt: number;
  processedAt: number;
  waitingFor: string;
  waitingSince: number;
}

export interface StatusUpdate {
  state?: MessageState;
  receivedAt?: number;
  processedAt?: number;
  waitingFor?: string;
  waitingSince?: number;
}

/** The status after `update`, or null when nothing changes. */
export function advanceStatus(current: StatusFields, update: StatusUpdate): StatusFields | null {
  let state = current.state;
  if (
    update.state &&
    update.state !== 'received' &&
    state !== 'received' &&
    RANK[update.state] > RANK[state]
  ) {
    state = update.state;
  }
  const receivedAt = current.receivedAt || update.receivedAt || 0;
  const processedAt = current.processedAt || update.processedAt || 0;
  const leftForward = current.state === 'pending_forward' && state !== 'pending_forward';
  const waitingFor = leftForward ? '' : (update.waitingFor ?? current.waitingFor);
  const waitingSince = leftForward ? 0 : (update.waitingSince ?? current.waitingSince);
  const next = { state, receivedAt, processedAt, waitingFor, waitingSince };
  const same = (Object.keys(next) as (keyof StatusFields)[]).every((k) => next[k] === current[k]);
  return same ? null : next;
}

/** Whether a message in `state` may be turned into a forward (it has not left this device yet). */
export function canForward(state: MessageState): boolean {
  return state === 'pending' || state === 'pending_forward';
}

/** The status a receipt reports: read if processed, delivered if received. */
export function receiptState(ack: {
  received?: number | null;
  processed?: number | null;
}): MessageState | undefined {
  return ack.processed ? 'read' : ack.received ? 'delivered' : undefined;
}

/** How a message from another device of mine is shown here: pending_forward only where it was written. */
export function syncedState(state: MessageState): MessageState {
  return state === 'pending_forward' ? 'pending' : state;
}
