/** The sections, with the unread total on Chats and who I am at the bottom. */
import { useEffect } from 'react';
import { useApp, type Section } from '../stores/appStore.js';
import { useChats } from '../stores/chatStore.js';
import { Avatar } from './Avatar.js';
import { Icon, type IconName } from './Icon.js';
import { Logo } from './Logo.js';

const ITEMS: { section: Section; label: string; icon: IconName }[] = [
  { section: 'chats', label: 'Chats', icon: 'chat' },
  { section: 'contacts', label: 'Contacts', icon: 'people' },
  { section: 'devices', label: 'Devices', icon: 'devices' },
  { section: 'settings', label: 'Settings', icon: 'settings' },
];

export function NavRail() {
  const section = useApp((s) => s.section);
  const profile = useApp((s) => s.profile);
  const unread = useChats((s) => Object.values(s.conversations).reduce((a, c) => a + c.unread, 0));

  useEffect(() => {
    document.title = unread ? `(${unread}) Meow` : 'Meow';
  }, [unread]);

  return (
    <nav className="rail" aria-label="Sections">
      <div className="rail-logo">
        <Logo size={34} />
      </div>
      <ul>
        {ITEMS.map((it, i) => {
          const active = section === it.section || (it.section === 'devices' && section === 'pair');
          return (
            <li key={it.section}>
              <button
                className={active ? 'rail-item active' : 'rail-item'}
                aria-current={active ? 'page' : undefined}
                onClick={() => useApp.getState().go(it.section)}
                title={`${it.label} (Ctrl+${i + 1})`}
                data-testid={`nav-${it.section}`}
              >
                <Icon name={it.icon} />
                <span>{it.label}</span>
                {it.section === 'chats' && unread > 0 && (
                  <span className="badge" aria-label={`${unread} unread`} data-testid="nav-unread">
                    {unread}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
      {profile && (
        <button
          className="rail-me"
          onClick={() => useApp.getState().go('settings')}
          aria-label={`You: ${profile.nickname}, on ${profile.deviceName}`}
          title={`${profile.nickname} — ${profile.deviceName}`}
        >
          <Avatar id={profile.deviceId} name={profile.nickname} size={36} src={profile.avatar} />
        </button>
      )}
    </nav>
  );
}
