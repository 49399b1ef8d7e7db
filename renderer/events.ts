/** Every service event, routed into the store of its domain. Returns the unsubscribe. */
import type { Unsubscribe } from '../shared/service.js';
import { on } from './bridge.js';
import { useApp } from './stores/appStore.js';
import { useChats } from './stores/chatStore.js';
import { useContacts } from './stores/contactStore.js';
import { useDevices } from './stores/deviceStore.js';
import { useFiles } from './stores/fileStore.js';
import { useGroups } from './stores/groupStore.js';
import { useNotices } from './stores/noticeStore.js';
import { usePairing } from './stores/pairingStore.js';
import { useTyping } from './stores/typingStore.js';

export function wireEvents(): Unsubscribe {
  const offs = [
    on('message:stored', (m) => {
      useChats.getState().onMessage(m);
      if (!m.outbound) useTyping.getState().stop(m.contactId); // their message ends the dots
    }),
    on('contact:typing', ({ contactId }) => useTyping.getState().onTyping(contactId)),
    on('message:status', (m) => useChats.getState().onMessage(m)),
    on('messages:bulk', ({ contactId }) => useChats.getState().reload(contactId)),
    on('conversation:changed', (c) => useChats.getState().onConversation(c)),
    on('contact:changed', (c) => {
      useContacts.getState().onContact(c);
      const chats = useChats.getState();
      // a new contact: its conversation joins the list
      if (!chats.conversations[c.id] && chats.loaded) void chats.load().catch(() => undefined);
      // which device talks to whom ("talks to N contacts for you") follows the contacts
      const devices = useDevices.getState();
      if (Object.keys(devices.devices).length) void devices.load().catch(() => undefined);
    }),
    on('contact:removed', ({ contactId }) => {
      useContacts.getState().onRemoved(contactId);
      useChats.getState().onRemoved(contactId);
    }),
    on('device:changed', (d) => useDevices.getState().onDevice(d)),
    on('profile:changed', (p) => useApp.getState().setProfile(p)),
    on('pairing:progress', (p) => usePairing.getState().onProgress(p)),
    on('connection', (c) => useApp.getState().setConnection(c)),
    on('notice', (n) => {
      useNotices.getState().push(n);
      if (n.code === 'THIS_DEVICE_UNLINKED')
        void useApp
          .getState()
          .refreshProfile()
          .catch(() => undefined);
      if (n.code === 'DEVICE_ADDED' || n.code === 'DEVICE_UNLINKED') {
        void useDevices
          .getState()
          .load()
          .catch(() => undefined);
      }
    }),
    on('app:state', (s) => useApp.getState().setState(s)),
    on('file:progress', (p) => useFiles.getState().onProgress(p)),
    on(
      'group:changed',
      ({ groupId }) =>
        void useGroups
          .getState()
          .onChanged(groupId)
          .catch(() => undefined),
    ),
  ];
  return () => offs.forEach((off) => off());
}
