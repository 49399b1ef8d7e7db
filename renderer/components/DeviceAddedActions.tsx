/**
 * "This wasn't me" on the notice of a new device: one click unlinks it — it is told, every
 * other device of mine drops it, and every channel it could have read rotates its keys
 * (main/core/devices/unlink.ts).
 */
import { useState } from 'react';
import { call } from '../bridge.js';
import { useNotices, type Notice } from '../stores/noticeStore.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function DeviceAddedActions({ notice }: { notice: Notice }) {
  const deviceId = notice.params?.['deviceId'];
  const [done, setDone] = useState(false);
  const unlink = useAction(async () => {
    // Forced: a device I did not link may already have taken over a contact.
    await call('unlinkDevice', String(deviceId), { force: true });
    setDone(true);
  });
  if (!deviceId) return null;
  if (done)
    return (
      <span className="muted small" data-testid="device-added-unlinked">
        Unlinked; your keys were changed.{' '}
        <button className="link-button" onClick={() => useNotices.getState().dismiss(notice.key)}>
          OK
        </button>
      </span>
    );
  return (
    <>
      <button
        className="danger"
        onClick={() => void unlink.run()}
        disabled={unlink.busy}
        data-testid="device-added-not-me"
      >
        This wasn’t me
      </button>
      <ErrorText error={unlink.error} testId="device-added-error" />
    </>
  );
}
