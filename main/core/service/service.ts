/**
 * CoreService: MeowService (shared/service.ts) over the messenger core of one profile
 * folder. Hosts get ids in, views and events out, and ServiceErrors; the Messenger and
 * its records stay behind this class. Rules every host needs live here: refusing to
 * unlink a device that is still primary, unread counts, sending right after a change,
 * pairing progress as events.
 *
 * @example
 *   const service = createService({ profile: '/home/me/.meow' });
 *   await service.unlock({ password });
 *   await service.setOnline(true);
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { ServiceError, isServiceError } from '../../../shared/errors.js';
import { notice } from '../../../shared/notices.js';
import { LIMITS } from '../../../shared/schemas.js';
import type {
  ContactChange,
  CreateIdentityArgs,
  MeowService,
  PairNewArgs,
  ServiceEventName,
  ServiceEvents,
  Unsubscribe,
} from '../../../shared/service.js';
import type {
  AppStateView,
  ConnectionView,
  ContactView,
  ConversationView,
  DeviceView,
  InviteView,
  LocalRelayView,
  MakePrimaryView,
  MessageView,
  PairingView,
  ProfileView,
  SafetyView,
  SyncView,
} from '../../../shared/views.js';
import { netRelays } from '../../net/relayFactory.js';
import { IdentityFile } from '../identity/identity.js';
import { DEFAULT_LOG_N } from '../identity/passwordBox.js';
import { createLogger, type Logger } from '../log.js';
import type { MessengerEvents } from '../events.js';
import { KeyedMutex } from '../locks.js';
import { Messenger } from '../messenger/messenger.js';
import type { Peer } from '../peers/peer.js';
import { contactSafetyNumber, isVerified, matchesSafety, safetyQr } from '../peers/safetyNumber.js';
import type { RelayFactory } from '../relay.js';
import type { Keychain } from './keychain.js';
import {
  localRelaySettings,
  startLocalRelay,
  type LocalRelay,
  type LocalRelayStarter,
} from './localRelay.js';
import {
  contactView,
  conversationView,
  deviceIdOf,
  deviceView,
  deviceViews,
  messageView,
  pairingView,
  pairingViews,
  parseCursor,
  profileView,
} from './views.js';

export interface ServiceOptions {
  /** The profile folder (one device). */
  profile: string;
  relays?: RelayFactory;
  log?: Logger;
  /** scrypt cost (log2 N) for new profiles; tests lower it. */
  kdfLogN?: number;
  pollTimeoutMs?: number;
  /** The OS keychain for remember-me, when the host has one. */
  keychain?: Keychain;
  /** Hosting a relay in this process ("host a relay on this computer"), when the host can. */
  localRelay?: LocalRelayStarter;
}

/** How long a command waits for what it queued to leave (the rest goes with the send loop). */
const SEND_WAIT_MS = 10_000;
const DEFAULT_PAGE = 50;

export type { LocalRelayStarter } from './localRelay.js';
export type LocalService = MeowService & { close(): Promise<void> };

export function createService(opts: ServiceOptions): LocalService {
  return new CoreService(opts);
}

export class CoreService implements MeowService {
  private m: Messenger | null = null;
  private online = false;
  private relay: LocalRelay | null = null;
  private readonly emitter = new EventEmitter();
  private readonly lifecycle = new KeyedMutex();
  private readonly connectionState = new Map<string, ConnectionView>();
  private readonly relays: RelayFactory;
  private readonly log: Logger;
  private detach: (() => void) | null = null;

  constructor(private readonly opts: ServiceOptions) {
    this.relays = opts.relays ?? netRelays;
    this.log = opts.log ?? createLogger();
    this.emitter.setMaxListeners(0);
  }

  // ------------------------------------------------------------------ events

  on<K extends ServiceEventName>(event: K, listener: (payload: ServiceEvents[K]) => void): Unsubscribe {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  private emit<K extends ServiceEventName>(event: K, payload: ServiceEvents[K]): void {
    // A listener that throws must not break the core's own work.
    for (const l of this.emitter.listeners(event)) {
      try {
        (l as (p: ServiceEvents[K]) => void)(payload);
      } catch (e) {
        this.log.warn('an event listener failed', { event, error: String(e) });
      }
    }
  }

  /** Turns the messenger's internal events into views. */
  private attach(m: Messenger): () => void {
    const on = <K extends keyof MessengerEvents>(event: K, fn: (...args: MessengerEvents[K]) => void) => {
      const guarded = (...args: MessengerEvents[K]) => {
        try {
          fn(...args);
        } catch (e) {
          this.log.warn('could not turn an event into a view', { event, error: String(e) });
        }
      };
      m.on(event, guarded);
      return () => void m.off(event, guarded);
    };
    const conversationOf = (peerUid: string) => {
      const p = m.peers.get(peerUid);
      if (p?.type === 'contact' && p.visible) this.emit('conversation:changed', this.conversation(m, p));
    };
    const offs = [
      on('message', (s) => {
        this.emit('message:stored', messageView(m, s));
        conversationOf(s.peerUid);
      }),
      on('status', (s) => {
        this.emit('message:status', messageView(m, s));
        conversationOf(s.peerUid);
      }),
      on('contact', (uid) => {
        const p = m.peers.get(uid);
        if (p?.type === 'contact' && p.visible) {
          this.emit('contact:changed', contactView(m, p));
          conversationOf(uid);
        }
      }),
      on('device', (uid) => {
        if (uid === m.identity.uid) {
          // this device itself (renamed from another one, say)
          const me = deviceViews(m).find((v) => v.thisDevice);
          if (me) this.emit('device:changed', me);
          return;
        }
        const d = m.devices.get(uid);
        const view = d && deviceView(m, d);
        if (view) this.emit('device:changed', view);
        const pv = d && pairingView(m, d);
        if (pv) this.emit('pairing:progress', pv);
      }),
      on('profile', () => this.emit('profile:changed', profileView(m))),
      on('pairing', (d) => {
        const pv = pairingView(m, d);
        if (pv) this.emit('pairing:progress', pv);
      }),
      on('sent', ({ channel, peerUid }) => {
        if (channel !== 'device') return;
        const d = m.devices.get(peerUid);
        if (d?.pairing?.role === 'existing' && d.pairing.phase === 'syncing') {
          const pv = pairingView(m, d);
          if (pv) this.emit('pairing:progress', pv);
        }
      }),
      on('connection', (c) => {
        const before = this.connectionState.get(c.server);
        const view: ConnectionView = {
          server: c.server,
          online: c.online,
          since: before && before.online === c.online ? before.since : c.since,
          error: c.error ?? '',
        };
        this.connectionState.set(c.server, view);
        if (!before || before.online !== view.online || before.error !== view.error)
          this.emit('connection', view);
      }),
      on('notice', (n) => this.emit('notice', notice(n.code, n.params))),
    ];
    return () => offs.forEach((off) => off());
  }

  // ------------------------------------------------------------------ helpers

  private open(): Messenger {
    if (!this.m) throw new ServiceError('NOT_OPEN', {});
    return this.m;
  }

  /** Runs a public method: known errors pass through; anything else becomes INTERNAL (and is logged). */
  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isServiceError(e)) throw e;
      this.log.error('service call failed', { call: what, error: (e as Error)?.stack ?? String(e) });
      throw new ServiceError('INTERNAL', { detail: (e as Error)?.message ?? String(e) }, { cause: e });
    }
  }

  /** Sends what a command just queued, now; the send loop keeps retrying whatever cannot go yet. */
  private async flushSoon(m: Messenger): Promise<void> {
    const flush = m.flushOutbox().catch((e: unknown) => {
      this.log.warn('could not send now', { error: String(e) });
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flush, new Promise<void>((r) => (timer = setTimeout(r, SEND_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private contact(m: Messenger, contactId: string): Peer {
    const p = m.peers.get(contactId);
    if (!p || p.type !== 'contact' || !p.visible)
      throw new ServiceError('UNKNOWN_CONTACT', { contact: contactId });
    return p;
  }

  private conversation(m: Messenger, p: Peer): ConversationView {
    const s = m.db.messages.summary(p.uid);
    return conversationView(m, p, s);
  }

  private pairingOf(m: Messenger, pairingId: string): Peer {
    const d = m.devices.get(pairingId);
    if (!d?.pairing || !d.invitationId) throw new ServiceError('PAIRING_UNKNOWN', { pairing: pairingId });
    return d;
  }

  private requirePassword(password: string): void {
    if (password.length < LIMITS.minPasswordChars)
      throw new ServiceError('WEAK_PASSWORD', { min: LIMITS.minPasswordChars });
  }

  private messengerOptions() {
    return { relays: this.relays, log: this.log, pollTimeoutMs: this.opts.pollTimeoutMs };
  }

  /** Takes a freshly opened messenger as this service's profile. */
  private adopt(m: Messenger): ProfileView {
    this.m = m;
    this.detach = this.attach(m);
    this.emit('app:state', this.state());
    for (const n of m.openNotices.splice(0)) this.emit('notice', notice(n.code, n.params));
    return profileView(m);
  }

  private state(): AppStateView {
    return {
      state: this.m ? 'open' : IdentityFile.exists(this.opts.profile) ? 'locked' : 'new',
      profile: this.opts.profile,
      online: this.online,
      remembered: this.remembered,
      keychain: !!this.opts.keychain,
      localRelay: this.relay ? { url: this.relay.url, lan: this.relay.lan } : null,
    };
  }
  private remembered = false;

  /** Keeps (true) or forgets (false) the password-derived key in the OS keychain; undefined: leaves it. */
  private async applyRemember(m: Messenger, remember: boolean | undefined): Promise<void> {
    if (!this.opts.keychain || remember === undefined) return;
    if (remember) await this.opts.keychain.save(m.identityFile.unlockKey);
    else await this.opts.keychain.clear();
    await this.refreshRemembered();
    this.emit('app:state', this.state());
  }

  private async refreshRemembered(): Promise<void> {
    this.remembered = this.opts.keychain ? (await this.opts.keychain.load()) !== null : false;
  }

  /** Brings the profile's hosted relay back, if it has one (before anything talks to it). */
  private async resumeLocalRelay(): Promise<void> {
    if (this.relay) return;
    const settings = localRelaySettings(this.opts.profile);
    if (settings)
      this.relay = await startLocalRelay(this.opts.profile, settings, this.log, this.opts.localRelay);
  }

  // ------------------------------------------------------------------ the profile itself

  appState(): Promise<AppStateView> {
    return this.guard('appState', async () => {
      await this.resumeLocalRelay();
      await this.refreshRemembered();
      return this.state();
    });
  }

  createIdentity(args: CreateIdentityArgs): Promise<ProfileView> {
    return this.guard('createIdentity', () =>
      this.lifecycle.run('life', async () => {
        if (this.m || IdentityFile.exists(this.opts.profile))
          throw new ServiceError('IDENTITY_EXISTS', { profile: this.opts.profile });
        const nickname = args.nickname.trim();
        if (!nickname) throw new ServiceError('EMPTY_NAME', {});
        this.requirePassword(args.password);
        await this.resumeLocalRelay();
        const m = await Messenger.create(
          this.opts.profile,
          args.password,
          {
            nickname,
            serverUrl: args.serverUrl.trim(),
            deviceName: args.deviceName?.trim() || defaultDeviceName(),
            logN: this.opts.kdfLogN ?? DEFAULT_LOG_N,
          },
          this.messengerOptions(),
        );
        return this.adopt(m);
      }),
    );
  }

  unlock(args: { password: string; remember?: boolean }): Promise<ProfileView> {
    return this.guard('unlock', () =>
      this.lifecycle.run('life', async () => {
        if (this.m) {
          // Already open: a remote host proves it knows the password.
          if (!(await this.m.identityFile.verifyPassword(args.password)))
            throw new ServiceError('WRONG_PASSWORD', {});
          await this.applyRemember(this.m, args.remember);
          return profileView(this.m);
        }
        if (!args.password) throw new ServiceError('NO_PASSWORD', {});
        if (!IdentityFile.exists(this.opts.profile))
          throw new ServiceError('NO_IDENTITY', { profile: this.opts.profile });
        await this.resumeLocalRelay();
        const m = await Messenger.open(
          this.opts.profile,
          { password: args.password },
          this.messengerOptions(),
        );
        await this.applyRemember(m, args.remember);
        return this.adopt(m);
      }),
    );
  }

  unlockRemembered(): Promise<ProfileView> {
    return this.guard('unlockRemembered', () =>
      this.lifecycle.run('life', async () => {
        if (this.m) return profileView(this.m);
        const key = this.opts.keychain ? await this.opts.keychain.load() : null;
        if (!key) throw new ServiceError('NO_PASSWORD', {});
        await this.resumeLocalRelay();
        let m: Messenger;
        try {
          m = await Messenger.open(this.opts.profile, { key }, this.messengerOptions());
        } catch (e) {
          // A kept key that no longer opens the profile (password changed elsewhere) is dropped.
          if (isServiceError(e) && e.code === 'WRONG_PASSWORD') await this.opts.keychain?.clear();
          throw e;
        }
        return this.adopt(m);
      }),
    );
  }

  lock(): Promise<AppStateView> {
    return this.guard('lock', () =>
      this.lifecycle.run('life', async () => {
        const m = this.m;
        if (m) {
          this.online = false;
          this.detach?.();
          this.detach = null;
          this.m = null;
          await m.close();
        }
        const state = this.state();
        this.emit('app:state', state);
        return state;
      }),
    );
  }

  /** Stops everything: the profile (if open) and the hosted relay (if any). */
  async close(): Promise<void> {
    await this.lock();
    await this.relay?.close();
    this.relay = null;
  }

  setOnline(online: boolean): Promise<AppStateView> {
    return this.guard('setOnline', async () => {
      const m = this.open();
      if (online && !this.online) m.start();
      if (!online && this.online) await m.stop();
      this.online = online;
      const state = this.state();
      this.emit('app:state', state);
      return state;
    });
  }

  sync(opts: { waitMs?: number } = {}): Promise<SyncView> {
    return this.guard('sync', async () => {
      const m = this.open();
      const r = await m.sync({ waitMs: opts.waitMs ?? 0 });
      return { ...r, waiting: m.db.outbox.size() };
    });
  }

  connections(): Promise<ConnectionView[]> {
    return this.guard('connections', async () => {
      const m = this.open();
      return m.identity.servers.map(
        (s) => this.connectionState.get(s.url) ?? { server: s.url, online: false, since: 0, error: '' },
      );
    });
  }

  hostLocalRelay(args: { lan?: boolean; port?: number }): Promise<LocalRelayView> {
    return this.guard('hostLocalRelay', () =>
      this.lifecycle.run('life', async () => {
        const lan = args.lan ?? false;
        const saved = localRelaySettings(this.opts.profile);
        if (this.relay && this.relay.lan === lan && (args.port === undefined || saved?.port === args.port))
          return { url: this.relay.url, lan };
        await this.relay?.close();
        this.relay = null;
        this.relay = await startLocalRelay(
          this.opts.profile,
          { lan, port: args.port ?? saved?.port ?? 0 },
          this.log,
          this.opts.localRelay,
        );
        this.emit('app:state', this.state());
        return { url: this.relay.url, lan };
      }),
    );
  }

  profile(): Promise<ProfileView> {
    return this.guard('profile', async () => profileView(this.open()));
  }

  updateProfile(change: { nickname?: string; status?: string }): Promise<ProfileView> {
    return this.guard('updateProfile', async () => {
      const m = this.open();
      await m.updateProfile(change);
      await this.flushSoon(m);
      return profileView(m);
    });
  }

  addServer(url: string): Promise<ProfileView> {
    return this.guard('addServer', async () => {
      const m = this.open();
      await m.addServer(url.trim());
      await this.flushSoon(m);
      return profileView(m);
    });
  }

  // ------------------------------------------------------------------ contacts

  contacts(): Promise<ContactView[]> {
    return this.guard('contacts', async () => {
      const m = this.open();
      return m.contacts().map((p) => contactView(m, p));
    });
  }

  invite(args: { name: string; long?: boolean }): Promise<InviteView> {
    return this.guard('invite', async () => {
      const m = this.open();
      const { link, peer } = await m.invite(args.name, { long: args.long });
      return { link, contactId: peer.uid, expiresAt: peer.invitationExpiresAt };
    });
  }

  reinvite(contactId: string, opts: { long?: boolean } = {}): Promise<InviteView> {
    return this.guard('reinvite', async () => {
      const m = this.open();
      this.contact(m, contactId);
      const { link, peer } = await m.reinvite(contactId, opts);
      return { link, contactId: peer.uid, expiresAt: peer.invitationExpiresAt };
    });
  }

  acceptInvite(args: { link: string; name?: string }): Promise<ContactView> {
    return this.guard('acceptInvite', async () => {
      const m = this.open();
      const peer = await m.accept(args.link, args.name ?? '');
      await this.flushSoon(m); // the answer goes now if the relay is there
      return contactView(m, m.peers.get(peer.uid) ?? peer);
    });
  }

  updateContact(contactId: string, change: ContactChange): Promise<ContactView> {
    return this.guard('updateContact', async () => {
      const m = this.open();
      this.contact(m, contactId);
      if (change.name !== undefined && !change.name.trim()) throw new ServiceError('EMPTY_NAME', {});
      const defined = Object.fromEntries(
        Object.entries({
          name: change.name?.trim(),
          blocked: change.blocked,
          sendDeliveryAck: change.deliveryReceipts,
          sendProcessingAck: change.readReceipts,
        }).filter(([, v]) => v !== undefined),
      );
      const next = Object.keys(defined).length
        ? await m.updateContact(contactId, defined)
        : this.contact(m, contactId);
      await this.flushSoon(m); // my other devices learn the change
      return contactView(m, next);
    });
  }

  contactSafety(contactId: string): Promise<SafetyView> {
    return this.guard('contactSafety', async () => {
      const m = this.open();
      const p = this.contact(m, contactId);
      const number = contactSafetyNumber(p);
      if (!number) throw new ServiceError('CONTACT_NOT_READY', { contact: p.name });
      return { contactId, number, qr: safetyQr(number), verified: isVerified(p) };
    });
  }

  verifyContact(contactId: string, args: { verified: boolean; scanned?: string }): Promise<ContactView> {
    return this.guard('verifyContact', async () => {
      const m = this.open();
      const p = this.contact(m, contactId);
      const number = contactSafetyNumber(p);
      if (!number) throw new ServiceError('CONTACT_NOT_READY', { contact: p.name });
      if (args.verified && args.scanned !== undefined && !matchesSafety(number, args.scanned))
        throw new ServiceError('SAFETY_MISMATCH', { contact: p.name });
      const next = await m.setVerified(contactId, args.verified);
      await this.flushSoon(m); // my other devices learn it
      return contactView(m, next);
    });
  }

  // ------------------------------------------------------------------ conversations

  conversations(): Promise<ConversationView[]> {
    return this.guard('conversations', async () => {
      const m = this.open();
      const summaries = new Map(m.db.messages.summaries().map((s) => [s.peerUid, s]));
      return m
        .contacts()
        .map((p) => conversationView(m, p, summaries.get(p.uid)))
        .sort(
          (a, b) =>
            (b.lastMessage?.sentAt ?? b.contact.createdAt) - (a.lastMessage?.sentAt ?? a.contact.createdAt),
        );
    });
  }

  messages(contactId: string, opts: { before?: string; limit?: number } = {}): Promise<MessageView[]> {
    return this.guard('messages', async () => {
      const m = this.open();
      this.contact(m, contactId);
      const before = parseCursor(opts.before);
      if (opts.before !== undefined && !before)
        throw new ServiceError('BAD_INPUT', { field: 'before', reason: 'not a message cursor' });
      return m.db.messages.page(contactId, before, opts.limit ?? DEFAULT_PAGE).map((s) => messageView(m, s));
    });
  }

  send(contactId: string, text: string): Promise<MessageView> {
    return this.guard('send', async () => {
      const m = this.open();
      this.contact(m, contactId);
      const stored = await m.send(contactId, text);
      await this.flushSoon(m);
      return messageView(m, m.db.messages.get(contactId, stored.uuid) ?? stored);
    });
  }

  markRead(contactId: string): Promise<number> {
    return this.guard('markRead', async () => {
      const m = this.open();
      const p = this.contact(m, contactId);
      const n = await m.markRead(contactId);
      if (n) {
        this.emit('conversation:changed', this.conversation(m, p));
        await this.flushSoon(m); // read receipts and my other devices
      }
      return n;
    });
  }

  retryMessage(contactId: string, messageId: string): Promise<MessageView> {
    return this.guard('retryMessage', async () => {
      const m = this.open();
      this.contact(m, contactId);
      if (!m.db.messages.get(contactId, messageId))
        throw new ServiceError('UNKNOWN_MESSAGE', { message: messageId });
      if (m.db.outbox.retryFailed(messageId)) {
        m.kickSend();
        await this.flushSoon(m);
      }
      return messageView(m, m.db.messages.get(contactId, messageId)!);
    });
  }

  // ------------------------------------------------------------------ devices

  devices(): Promise<DeviceView[]> {
    return this.guard('devices', async () => deviceViews(this.open()));
  }

  /** A linked device of mine by its device id (this device is THIS_DEVICE). */
  private device(m: Messenger, deviceId: string): Peer {
    if (deviceId === m.identity.uid) throw new ServiceError('THIS_DEVICE', { device: m.identity.deviceName });
    const d = m.devices.all().find((x) => !x.unlinked && deviceIdOf(x) === deviceId);
    if (!d) throw new ServiceError('UNKNOWN_DEVICE', { device: deviceId });
    return d;
  }

  renameDevice(deviceId: string, name: string): Promise<DeviceView> {
    return this.guard('renameDevice', async () => {
      const m = this.open();
      const clean = name.trim();
      if (!clean) throw new ServiceError('EMPTY_NAME', {});
      const target = deviceId === m.identity.uid ? null : this.device(m, deviceId);
      await m.deviceSync.renameDevice(target ? target.deviceId : m.identity.uid, clean);
      await this.flushSoon(m);
      return deviceViews(m).find((v) => v.id === deviceId)!;
    });
  }

  unlinkDevice(deviceId: string, opts: { force?: boolean } = {}): Promise<DeviceView> {
    return this.guard('unlinkDevice', async () => {
      const m = this.open();
      const d = this.device(m, deviceId);
      const primaryFor = m.peers
        .all()
        .filter((c) => c.type === 'contact' && c.primaryDeviceUid === d.uid).length;
      if (primaryFor > 0 && !opts.force)
        throw new ServiceError('DEVICE_IS_PRIMARY', { device: d.name, contacts: primaryFor });
      await m.deviceSync.unlink(d.uid);
      await this.flushSoon(m);
      const view: DeviceView = deviceViews(m).find((v) => v.id === deviceId) ?? {
        id: deviceId,
        name: d.name,
        thisDevice: false,
        state: 'unlinked',
        lastSeen: d.lastActivityAt,
        primaryFor: 0,
        waitingForwards: 0,
      };
      this.emit('device:changed', view);
      return view;
    });
  }

  makePrimary(opts: { contactId?: string } = {}): Promise<MakePrimaryView> {
    return this.guard('makePrimary', async () => {
      const m = this.open();
      if (opts.contactId) this.contact(m, opts.contactId);
      const r = await m.deviceSync.requestPrimary(opts.contactId);
      await this.flushSoon(m);
      return r;
    });
  }

  // ------------------------------------------------------------------ pairing

  pairNew(args: PairNewArgs): Promise<PairingView> {
    return this.guard('pairNew', async () => {
      await this.lifecycle.run('life', async () => {
        if (this.m) {
          if (!this.m.identity.pairingPending)
            throw new ServiceError('PAIRING_HAS_IDENTITY', { profile: this.opts.profile });
          return;
        }
        if (IdentityFile.exists(this.opts.profile)) throw new ServiceError('NOT_OPEN', {});
        const password = args.password ?? '';
        if (!password) throw new ServiceError('NO_PASSWORD', {});
        this.requirePassword(password);
        if (!args.serverUrl?.trim()) throw new ServiceError('NO_SERVER', {});
        await this.resumeLocalRelay();
        const m = await Messenger.create(
          this.opts.profile,
          password,
          {
            nickname: '',
            serverUrl: args.serverUrl.trim(),
            deviceName: args.deviceName?.trim() || defaultDeviceName(),
            logN: this.opts.kdfLogN ?? DEFAULT_LOG_N,
            pairingPending: true,
          },
          this.messengerOptions(),
        );
        this.adopt(m);
      });
      const m = this.open();
      // One pairing at a time: a new link replaces a waiting one.
      const { device } = await m.pairing.init();
      const view = pairingView(m, device)!;
      this.emit('pairing:progress', view);
      return view;
    });
  }

  pairAccept(args: { link: string; historyDays?: number }): Promise<PairingView> {
    return this.guard('pairAccept', async () => {
      const m = this.open();
      const { device } = await m.pairing.accept(args.link, { historyDays: args.historyDays });
      await this.flushSoon(m); // the new device can show the code now
      const view = pairingView(m, m.devices.get(device.uid) ?? device)!;
      this.emit('pairing:progress', view);
      return view;
    });
  }

  pairConfirm(pairingId: string, opts: { historyDays?: number } = {}): Promise<PairingView> {
    return this.guard('pairConfirm', async () => {
      const m = this.open();
      const d = this.pairingOf(m, pairingId);
      if (d.pairing!.role === 'existing') {
        await m.pairing.confirm(d.uid, { historyDays: opts.historyDays });
        await this.flushSoon(m);
      } else {
        await m.pairing.confirmOnNewDevice(d.uid);
        await this.flushSoon(m); // the other device learns it now and can start sending
      }
      const view = pairingView(m, m.devices.get(d.uid)!)!;
      this.emit('pairing:progress', view);
      return view;
    });
  }

  pairRefuse(pairingId: string): Promise<PairingView> {
    return this.guard('pairRefuse', async () => {
      const m = this.open();
      const d = this.pairingOf(m, pairingId);
      if (d.pairing!.role === 'existing') await m.pairing.refuse(d.uid);
      else await m.pairing.refuseOnNewDevice(d.uid);
      const view = pairingView(m, m.devices.get(d.uid)!)!;
      this.emit('pairing:progress', view);
      return view;
    });
  }

  pairings(): Promise<PairingView[]> {
    return this.guard('pairings', async () => pairingViews(this.open()));
  }
}

function defaultDeviceName(): string {
  return hostname() || 'my computer';
}
