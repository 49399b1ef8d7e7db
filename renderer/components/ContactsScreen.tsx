/** Contacts: the list, and beside it a contact, an invitation to give, or one to accept. */
import { useMemo } from 'react';
import { sortedContacts, useContacts, type ContactPanel } from '../stores/contactStore.js';
import { AcceptPanel } from './AcceptPanel.js';
import { Avatar } from './Avatar.js';
import { ContactDetail } from './ContactDetail.js';
import { Icon } from './Icon.js';
import { InvitePanel } from './InvitePanel.js';
import { VerifiedBadge } from './VerifiedBadge.js';
import { VerifyPanel } from './VerifyPanel.js';
import './Contacts.css';
import { UserText } from './UserText.js';

const STATE: Record<string, string> = { invited: 'invited', answered: '', active: '' };

export function ContactsScreen() {
  const contacts = useContacts((s) => s.contacts);
  const selected = useContacts((s) => s.selected);
  const mode = useContacts((s) => s.panel);
  const setMode = (panel: ContactPanel) => useContacts.getState().show(panel);
  const list = useMemo(() => sortedContacts(contacts), [contacts]);
  const current = selected ? contacts[selected] : undefined;

  const pick = (id: string) => useContacts.getState().select(id);

  return (
    <div className="split">
      <aside className="list-pane" aria-label="Contacts">
        <header className="pane-head">
          <h1>Contacts</h1>
        </header>
        <div className="list-actions">
          <button className="primary" onClick={() => setMode('invite')} data-testid="contacts-invite">
            <Icon name="plus" size={18} /> Invite someone
          </button>
          <button className="secondary" onClick={() => setMode('accept')} data-testid="contacts-accept">
            <Icon name="qr" size={18} /> Accept an invitation
          </button>
        </div>
        {list.length === 0 ? (
          <p className="list-empty muted">No contacts yet: invite someone, or accept their invitation.</p>
        ) : (
          <ul className="contact-list" data-testid="contact-list">
            {list.map((c) => (
              <li key={c.id}>
                <button
                  className={
                    (mode === 'detail' || mode === 'verify') && c.id === selected
                      ? 'contact-item active'
                      : 'contact-item'
                  }
                  onClick={() => pick(c.id)}
                  data-testid="contact-item"
                  data-contact={c.name}
                >
                  <Avatar id={c.id} name={c.name} size={34} src={c.avatar} />
                  <span className="contact-item-name">
                    <UserText text={c.name} name />
                  </span>
                  {c.verified && <VerifiedBadge name={c.name} />}
                  {c.blocked && <span className="tag danger">blocked</span>}
                  {STATE[c.state] && <span className="tag">{STATE[c.state]}</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <div className="detail-pane">
        {mode === 'invite' && <InvitePanel onDone={(id) => (id ? pick(id) : setMode('detail'))} />}
        {mode === 'accept' && <AcceptPanel onDone={(id) => (id ? pick(id) : setMode('detail'))} />}
        {mode === 'verify' && current && <VerifyPanel key={current.id} contact={current} />}
        {(mode === 'detail' || (mode === 'verify' && !current)) &&
          (current ? (
            <ContactDetail key={current.id} contact={current} />
          ) : (
            <div className="empty-pane">
              <p>
                Meow has no phone book: you connect with someone by giving them an invitation, or accepting
                theirs.
              </p>
            </div>
          ))}
      </div>
    </div>
  );
}
