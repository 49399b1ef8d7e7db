/** Inviting someone: what I call them, then a QR code and a link to give them (single use, expires). */
import { contactsNamed, withDirectionMarks } from '../../shared/text.js';
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import type { InviteView } from '../../shared/views.js';
import { expiresIn } from '../lib/format.js';
import { useContacts } from '../stores/contactStore.js';
import { CopyField } from './CopyField.js';
import { ErrorText } from './ErrorText.js';
import { QrCode } from './QrCode.js';
import { useAction } from './useAction.js';
import { UserText } from './UserText.js';

/** The QR code and link of an invitation, and how to give them. */
export function InviteLink({ invite, name }: { invite: InviteView; name: string }) {
  return (
    <>
      <p>
        Let <UserText text={name} name /> scan this code with Meow, or send them the link through a channel
        you trust. It works once and expires in {expiresIn(invite.expiresAt)}.
      </p>
      <div className="invite-body">
        <QrCode
          text={invite.link}
          size={240}
          label={`Invitation QR code for ${withDirectionMarks(name)}`}
          testId="invite-qr"
        />
        <CopyField value={invite.link} label="Invitation link" testId="invite-link" />
      </div>
    </>
  );
}

/** The code while it waits; once they answered, the code is gone and says they joined. */
function InviteOrJoined({ invite, name }: { invite: InviteView; name: string }) {
  const answered = useContacts((s) => {
    const state = s.contacts[invite.contactId]?.state;
    return state !== undefined && state !== 'invited';
  });
  if (!answered) return <InviteLink invite={invite} name={name} />;
  return (
    <p className="banner ok" role="status" data-testid="invite-joined">
      <UserText text={name} name /> joined: the invitation is used, you can write to each other now.
    </p>
  );
}

export function InvitePanel({ onDone }: { onDone: (contactId?: string) => void }) {
  const [name, setName] = useState('');
  const [invite, setInvite] = useState<InviteView | null>(null);
  const contacts = useContacts((s) => s.contacts);
  const same = contactsNamed(name, Object.values(contacts));
  const create = useAction(async () => setInvite(await useContacts.getState().invite(name.trim())));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };

  if (invite) {
    return (
      <section className="panel" aria-labelledby="invite-title" data-testid="invite-panel">
        <h2 id="invite-title">
          Invitation for <UserText text={name.trim()} name />
        </h2>
        <InviteOrJoined invite={invite} name={name.trim()} />
        <div className="actions">
          <button className="primary" onClick={() => onDone(invite.contactId)} data-testid="invite-done">
            Done
          </button>
        </div>
      </section>
    );
  }
  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="invite-title" data-testid="invite-panel">
      <h2 id="invite-title">Invite someone</h2>
      <label>
        What do you call them?
        <input
          autoFocus
          maxLength={LIMITS.nameChars}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Bob"
          data-testid="invite-name"
          required
        />
        <small className="muted">Only you see this name.</small>
      </label>
      {same.length > 0 && (
        <p className="banner warning" role="alert" data-testid="invite-duplicate">
          You already have a contact named <UserText text={same[0]!.name} name />. If this is the same person,
          you do not need to invite them again: inviting makes a second, separate contact.
        </p>
      )}
      <ErrorText error={create.error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
        <button
          type="submit"
          className="primary"
          disabled={create.busy || !name.trim()}
          data-testid="invite-create"
        >
          {create.busy ? 'Creating…' : same.length ? 'Invite anyway' : 'Create invitation'}
        </button>
      </div>
    </form>
  );
}
