/** A contact: rename, receipts, block, verify; who they are and which of my devices talks to them. */
import { withDirectionMarks } from '../../shared/text.js';
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import type { ContactChange } from '../../shared/service.js';
import type { ContactView } from '../../shared/views.js';
import { expiresIn } from '../lib/format.js';
import { useApp } from '../stores/appStore.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { Avatar } from './Avatar.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DeleteContact } from './DeleteContact.js';
import { ErrorText } from './ErrorText.js';
import { PendingInvitation } from './PendingInvitation.js';
import { Icon } from './Icon.js';
import { VerifiedBadge } from './VerifiedBadge.js';
import { useAction } from './useAction.js';
import { UserText } from './UserText.js';

const STATE: Record<ContactView['state'], string> = {
  invited: 'Invitation given, not answered yet',
  answered: 'Connected (you accepted their invitation)',
  active: 'Connected',
};

export function ContactDetail({ contact: c }: { contact: ContactView }) {
  const [name, setName] = useState(c.name);
  const [confirmBlock, setConfirmBlock] = useState(false);
  const change = useAction((ch: ContactChange) => useContacts.getState().update(c.id, ch));
  const rename = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() && name.trim() !== c.name) void change.run({ name: name.trim() });
  };
  const openChat = () => {
    useChats.getState().select(c.id);
    useApp.getState().go('chats');
  };

  return (
    <section className="panel contact-detail" aria-labelledby="contact-title" data-testid="contact-detail">
      <header className="contact-head">
        <Avatar id={c.id} name={c.name} size={64} src={c.avatar} />
        <div>
          <h2 id="contact-title" className="contact-title">
            <span data-testid="contact-name">
              <UserText text={c.name} name />
            </span>
            {c.verified && <VerifiedBadge name={c.name} size={20} />}
          </h2>
          {c.theirName && c.theirName !== c.name && (
            <p className="muted" data-testid="contact-their-name">
              Calls themselves “{c.theirName}”
            </p>
          )}
          {c.status && <p data-testid="contact-status">{c.status}</p>}
        </div>
        {c.state !== 'invited' && !c.blocked && (
          <button className="primary" onClick={openChat} data-testid="contact-message">
            Send a message
          </button>
        )}
      </header>

      <dl className="facts">
        <dt>State</dt>
        <dd>
          {STATE[c.state]}
          {c.state === 'invited' &&
            c.invitationExpiresAt > 0 &&
            ` (the invitation expires in ${expiresIn(c.invitationExpiresAt)})`}
        </dd>
        <dt>Talks through</dt>
        <dd>{c.primaryDevice ? `${c.primaryDevice.name} (your other device)` : 'This device'}</dd>
        <dt>Safety number</dt>
        <dd className="verify-fact">
          <span data-testid="contact-verified" data-verified={c.verified}>
            {c.verified ? 'Verified: you compared your safety numbers.' : 'Not verified yet.'}
          </span>
          <button
            className="secondary small-button"
            onClick={() => useContacts.getState().openVerify(c.id)}
            data-testid="contact-verify"
          >
            <Icon name="verified" size={16} /> {c.verified ? 'Show' : 'Verify'}
          </button>
        </dd>
        <dt>Since</dt>
        <dd>{new Date(c.createdAt).toLocaleDateString()}</dd>
      </dl>
      {c.state === 'invited' && <PendingInvitation contact={c} />}

      <form className="inline-form" onSubmit={rename}>
        <label>
          Name
          <input
            maxLength={LIMITS.nameChars}
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="contact-rename"
          />
        </label>
        <button
          type="submit"
          className="secondary"
          disabled={!name.trim() || name.trim() === c.name || change.busy}
        >
          Rename
        </button>
      </form>

      <fieldset className="toggles">
        <legend>Privacy</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={c.deliveryReceipts}
            onChange={(e) => void change.run({ deliveryReceipts: e.target.checked })}
          />
          <span>
            Tell <UserText text={c.name} name /> when their messages reach me
          </span>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={c.readReceipts}
            onChange={(e) => void change.run({ readReceipts: e.target.checked })}
          />
          <span>
            Tell <UserText text={c.name} name /> when I have read their messages
          </span>
        </label>
      </fieldset>

      <div className="actions start">
        {c.blocked ? (
          <button
            className="secondary"
            onClick={() => void change.run({ blocked: false })}
            data-testid="contact-unblock"
          >
            Unblock
          </button>
        ) : (
          <button
            className="danger"
            onClick={() => setConfirmBlock(true)}
            aria-label={`Block ${withDirectionMarks(c.name)}`}
            data-testid="contact-block"
          >
            Block
          </button>
        )}
        <DeleteContact contact={c} />
      </div>
      <ErrorText error={change.error} />
      {confirmBlock && (
        <ConfirmDialog
          open
          title={`Block ${withDirectionMarks(c.name)}?`}
          confirmLabel="Block"
          danger
          onCancel={() => setConfirmBlock(false)}
          onConfirm={() => {
            setConfirmBlock(false);
            void change.run({ blocked: true });
          }}
        >
          You will not get their messages, and cannot write to them, until you unblock them. They are not
          told.
        </ConfirmDialog>
      )}
    </section>
  );
}
