/** The groups under the conversations, and "New group": a name and contacts to add. */
import { useEffect, useState } from 'react';
import { messageOf } from '../bridge.js';
import { useContacts } from '../stores/contactStore.js';
import { useGroups } from '../stores/groupStore.js';
import { ErrorText } from './ErrorText.js';
import './Groups.css';

export function GroupList() {
  const groups = useGroups((s) => s.groups);
  const open = useGroups((s) => s.open);
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    void useGroups
      .getState()
      .load()
      .catch(() => undefined);
  }, []);
  const list = Object.values(groups).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section className="group-list" aria-label="Groups" data-testid="group-list">
      <header className="pane-head">
        <h2>Groups</h2>
        <button className="link-button" onClick={() => setCreating(!creating)} data-testid="new-group">
          {creating ? 'Cancel' : 'New group'}
        </button>
      </header>
      {creating && <NewGroupForm onDone={() => setCreating(false)} />}
      <ul className="chat-list">
        {list.map((g) => (
          <li key={g.id} className="chat-row">
            <button
              className={g.id === open ? 'chat-item active' : 'chat-item'}
              onClick={() => void useGroups.getState().openGroup(g.id)}
              data-testid="group-item"
            >
              <span className="chat-item-body">
                <span className="chat-item-name">{g.name}</span>
                <span className="chat-item-preview muted small">
                  {g.member ? `${g.members.length} members` : 'you are no longer a member'}
                </span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewGroupForm({ onDone }: { onDone: () => void }) {
  const contacts = useContacts((s) => s.contacts);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState('');
  const ready = Object.values(contacts).filter((c) => !c.blocked && c.state !== 'invited');
  const toggle = (id: string) =>
    setChosen(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  const submit = async () => {
    setError('');
    try {
      await useGroups.getState().create(name, chosen);
      onDone();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <form
      className="new-group"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="new-group-form"
    >
      <input
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="Group name"
        aria-label="Group name"
        maxLength={64}
        data-testid="new-group-name"
      />
      <fieldset>
        <legend className="small muted">Members (your contacts)</legend>
        {ready.map((c) => (
          <label key={c.id} className="small">
            <input type="checkbox" checked={chosen.includes(c.id)} onChange={() => toggle(c.id)} /> {c.name}
          </label>
        ))}
      </fieldset>
      <ErrorText error={error} testId="new-group-error" />
      <button className="primary" type="submit" disabled={!name.trim()} data-testid="new-group-create">
        Create group
      </button>
    </form>
  );
}
