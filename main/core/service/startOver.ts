/**
 * "Start over on this computer": a computer that was unlinked (its keys dropped, nothing
 * reaches it any more) or that is still waiting to be linked to my other computer (nothing
 * on it yet) empties its profile folder and comes back to the first screen, so the person
 * can create an identity or link it anew without looking for a folder by hand. Refused for
 * any other profile: that would destroy someone's contacts and history. Kept: the browser
 * host's session file (the open tab stays signed in) and a relay this computer hosts.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../../../shared/errors.js';
import type { AppStateView } from '../../../shared/views.js';
import type { ServiceSession } from './session.js';

/** What survives starting over: not the profile's, the host's. */
const KEPT = new Set(['web-host.json', 'relay']);

export function startOver(s: ServiceSession): Promise<AppStateView> {
  return s.guard('startOver', () =>
    s.lifecycle.run('life', async () => {
      const m = s.m;
      if (!m) throw new ServiceError('NOT_OPEN', {});
      if (!m.identity.unlinked && !m.identity.pairingPending)
        throw new ServiceError('START_OVER_REFUSED', {});
      if (m.identity.pairingPending) {
        // The other computer is told this one gave up, when it can be (best effort: it expires anyway).
        for (const d of m.devices.all()) {
          if (d.pairing?.role === 'new') await m.pairing.refuseOnNewDevice(d.uid).catch(() => undefined);
        }
      }
      s.online = false;
      s.detach?.();
      s.detach = null;
      s.m = null;
      await m.close();
      for (const entry of readdirSync(s.opts.profile)) {
        if (!KEPT.has(entry)) rmSync(join(s.opts.profile, entry), { recursive: true, force: true });
      }
      const state = s.state();
      s.emit('app:state', state);
      return state;
    }),
  );
}
