/**
 * My devices: this one and the computers linked to it (hidden from my contacts). Names,
 * last seen, how many contacts each talks to, what waits for it; rename, unlink, take
 * over as primary, link another computer.
 */
import { useMemo, useState } from 'react';
import type { MakePrimaryView } from '../../shared/views.js';
import { useApp } from '../stores/appStore.js';
import { useDevices, visibleDevices } from '../stores/deviceStore.js';
import { DeviceCard } from './DeviceCard.js';
import { ErrorText } from './ErrorText.js';
import { Icon } from './Icon.js';
import { useAction } from './useAction.js';
import './Devices.css';

export function DevicesScreen() {
  const devices = useDevices((s) => s.devices);
  const list = useMemo(() => visibleDevices(devices), [devices]);
  const [asked, setAsked] = useState<MakePrimaryView | null>(null);
  const othersPrimary = list.filter((d) => !d.thisDevice).reduce((a, d) => a + d.primaryFor, 0);
  const primary = useAction(async () => setAsked(await useDevices.getState().makePrimary()));

  return (
    <section className="pane devices" aria-labelledby="devices-title" data-testid="devices-screen">
      <header className="pane-head">
        <h1 id="devices-title">Devices</h1>
        <button className="primary" onClick={() => useApp.getState().go('pair')} data-testid="devices-link">
          <Icon name="plus" size={18} /> Link another computer
        </button>
      </header>
      <p className="muted pane-intro">
        Your chats follow you on all of these. The people you talk to see one of you, whatever the number of
        devices.
      </p>
      <ul className="device-list" data-testid="device-list">
        {list.map((d) => (
          <li key={d.id}>
            <DeviceCard device={d} />
          </li>
        ))}
      </ul>
      {/* (kept once asked: the handover may be done before the answer is read) */}
      {(othersPrimary > 0 || asked) && (
        <div className="panel make-primary">
          <h2>Make this device primary</h2>
          {othersPrimary > 0 && (
            <p>
              Your other devices talk to {othersPrimary} of your contacts for you; this one sends through
              them. If you are retiring one, ask it to hand those contacts over to this device.
            </p>
          )}
          {asked ? (
            <p data-testid="make-primary-result" role="status">
              {othersPrimary === 0
                ? 'Done: this device now talks to all your contacts itself.'
                : `Asked ${asked.devices.join(', ') || 'no device'} to hand over ${asked.contacts} contact${
                    asked.contacts === 1 ? '' : 's'
                  }. It happens when ${asked.devices.length > 1 ? 'they are' : 'it is'} next online.`}
            </p>
          ) : (
            <button
              className="secondary"
              onClick={() => void primary.run()}
              disabled={primary.busy}
              data-testid="make-primary"
            >
              Make this device primary for all contacts
            </button>
          )}
          <ErrorText error={primary.error} />
        </div>
      )}
    </section>
  );
}
