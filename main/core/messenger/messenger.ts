/**
 * The messenger core of one profile (one device): opens the encrypted stores and wires the
 * parts that work on them — contacts, conversations, my profile, the device layer, key
 * rotation, the network loops — through narrow ports, here and nowhere else. Hosted by the
 * `meow` CLI, the Electron main process and the browser host alike; it never imports Electron.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { meow } from '../../../protocol/wire/proto.js';
import type { Core, UpdatePeer } from '../core.js';
import { announcementKey } from '../devices/capabilities.js';
import { DeviceSync } from '../devices/deviceSync.js';
import type { Pairing } from '../devices/pairing.js';
import type { SyncChange } from '../devices/syncChange.js';
import { MeowError } from '../errors.js';
import type { MessengerEvents } from '../events.js';
import {
  defaultDeviceName,
  IdentityFile,
  newIdentity,
  type Identity,
  type Owed,
} from '../identity/identity.js';
import { IdentityRepository } from '../identity/repository.js';
import type { KeyedMutex } from '../locks.js';
import { createLogger, type Logger } from '../log.js';
import { drivenHere, type ContactChannel, type DeviceChannel, type Peer } from '../peers/peer.js';
import type { PeerStore } from '../peers/peerStore.js';
import type { ServerRef } from '../records.js';
import type { Relay, RelayFactory } from '../relay.js';
import { MAX_BACKOFF_MS } from '../retry.js';
import type { MessageDb, OutboxItem, StoredMessage } from '../storage/messageDb.js';
import { openMessageStore, type MessageStoreRescue } from '../storage/messageStoreRescue.js';
import { Actions, type ActionInput } from './actions.js';
import { Contacts } from './contacts.js';
import { Conversations } from './conversations.js';
import { Disappearing, type Timer } from './disappearing.js';
import { Typing } from './typing.js';
import { NetworkLoops, type ServerStats } from './loops.js';
import type { FlushResult } from './outbox.js';
import { Profile } from './profile.js';
import { ProfileCore } from './profileCore.js';
import type { RelayHealth } from './retryPolicy.js';
import { RotationSchedule } from './rotationSchedule.js';
import { pinServer } from './servers.js';
import { Attachments } from '../attachments/attachments.js';
import { forgetDroppedFiles } from '../attachments/forgetFiles.js';
import { Groups } from '../groups/groups.js';

export { MAX_TEXT_BYTES } from './limits.js';
export type { ServerStats } from './loops.js';

export interface MessengerOptions {
  relays: RelayFactory;
  log?: Logger;
  pollTimeoutMs?: number;
  /** Ceiling of a retry's wait after a transient failure (default five minutes). */
  retryCeilingMs?: number;
  /** When a relay refusing every request is reported: after `count` refusals over `afterMs`. */
  refusalNotice?: { count: number; afterMs: number };
}

export class Messenger implements Core {
  /** The shared state every part works on. */
  readonly core: ProfileCore;
  /** Set when messages.db was damaged at open: kept aside, replaced, what could be read carried over. */
  readonly rescue: MessageStoreRescue | null;
  /** Notices raised while opening, before anyone listened (the service passes them on). */
  readonly openNotices: MessengerEvents['notice'][0][] = [];
  /** Every write of the identity goes through it. */
  readonly identities: IdentityRepository;
  readonly contactBook: Contacts;
  readonly conversations: Conversations;
  /** Reactions, edits, deletions. */
  readonly actions: Actions;
  readonly profile: Profile;
  readonly rotation: RotationSchedule;
  /** Multi-device sync: device channels, fan-out, the primary relay, handover, unlink. */
  readonly deviceSync: DeviceSync;
  readonly net: NetworkLoops;
  /** Files sent and received: sealed blobs on a relay, kept encrypted in the profile. */
  readonly attachments: Attachments;
  /** Removes disappearing messages when they are due. */
  readonly disappearing: Disappearing;
  /** Tells the contact I am typing (rate-limited, never stored). */
  readonly typingIndicator: Typing;
  /** Group conversations (docs/groups.md). */
  readonly groups: Groups;

  private constructor(
    readonly dir: string,
    readonly identityFile: IdentityFile,
    opts: MessengerOptions,
  ) {
    const opened = openMessageStore(join(dir, 'messages.db'), identityFile.identity.storageKey);
    this.rescue = opened.rescue;
    const log = opts.log ?? createLogger();
    const core = new ProfileCore(
      dir,
      identityFile,
      opened.db,
      log,
      opts.relays,
      opts.retryCeilingMs ?? MAX_BACKOFF_MS,
      opts.refusalNotice,
    );
    this.core = core;
    this.identities = new IdentityRepository(identityFile);
    this.contactBook = new Contacts(core, opts.relays);
    this.rotation = new RotationSchedule(core);
    try {
      this.deviceSync = new DeviceSync({
        core,
        profile: { change: (change, owes) => this.profile.change(change, owes) },
        rotation: this.rotation,
        contacts: {
          find: (ref) => this.contactBook.find(ref),
          list: () => this.contactBook.list(),
          readLink: (link, kind) => this.contactBook.readLink(link, kind),
        },
        send: { flush: () => this.net.flushOutbox() },
      });
    } catch (e) {
      opened.db.close();
      throw e;
    }
    this.profile = new Profile(core, this.identities, opts.relays, this.deviceSync);
    this.conversations = new Conversations(core, this.contactBook, this.deviceSync);
    this.actions = new Actions(core, this.contactBook, this.deviceSync);
    this.net = new NetworkLoops(core, this.deviceSync, this.rotation, opts.pollTimeoutMs);
    this.groups = new Groups(core, this.contactBook);
    this.attachments = new Attachments({
      dir,
      relays: opts.relays,
      server: () => {
        const s = core.identity.servers[0];
        if (!s) throw new MeowError('NO_SERVER', {});
        return s;
      },
      device: () => core.identity.device,
    });
    this.on(
      'filesDropped',
      forgetDroppedFiles({ db: () => core.db, attachments: this.attachments, log: core.log }),
    );
    this.disappearing = new Disappearing(core, core, this.attachments);
    this.typingIndicator = new Typing(core, this.contactBook, this.deviceSync);
    core.hooks = {
      fanOut: (change, except) => this.deviceSync.fanOut(change, except),
      kickSend: () => this.net.kickSend(),
      kickPoll: () => this.net.kickPoll(),
    };
  }

  // ------------------------------------------------------------------ lifecycle

  static async open(
    dir: string,
    secret: { password: string } | { key: Uint8Array },
    opts: MessengerOptions,
  ): Promise<Messenger> {
    const file = await IdentityFile.open(dir, secret);
    return Messenger.start(dir, file, opts);
  }

  private static async start(dir: string, file: IdentityFile, opts: MessengerOptions): Promise<Messenger> {
    const m = new Messenger(dir, file, opts);
    try {
      await m.peers.open();
      await m.devices.open();
      if (m.rescue) m.noteRescue(m.rescue);
      await m.profile.queueOwed(); // a change saved before a crash, whose sync was not queued yet
      await m.rotation.finishRotations();
      // An update changed what this build applies: my other devices are told.
      const key = announcementKey();
      if (m.identity.announced !== key) await m.profile.change(() => ({ announced: key }), ['device_caps']);
      await m.deviceSync.applyDeferred();
      await m.disappearing.sweep(); // (what came due while it was closed is gone before anyone looks)
    } catch (e) {
      m.db.close();
      m.deviceSync.close();
      await m.peers.close().catch(() => undefined);
      await m.devices.close().catch(() => undefined);
      throw e;
    }
    return m;
  }

  /** Tells the person which file was damaged, where it is kept, and which conversations lost their keys. */
  private noteRescue(r: MessageStoreRescue): void {
    const keyless = [...this.peers.all(), ...this.devices.all()].filter(
      (p) => !p.drState && p.state !== 'invited' && drivenHere(p),
    );
    const params = {
      file: r.file,
      keptAs: r.keptAs,
      messages: r.recovered['messages'] ?? 0,
      lostKeys: keyless.map((p) => p.name).join(', '),
    };
    this.log.error('messages.db was damaged: kept aside, a new one is in use', { ...params, ...r.recovered });
    this.openNotices.push({ code: 'MESSAGE_STORE_REPLACED', params });
  }

  /** Fetches and pins a relay's signed card. */
  static pinServer(relays: RelayFactory, typed: string): Promise<ServerRef> {
    return pinServer(relays, typed);
  }

  /** `meow init`: a new identity in an empty profile folder. */
  static async create(
    dir: string,
    password: string,
    init: {
      nickname: string;
      serverUrl: string;
      deviceName?: string;
      logN?: number;
      pairingPending?: boolean;
    },
    opts: MessengerOptions,
  ): Promise<Messenger> {
    if (IdentityFile.exists(dir)) throw new MeowError('IDENTITY_EXISTS', { profile: dir });
    if (!password) throw new MeowError('NO_PASSWORD', {});
    const server = await pinServer(opts.relays, init.serverUrl);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const identity = newIdentity({
      nickname: init.nickname,
      deviceName: init.deviceName ?? defaultDeviceName(),
      servers: [server],
      pairingPending: init.pairingPending,
    });
    const file = await IdentityFile.create(dir, identity, password, init.logN);
    return Messenger.start(dir, file, opts);
  }

  async close(): Promise<void> {
    this.attachments.close();
    this.disappearing.stop();
    await this.net.stop();
    await this.groups.idle();
    // Wait for in-flight ratchet work before closing the stores.
    await this.net.idle();
    this.core.closeRelays();
    this.db.close();
    this.deviceSync.close();
    await this.peers.close();
    await this.devices.close();
  }

  // ------------------------------------------------------------------ Core, for the pipelines and tests

  get identity(): Identity {
    return this.core.identity;
  }
  get peers(): PeerStore<ContactChannel> {
    return this.core.peers;
  }
  get devices(): PeerStore<DeviceChannel> {
    return this.core.devices;
  }
  get db(): MessageDb {
    return this.core.db;
  }
  get log(): Logger {
    return this.core.log;
  }
  get locks(): KeyedMutex {
    return this.core.locks;
  }
  get retryCeilingMs(): number {
    return this.core.retryCeilingMs;
  }
  get relayHealth(): RelayHealth {
    return this.core.relayHealth;
  }
  get pairing(): Pairing {
    return this.deviceSync.pairing;
  }
  relayFor(server: ServerRef): Relay {
    return this.core.relayFor(server);
  }
  storeOf<T extends Peer>(peer: T): PeerStore<T> {
    return this.core.storeOf(peer);
  }
  get updatePeer(): UpdatePeer {
    return this.core.updatePeer;
  }
  clock(): number {
    return this.core.clock();
  }
  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[] {
    return this.core.fanOut(change, exceptDevice);
  }
  kickSend(): void {
    this.core.kickSend();
  }
  kickPoll(): void {
    this.core.kickPoll();
  }
  emit<K extends keyof MessengerEvents>(event: K, ...args: MessengerEvents[K]): boolean {
    return this.core.emit(event, ...args);
  }
  on<K extends keyof MessengerEvents>(event: K, listener: (...args: MessengerEvents[K]) => void): this {
    this.core.on(event, listener as (...a: unknown[]) => void);
    return this;
  }
  off<K extends keyof MessengerEvents>(event: K, listener: (...args: MessengerEvents[K]) => void): this {
    this.core.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  // ------------------------------------------------------------------ what hosts ask for

  contacts(): ContactChannel[] {
    return this.contactBook.list();
  }
  findContact(ref: string): ContactChannel {
    return this.contactBook.find(ref);
  }
  invite(
    name: string,
    opts: { long?: boolean; message?: string } = {},
  ): Promise<{ link: string; peer: ContactChannel }> {
    return this.contactBook.invite(name, opts);
  }
  reinvite(uid: string, opts: { long?: boolean } = {}): Promise<{ link: string; peer: ContactChannel }> {
    return this.contactBook.reinvite(uid, opts);
  }
  readLink(link: string, kind: 'invite' | 'pair'): Promise<meow.ContactCard> {
    return this.contactBook.readLink(link, kind);
  }
  accept(link: string, name: string): Promise<ContactChannel> {
    return this.contactBook.accept(link, name);
  }
  updateContact(
    ref: string,
    change: { name?: string; blocked?: boolean; sendDeliveryAck?: boolean; sendProcessingAck?: boolean },
  ): Promise<ContactChannel> {
    return this.contactBook.updateContact(ref, change);
  }
  setVerified(uid: string, verified: boolean): Promise<ContactChannel> {
    return this.contactBook.setVerified(uid, verified);
  }
  send(
    ref: string,
    text: string,
    opts: { quote?: string; files?: meow.IFileMeta[]; uuid?: string } = {},
  ): Promise<StoredMessage> {
    return this.conversations.send(ref, text, opts).then((m) => {
      this.typingIndicator.sent(m.peerUid);
      return m;
    });
  }
  /** I am typing to `ref` (rate-limited: returns whether the contact was told now). */
  typing(ref: string): boolean {
    return this.typingIndicator.typing(ref);
  }
  act(ref: string, input: ActionInput): Promise<StoredMessage> {
    return this.actions.act(ref, input);
  }
  setTimer(ref: string, ms: number): Promise<Timer> {
    return this.actions.setTimer(ref, ms);
  }
  messages(ref: string, opts: { limit?: number } = {}): StoredMessage[] {
    return this.conversations.messages(ref, opts);
  }
  async markRead(ref: string, upTo?: { sentAt: number; id: number }): Promise<number> {
    const n = await this.conversations.markRead(ref, upTo);
    if (n) this.disappearing.arm(); // read: their countdown starts
    return n;
  }
  updateProfile(change: { nickname?: string; status?: string; avatar?: string }): Promise<Identity> {
    return this.profile.updateProfile(change);
  }
  addServer(url: string): Promise<ServerRef> {
    return this.profile.addServer(url);
  }
  changeIdentity(
    change: (current: Readonly<Identity>) => Partial<Identity> | null,
    owes: Owed[] = [],
  ): Promise<boolean> {
    return this.profile.change(change, owes);
  }
  queueOwed(only?: Owed[]): Promise<void> {
    return this.profile.queueOwed(only);
  }
  rotateChannel(kind: 'peer' | 'device', uid: string): boolean {
    return this.rotation.rotateChannel(kind, uid);
  }
  rotateDue(now = Date.now()): number {
    return this.rotation.rotateDue(now);
  }
  dropDrainedQueues(now = Date.now()): Promise<number> {
    return this.rotation.dropDrainedQueues(now);
  }
  finishRotations(): Promise<void> {
    return this.rotation.finishRotations();
  }
  flushOutbox(signal?: AbortSignal): Promise<FlushResult> {
    return this.net.flushOutbox(signal);
  }
  pollServer(url: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ServerStats> {
    return this.net.pollServer(url, opts);
  }
  flushAcks(signal?: AbortSignal): Promise<void> {
    return this.net.flushAcks(signal);
  }
  async sync(opts: { waitMs?: number } = {}): Promise<{ received: number; sent: number }> {
    const r = await this.net.sync(opts);
    // Channel work a received group message left (groups/kick.ts) runs now, and what it queued goes.
    if (!(await this.groups.settleWork())) return r;
    const again = await this.net.sync();
    return { received: r.received + again.received, sent: r.sent + again.sent };
  }
  start(): void {
    this.net.start();
    this.disappearing.start();
  }
  stop(): Promise<void> {
    this.disappearing.stop();
    return this.net.stop();
  }
}
