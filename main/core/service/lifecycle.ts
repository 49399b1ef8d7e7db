/** The profile itself: create, unlock (with the keychain when remembered), lock, online or not, sync, the relay this computer hosts, my profile and servers. */
import { ServiceError, isServiceError } from '../../../shared/errors.js';
import type { CreateIdentityArgs } from '../../../shared/service.js';
import type {
  AppStateView,
  ConnectionView,
  LocalRelayView,
  ProfileView,
  SyncView,
} from '../../../shared/views.js';
import { defaultDeviceName, IdentityFile } from '../identity/identity.js';
import { DEFAULT_LOG_N } from '../identity/passwordBox.js';
import { Messenger } from '../messenger/messenger.js';
import { searchIndexOf } from '../messenger/searchIndex.js';
import { checkedAvatar } from '../messenger/avatar.js';
import { localRelaySettings, startLocalRelay } from './localRelay.js';
import { profileView } from './views.js';

import type { ServiceSession } from './session.js';
import { hasVisibleCharacter } from '../../../shared/text.js';

export function appState(s: ServiceSession): Promise<AppStateView> {
  return s.guard('appState', async () => {
    await s.resumeLocalRelay();
    await s.refreshRemembered();
    return s.state();
  });
}

export function createIdentity(s: ServiceSession, args: CreateIdentityArgs): Promise<ProfileView> {
  return s.guard('createIdentity', () =>
    s.lifecycle.run('life', async () => {
      if (s.m || IdentityFile.exists(s.opts.profile))
        throw new ServiceError('IDENTITY_EXISTS', { profile: s.opts.profile });
      const nickname = args.nickname.trim();
      if (!hasVisibleCharacter(nickname)) throw new ServiceError('EMPTY_NAME', {});
      s.requirePassword(args.password);
      await s.resumeLocalRelay();
      const m = await Messenger.create(
        s.opts.profile,
        args.password,
        {
          nickname,
          serverUrl: args.serverUrl.trim(),
          deviceName: args.deviceName?.trim() || defaultDeviceName(),
          logN: s.opts.kdfLogN ?? DEFAULT_LOG_N,
        },
        s.messengerOptions(),
      );
      return s.adopt(m);
    }),
  );
}

export function unlock(
  s: ServiceSession,
  args: { password: string; remember?: boolean },
): Promise<ProfileView> {
  return s.guard('unlock', () =>
    s.lifecycle.run('life', async () => {
      if (s.m) {
        // Already open: a remote host proves it knows the password.
        if (!(await s.m.identityFile.verifyPassword(args.password)))
          throw new ServiceError('WRONG_PASSWORD', {});
        await s.applyRemember(s.m, args.remember);
        return profileView(s.m);
      }
      if (!args.password) throw new ServiceError('NO_PASSWORD', {});
      if (!IdentityFile.exists(s.opts.profile))
        throw new ServiceError('NO_IDENTITY', { profile: s.opts.profile });
      await s.resumeLocalRelay();
      const m = await Messenger.open(s.opts.profile, { password: args.password }, s.messengerOptions());
      await s.applyRemember(m, args.remember);
      return s.adopt(m);
    }),
  );
}

export function unlockRemembered(s: ServiceSession): Promise<ProfileView> {
  return s.guard('unlockRemembered', () =>
    s.lifecycle.run('life', async () => {
      if (s.m) return profileView(s.m);
      const key = s.opts.keychain ? await s.opts.keychain.load() : null;
      if (!key) throw new ServiceError('NO_PASSWORD', {});
      await s.resumeLocalRelay();
      let m: Messenger;
      try {
        m = await Messenger.open(s.opts.profile, { key }, s.messengerOptions());
      } catch (e) {
        // A kept key that no longer opens the profile (password changed elsewhere) is dropped.
        if (isServiceError(e) && e.code === 'WRONG_PASSWORD') await s.opts.keychain?.clear();
        throw e;
      }
      return s.adopt(m);
    }),
  );
}

export function lock(s: ServiceSession): Promise<AppStateView> {
  return s.guard('lock', () =>
    s.lifecycle.run('life', async () => {
      const m = s.m;
      if (m) {
        s.online = false;
        s.detach?.();
        s.detach = null;
        s.m = null;
        await m.close();
      }
      const state = s.state();
      s.emit('app:state', state);
      return state;
    }),
  );
}

/** Stops everything: the profile (if open) and the hosted relay (if any). */
export async function close(s: ServiceSession): Promise<void> {
  await lock(s);
  await s.relay?.close();
  s.relay = null;
}

export function setOnline(s: ServiceSession, online: boolean): Promise<AppStateView> {
  return s.guard('setOnline', async () => {
    const m = s.open();
    if (online && !s.online) {
      m.start();
      // A session that stays (the app, `meow run`): search's in-memory index is built now, in
      // the background; a one-shot command builds it only if it searches.
      searchIndexOf(m);
    }
    if (!online && s.online) await m.stop();
    s.online = online;
    const state = s.state();
    s.emit('app:state', state);
    return state;
  });
}

export function sync(s: ServiceSession, opts: { waitMs?: number } = {}): Promise<SyncView> {
  return s.guard('sync', async () => {
    const m = s.open();
    const r = await m.sync({ waitMs: opts.waitMs ?? 0 });
    return { ...r, waiting: m.db.outbox.size() };
  });
}

/** The person pressed "Retry now": the loops leave their back-off and try every server again. */
export function retryConnections(s: ServiceSession): Promise<ConnectionView[]> {
  return s.guard('retryConnections', async () => {
    const m = s.open();
    if (s.online) {
      m.kickPoll();
      m.kickSend();
    }
    return connections(s);
  });
}

export function connections(s: ServiceSession): Promise<ConnectionView[]> {
  return s.guard('connections', async () => {
    const m = s.open();
    return m.identity.servers.map(
      (server) =>
        s.connectionState.get(server.url) ?? {
          server: server.url,
          online: false,
          since: 0,
          error: '',
          transport: '',
        },
    );
  });
}

export function hostLocalRelay(
  s: ServiceSession,
  args: { lan?: boolean; port?: number },
): Promise<LocalRelayView> {
  return s.guard('hostLocalRelay', () =>
    s.lifecycle.run('life', async () => {
      const lan = args.lan ?? false;
      const saved = localRelaySettings(s.opts.profile);
      if (s.relay && s.relay.lan === lan && (args.port === undefined || saved?.port === args.port))
        return { url: s.relay.url, lan };
      await s.relay?.close();
      s.relay = null;
      s.relay = await startLocalRelay(
        s.opts.profile,
        { lan, port: args.port ?? saved?.port ?? 0 },
        s.log,
        s.opts.localRelay,
      );
      s.emit('app:state', s.state());
      return { url: s.relay.url, lan };
    }),
  );
}

export function profile(s: ServiceSession): Promise<ProfileView> {
  return s.guard('profile', async () => profileView(s.open()));
}

export function updateProfile(
  s: ServiceSession,
  change: { nickname?: string; status?: string; avatar?: string },
): Promise<ProfileView> {
  return s.guard('updateProfile', async () => {
    const m = s.open();
    const avatar = change.avatar === undefined ? {} : { avatar: checkedAvatar(change.avatar) };
    await m.updateProfile({ ...change, ...avatar });
    await s.flushSoon(m);
    return profileView(m);
  });
}

export function addServer(s: ServiceSession, url: string): Promise<ProfileView> {
  return s.guard('addServer', async () => {
    const m = s.open();
    await m.addServer(url.trim());
    await s.flushSoon(m);
    return profileView(m);
  });
}
