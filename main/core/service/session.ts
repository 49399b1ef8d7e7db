/**
 * What every part of CoreService shares for one profile folder: the open messenger (or
 * none), the events hosts subscribe to, the relay this computer hosts, and the helpers that
 * make a public method what hosts expect — ServiceErrors out, sends right after a change.
 */
import { EventEmitter } from 'node:events';
import { ServiceError, isServiceError } from '../../../shared/errors.js';
import { notice } from '../../../shared/notices.js';
import { LIMITS } from '../../../shared/schemas.js';
import type { ServiceEventName, ServiceEvents, Unsubscribe } from '../../../shared/service.js';
import type { AppStateView, ConnectionView, ConversationView, ProfileView } from '../../../shared/views.js';
import { netRelays } from '../../net/relayFactory.js';
import { IdentityFile } from '../identity/identity.js';
import { createLogger, type Logger } from '../log.js';
import { KeyedMutex } from '../locks.js';
import type { Messenger } from '../messenger/messenger.js';
import type { ContactChannel, DeviceChannel } from '../peers/peer.js';
import type { RelayFactory } from '../relay.js';
import type { Keychain } from './keychain.js';
import {
  localRelaySettings,
  startLocalRelay,
  type LocalRelay,
  type LocalRelayStarter,
} from './localRelay.js';
import { attachEvents } from './events.js';
import { resumeSends } from './filesApi.js';
import { conversationView, profileView } from './views.js';

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
/** Messages in a page of a conversation, unless the host asks for another number. */
export const DEFAULT_PAGE = 50;

export class ServiceSession {
  m: Messenger | null = null;
  online = false;
  relay: LocalRelay | null = null;
  readonly emitter = new EventEmitter();
  readonly lifecycle = new KeyedMutex();
  readonly connectionState = new Map<string, ConnectionView>();
  readonly relays: RelayFactory;
  readonly log: Logger;
  detach: (() => void) | null = null;

  constructor(readonly opts: ServiceOptions) {
    this.relays = opts.relays ?? netRelays;
    this.log = opts.log ?? createLogger();
    this.emitter.setMaxListeners(0);
  }

  on<K extends ServiceEventName>(event: K, listener: (payload: ServiceEvents[K]) => void): Unsubscribe {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  emit<K extends ServiceEventName>(event: K, payload: ServiceEvents[K]): void {
    // A listener that throws must not break the core's own work.
    for (const l of this.emitter.listeners(event)) {
      try {
        (l as (p: ServiceEvents[K]) => void)(payload);
      } catch (e) {
        this.log.warn('an event listener failed', { event, error: String(e) });
      }
    }
  }

  open(): Messenger {
    if (!this.m) throw new ServiceError('NOT_OPEN', {});
    return this.m;
  }

  /** Runs a public method: known errors pass through; anything else becomes INTERNAL (and is logged). */
  async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isServiceError(e)) throw e;
      this.log.error('service call failed', { call: what, error: (e as Error)?.stack ?? String(e) });
      throw new ServiceError('INTERNAL', { detail: (e as Error)?.message ?? String(e) }, { cause: e });
    }
  }

  /** Sends what a command just queued, now; the send loop keeps retrying whatever cannot go yet. */
  async flushSoon(m: Messenger): Promise<void> {
    const flush = m.flushOutbox().catch((e: unknown) => {
      this.log.warn('could not send now', { error: String(e) });
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flush, new Promise<void>((r) => (timer = setTimeout(r, SEND_WAIT_MS)))]);
    clearTimeout(timer);
  }

  contact(m: Messenger, contactId: string): ContactChannel {
    const p = m.peers.get(contactId);
    if (!p || p.type !== 'contact' || !p.visible)
      throw new ServiceError('UNKNOWN_CONTACT', { contact: contactId });
    return p;
  }

  conversation(m: Messenger, p: ContactChannel): ConversationView {
    const s = m.db.messages.summary(p.uid);
    return conversationView(m, p, s);
  }

  pairingOf(m: Messenger, pairingId: string): DeviceChannel {
    const d = m.devices.get(pairingId);
    if (!d?.pairing || !d.invitationId) throw new ServiceError('PAIRING_UNKNOWN', { pairing: pairingId });
    return d;
  }

  requirePassword(password: string): void {
    if (password.length < LIMITS.minPasswordChars)
      throw new ServiceError('WEAK_PASSWORD', { min: LIMITS.minPasswordChars });
  }

  messengerOptions() {
    return { relays: this.relays, log: this.log, pollTimeoutMs: this.opts.pollTimeoutMs };
  }

  /** Takes a freshly opened messenger as this service's profile. */
  adopt(m: Messenger): ProfileView {
    this.m = m;
    this.detach = attachEvents(this, m);
    this.emit('app:state', this.state());
    resumeSends(this, m);
    for (const n of m.openNotices.splice(0)) this.emit('notice', notice(n.code, n.params));
    return profileView(m);
  }

  state(): AppStateView {
    return {
      state: this.m ? 'open' : IdentityFile.exists(this.opts.profile) ? 'locked' : 'new',
      profile: this.opts.profile,
      online: this.online,
      remembered: this.remembered,
      keychain: !!this.opts.keychain,
      localRelay: this.relay ? { url: this.relay.url, lan: this.relay.lan } : null,
    };
  }

  remembered = false;

  /** Keeps (true) or forgets (false) the password-derived key in the OS keychain; undefined: leaves it. */
  async applyRemember(m: Messenger, remember: boolean | undefined): Promise<void> {
    if (!this.opts.keychain || remember === undefined) return;
    if (remember) await this.opts.keychain.save(m.identityFile.unlockKey);
    else await this.opts.keychain.clear();
    await this.refreshRemembered();
    this.emit('app:state', this.state());
  }

  async refreshRemembered(): Promise<void> {
    this.remembered = this.opts.keychain ? (await this.opts.keychain.load()) !== null : false;
  }

  /** Brings the profile's hosted relay back, if it has one (before anything talks to it). */
  async resumeLocalRelay(): Promise<void> {
    if (this.relay) return;
    const settings = localRelaySettings(this.opts.profile);
    if (settings)
      this.relay = await startLocalRelay(this.opts.profile, settings, this.log, this.opts.localRelay);
  }
}
