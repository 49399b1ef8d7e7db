/**
 * A reaction, edit or deletion another device of mine made or received ("action" sync), applied
 * here like any copy of it (messenger/actions.ts): stored once by its id, never sent on — the
 * device that made or received it told every sibling itself.
 */
import type { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { applyAction, fromWire } from '../messenger/actions.js';
import type { ReceiveSink } from '../receive/decision.js';
import type { DeviceContext } from './context.js';

export function checkSiblingAction(p: meow.DeviceSyncPayload): void {
  if (!p.peerUid) throw new MeowError('REFUSED', { detail: 'action: no conversation' });
  const a = fromWire(p.peerUid, p.action, !!p.action?.mine);
  if (typeof a === 'string') throw new MeowError('REFUSED', { detail: `action: ${a}` });
}

export function applySiblingAction(ctx: DeviceContext, p: meow.DeviceSyncPayload, sink: ReceiveSink): void {
  const a = fromWire(p.peerUid, p.action, !!p.action?.mine);
  if (typeof a === 'string') return; // refused by check
  // Kept even for a conversation this device does not have yet (its contact may come later).
  applyAction(ctx.core, a, sink.events);
}
