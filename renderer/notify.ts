/**
 * The browser host's notifications: the same decisions as the Electron shell's
 * (shared/attention.ts), shown with the Web Notifications API. Only under the browser host
 * (Electron's main process notifies itself). Permission is asked once, at the person's first
 * click in the page (browsers ask only on a gesture); a click on a notification opens its chat.
 */
import { createAttention } from '../shared/attention.js';
import type { Unsubscribe } from '../shared/service.js';
import { on } from './bridge.js';
import { useApp } from './stores/appStore.js';
import { useChats } from './stores/chatStore.js';
import { useContacts } from './stores/contactStore.js';

const inFront = () => document.visibilityState === 'visible' && document.hasFocus();

export function wireNotifications(): Unsubscribe {
  if (!window.meow?.host || !('Notification' in window)) return () => undefined;
  const attention = createAttention();
  const ask = () => {
    if (Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
  };
  document.addEventListener('pointerdown', ask, { once: true });
  const offs = [
    on('conversation:changed', (c) => attention.conversation(c)),
    on('contact:changed', (c) => attention.contact(c)),
    on('pairing:progress', (p) => attention.pairing(p)),
    on('app:state', (s) => attention.appState(s)),
    on('message:stored', (m) => {
      const known = useContacts.getState().contacts[m.contactId];
      if (known) attention.contact(known);
      const text = attention.notification(m, inFront());
      if (!text || Notification.permission !== 'granted') return;
      const n = new Notification(text.title, { body: text.body, tag: `meow-${text.contactId}` });
      n.onclick = () => {
        window.focus();
        useApp.getState().go('chats');
        useChats.getState().select(text.contactId);
        n.close();
      };
    }),
  ];
  return () => {
    document.removeEventListener('pointerdown', ask);
    offs.forEach((off) => off());
  };
}
