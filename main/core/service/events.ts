/** The messenger's events, as the views hosts see (shared/service.ts ServiceEvents). */
import { notice } from '../../../shared/notices.js';
import type { ConnectionView } from '../../../shared/views.js';
import type { MessengerEvents } from '../events.js';
import type { Messenger } from '../messenger/messenger.js';
import { contactView, deviceView, deviceViews, messageView, pairingView, profileView } from './views.js';

import { autoDownload } from './filesApi.js';
import type { ServiceSession } from './session.js';

/** Turns the messenger's internal events into views. */
export function attachEvents(s: ServiceSession, m: Messenger): () => void {
  const on = <K extends keyof MessengerEvents>(event: K, fn: (...args: MessengerEvents[K]) => void) => {
    const guarded = (...args: MessengerEvents[K]) => {
      try {
        fn(...args);
      } catch (e) {
        s.log.warn('could not turn an event into a view', { event, error: String(e) });
      }
    };
    m.on(event, guarded);
    return () => void m.off(event, guarded);
  };
  const conversationOf = (peerUid: string) => {
    const p = m.peers.get(peerUid);
    if (p?.type === 'contact' && p.visible) s.emit('conversation:changed', s.conversation(m, p));
  };
  const offs = [
    on('group', (groupId) => s.emit('group:changed', { groupId })),
    on('message', (stored) => {
      if (m.db.groups.has(stored.peerUid)) return s.emit('group:changed', { groupId: stored.peerUid });
      s.emit('message:stored', messageView(m, stored));
      conversationOf(stored.peerUid);
      if (stored.files.length) autoDownload(s, m, stored);
    }),
    on('status', (stored) => {
      if (m.db.groups.has(stored.peerUid)) return s.emit('group:changed', { groupId: stored.peerUid });
      s.emit('message:status', messageView(m, stored));
      conversationOf(stored.peerUid);
    }),
    on('messages', ({ peerUid, stored, changed }) => {
      const p = m.peers.get(peerUid);
      if (p?.type !== 'contact' || !p.visible) return;
      s.emit('messages:bulk', { contactId: peerUid, count: stored.length + changed.length });
      conversationOf(peerUid);
    }),
    on('contact', (uid) => {
      const p = m.peers.get(uid);
      if (p?.type === 'contact' && p.visible) {
        s.emit('contact:changed', contactView(m, p));
        conversationOf(uid);
      } else if (!p && !m.devices.get(uid)) s.emit('contact:removed', { contactId: uid });
    }),
    on('device', (uid) => {
      if (uid === m.identity.uid) {
        // this device itself (renamed from another one, say)
        const me = deviceViews(m).find((v) => v.thisDevice);
        if (me) s.emit('device:changed', me);
        return;
      }
      const d = m.devices.get(uid);
      const view = d && deviceView(m, d);
      if (view) s.emit('device:changed', view);
      const pv = d && pairingView(m, d);
      if (pv) s.emit('pairing:progress', pv);
    }),
    on('profile', () => s.emit('profile:changed', profileView(m))),
    on('pairing', (d) => {
      const pv = pairingView(m, d);
      if (pv) s.emit('pairing:progress', pv);
    }),
    on('sent', ({ channel, peerUid }) => {
      if (channel !== 'device') return;
      const d = m.devices.get(peerUid);
      if (d?.pairing?.role === 'existing' && d.pairing.phase === 'syncing') {
        const pv = pairingView(m, d);
        if (pv) s.emit('pairing:progress', pv);
      }
    }),
    on('connection', (c) => {
      const before = s.connectionState.get(c.server);
      const view: ConnectionView = {
        server: c.server,
        online: c.online,
        since: before && before.online === c.online ? before.since : c.since,
        error: c.error ?? '',
        transport: c.transport ?? before?.transport ?? '',
      };
      s.connectionState.set(c.server, view);
      if (
        !before ||
        before.online !== view.online ||
        before.error !== view.error ||
        before.transport !== view.transport
      )
        s.emit('connection', view);
    }),
    on('notice', (n) => s.emit('notice', notice(n.code, n.params))),
    on('typing', (uid) => {
      const p = m.peers.get(uid);
      if (p?.type === 'contact' && p.visible && !p.blocked) s.emit('contact:typing', { contactId: uid });
    }),
  ];
  return () => offs.forEach((off) => off());
}
