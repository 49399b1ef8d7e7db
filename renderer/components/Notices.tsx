/** Notes from the service (a device was added, this device was unlinked, sending failed…). */
import { useNotices } from '../stores/noticeStore.js';
import { DeviceAddedActions } from './DeviceAddedActions.js';
import { Icon } from './Icon.js';

export function Notices() {
  const notices = useNotices((s) => s.notices);
  return (
    <div className="notices" role="status" aria-live="polite" data-testid="notices">
      {notices.map((n) => (
        <div key={n.key} className={`notice ${n.level}`} data-testid={`notice-${n.code}`}>
          <span>{n.text}</span>
          {n.code === 'DEVICE_ADDED' && <DeviceAddedActions notice={n} />}
          <button
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => useNotices.getState().dismiss(n.key)}
          >
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
