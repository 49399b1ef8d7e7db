/** One device: name (renameable), state, last seen, contacts it talks to, messages waiting for it; unlink. */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import type { DeviceView } from '../../shared/views.js';
import { codeOf } from '../bridge.js';
import { ago, plural } from '../lib/format.js';
import { useDevices } from '../stores/deviceStore.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorText } from './ErrorText.js';
import { Icon } from './Icon.js';
import { useAction } from './useAction.js';
import { useNow } from './useNow.js';
import { UserText } from './UserText.js';

export function DeviceCard({ device: d }: { device: DeviceView }) {
  const now = useNow(30_000);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(d.name);
  const [confirm, setConfirm] = useState<'no' | 'yes' | 'force'>('no');
  const rename = useAction(async () => {
    await useDevices.getState().rename(d.id, name.trim());
    setEditing(false);
  });
  const unlink = useAction(async (force: boolean) => {
    try {
      await useDevices.getState().unlink(d.id, force);
      setConfirm('no');
    } catch (e) {
      // Still the primary for contacts: say what it costs, and offer to unlink anyway.
      if (codeOf(e) === 'DEVICE_IS_PRIMARY') setConfirm('force');
      throw e;
    }
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) void rename.run();
  };

  return (
    <article className="device-card" data-testid="device" data-device={d.name} data-state={d.state}>
      <div className="device-icon" aria-hidden="true">
        <Icon name="devices" size={28} />
      </div>
      <div className="device-body">
        {editing ? (
          <form className="inline-form" onSubmit={submit}>
            <input
              autoFocus
              aria-label="Device name"
              maxLength={LIMITS.nameChars}
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
              data-testid="device-rename-input"
            />
            <button type="submit" className="primary" disabled={rename.busy || !name.trim()}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <h2 className="device-name">
            <span data-testid="device-name">
              <UserText text={d.name} name />
            </span>
            {d.thisDevice && <span className="tag accent">this device</span>}
            {d.state === 'pairing' && <span className="tag">pairing</span>}
            {d.primaryFor > 0 && (
              <span className="tag accent" data-testid="device-primary-tag">
                primary
              </span>
            )}
          </h2>
        )}
        <ul className="device-facts">
          <li data-testid="device-last-seen">
            {d.thisDevice ? 'Online now' : `Last seen ${ago(d.lastSeen, now)}`}
          </li>
          <li data-testid="device-primary-for">
            {d.primaryFor
              ? `Primary device for ${plural(d.primaryFor, 'contact')}: it talks to them for all your devices`
              : 'Not primary for any contact: another of your devices talks to them'}
          </li>
          {d.handingOver > 0 && (
            <li data-testid="device-handing-over">
              Taking over {plural(d.handingOver, 'contact')} from this computer — waiting for it to confirm
            </li>
          )}
          {d.waitingForwards > 0 && (
            <li className="warning-text" data-testid="device-waiting">
              {plural(d.waitingForwards, 'message')} from your other devices wait for it
            </li>
          )}
        </ul>
        <ErrorText error={rename.error} />
      </div>
      <div className="device-actions">
        {!editing && (
          <button
            className="secondary"
            onClick={() => {
              setName(d.name);
              setEditing(true);
            }}
            aria-label={`Rename ${d.name}`}
            data-testid="device-rename"
          >
            Rename
          </button>
        )}
        {!d.thisDevice && (
          <button
            className="danger"
            onClick={() => setConfirm('yes')}
            aria-label={`Unlink ${d.name}`}
            data-testid="device-unlink"
          >
            Unlink
          </button>
        )}
      </div>
      {confirm !== 'no' && (
        <ConfirmDialog
          open
          title={`Unlink ${d.name}?`}
          confirmLabel={confirm === 'force' ? 'Unlink anyway' : 'Unlink'}
          danger
          busy={unlink.busy}
          onCancel={() => {
            setConfirm('no');
            unlink.setError(null);
          }}
          onConfirm={() => void unlink.run(confirm === 'force')}
          testId="unlink-dialog"
        >
          <p>
            <UserText text={d.name} name /> will be told, its keys are dropped, and nothing more reaches it.
            To use it again, you will have to link it anew.
          </p>
          {d.primaryFor > 0 && (
            <p className="warning-text">
              It talks to {plural(d.primaryFor, 'contact')} for you. Make this device primary first, or you
              will have to invite them again to go on talking to them.
            </p>
          )}
          <ErrorText error={unlink.error} testId="unlink-error" />
        </ConfirmDialog>
      )}
    </article>
  );
}
