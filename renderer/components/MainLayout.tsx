/** The app once open: the navigation rail and the section the person chose. */
import { useEffect, useRef } from 'react';
import { useApp, type Section } from '../stores/appStore.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { useDevices } from '../stores/deviceStore.js';
import { ChatsScreen } from './ChatsScreen.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { ContactsScreen } from './ContactsScreen.js';
import { DevicesScreen } from './DevicesScreen.js';
import { NavRail } from './NavRail.js';
import { Notices } from './Notices.js';
import { PairExisting } from './PairExisting.js';
import { SettingsScreen } from './SettingsScreen.js';
import './Layout.css';

const KEYS: Record<string, Section> = { '1': 'chats', '2': 'contacts', '3': 'devices', '4': 'settings' };
const NAMES: Record<Section, string> = {
  chats: 'Chats',
  contacts: 'Contacts',
  devices: 'Devices',
  settings: 'Settings',
  pair: 'Link another computer',
};

export function MainLayout() {
  const section = useApp((s) => s.section);
  const main = useRef<HTMLElement>(null);

  // A new section (a shortcut, the app opening): focus goes to it, unless something in it
  // took focus already (a composer) — never left on the page itself.
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || !main.current?.contains(active)) main.current?.focus();
  }, [section]);

  useEffect(() => {
    void useChats.getState().load();
    void useContacts.getState().load();
    void useDevices.getState().load();
  }, []);

  // Ctrl/Cmd + 1…4 switch sections from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = KEYS[e.key];
      if (target && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
        e.preventDefault();
        useApp.getState().go(target);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="shell">
      <NavRail />
      <main
        ref={main}
        className="content"
        tabIndex={-1}
        aria-label={NAMES[section]}
        data-testid={`section-${section}`}
      >
        <ConnectionBanner />
        {section === 'chats' && <ChatsScreen />}
        {section === 'contacts' && <ContactsScreen />}
        {section === 'devices' && <DevicesScreen />}
        {section === 'pair' && <PairExisting />}
        {section === 'settings' && <SettingsScreen />}
      </main>
      <Notices />
    </div>
  );
}
