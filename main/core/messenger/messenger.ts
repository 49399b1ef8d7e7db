/**
 * The messenger core of one profile (one device): opens the encrypted stores,
 * keeps the contacts, the conversations and the outbox, and runs the send and
 * long-poll loops. Hosted by the `meow` CLI, the Electron main process and the
 * browser host alike; it never imports Electron.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { toBase64 } from '../../../protocol/crypto/bytes.js';
import { wipePrivateKey } from '../../../protocol/crypto/curves.js';
import { encode, meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { IdentityFile, newIdentity, type Identity, type Owed } from '../identity/identity.js';
import { IdentityRepository } from '../identity/repository.js';
import { createLogger, type Logger } from '../log.js';
import {
  answerInvitation,
  createInvitation,
  longLink,
  openCardBlob,
  parseLink,
  sealCardBlob,
  shortLink,
} from '../peers/invitation.js';
import type { Peer } from '../peers/peer.js';
import { PeerStore } from '../peers/peerStore.js';
import { checkServerFingerprint, serverFingerprint, shortLinkOwner } from '../peers/linkKeys.js';
import { secureQueues } from '../peers/queueAuth.js';
import { liveRetired, ROTATE_EVERY_MS, switchKeys } from '../peers/rotation.js';
import { nextVersion, type ServerRef } from '../records.js';
import { isRelayError, relayServiceError, type Relay, type RelayFactory } from '../relay.js';
import type { MessageDb, OutboxItem, StoredMessage } from '../storage/messageDb.js';
import { openMessageStore, type MessageStoreRescue } from '../storage/messageStoreRescue.js';
import type { Core } from './core.js';
import { toDbMessage } from './dbMessage.js';
import type { MessengerEvents } from './events.js';
import { DeviceSync } from '../devices/deviceSync.js';
import { Pairing } from '../devices/pairing.js';
import { PendingAcks, type AckItem } from './pendingAcks.js';
import { receiveBatch } from './receiveBatch.js';
import { KeyedMutex } from './keyedMutex.js';
import { MAX_TEXT_BYTES } from './limits.js';
import { readReceipts } from './receipts.js';
import { profileNotices, renameMeForContacts } from './profileBroadcast.js';
import { backoff, flushOutbox, MAX_BACKOFF_MS, type FlushResult } from './outbox.js';
import { RelayHealth } from './retryPolicy.js';
import type { SyncChange } from './syncChange.js';
import { OUTBOX_LOCK, channelLock, contactLock } from './lockKeys.js';
import { serverAddress } from '../../../shared/serverAddress.js';

export { MAX_TEXT_BYTES } from './limits.js';
const POLL_TIMEOUT_MS = 25_000;
const KEYS_PER_PULL = 256;
const MAX_KEPT_PER_QUEUE = 3;
const RECEIVED_ID_TTL_MS = 30 * 24 * 3600 * 1000;
const INVITATION_PULL_GRACE_MS = 24 * 3600 * 1000;

export interface MessengerOptions {
  relays: RelayFactory;
  log?: Logger;
  pollTimeoutMs?: number;
  /** Ceiling of a retry's wait after a transient failure (default five minutes). */
  retryCeilingMs?: number;
  /** When a relay refusing every request is reported: after `count` refusals over `afterMs`. */
  refusalNotice?: { count: number; afterMs: number };
}

export interface ServerStats {
  processed: number;
  kept: number;
  more: boolean;
}

export class Messenger extends EventEmitter implements Core {
  readonly peers: PeerStore;
  readonly devices: PeerStore;
  readonly db: MessageDb;
  /** Set when messages.db was damaged at open: kept aside, replaced, what could be read carried over. */
  readonly rescue: MessageStoreRescue | null;
  /** Notices raised while opening, before anyone listened (the service passes them on). */
  readonly openNotices: MessengerEvents['notice'][0][] = [];
  readonly log: Logger;
  readonly locks = new KeyedMutex();
  readonly retryCeilingMs: number;
  readonly relayHealth: RelayHealth;
  private readonly relays = new Map<string, Relay>();
  private lastClock = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly pollAborts = new Set<AbortController>();
  private readonly pollingServers = new Set<string>();
  private sendWake: (() => void) | null = null;
  private sendKicked = false;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly pendingAcks = new PendingAcks();
  /** Multi-device sync: device channels, fan-out, the primary relay (phases 2–7). */
  readonly deviceSync: DeviceSync;
  /** Every write of the identity goes through it. */
  readonly identities: IdentityRepository;
  /** Pairing a new device (phase 1). */
  readonly pairing: Pairing;

  private constructor(
    readonly dir: string,
    readonly identityFile: IdentityFile,
    private readonly opts: MessengerOptions,
  ) {
    super();
    const key = identityFile.identity.storageKey;
    this.identities = new IdentityRepository(identityFile);
    this.log = opts.log ?? createLogger();
    this.retryCeilingMs = opts.retryCeilingMs ?? MAX_BACKOFF_MS;
    this.relayHealth = new RelayHealth(
      (server, code) => this.emit('notice', { code: 'RELAY_REFUSING', params: { server, code } }),
      opts.refusalNotice?.count,
      opts.refusalNotice?.afterMs,
    );
    ({ db: this.db, rescue: this.rescue } = openMessageStore(join(dir, 'messages.db'), key));
    this.peers = new PeerStore(join(dir, 'peers'), key, 'contacts', 'peer', this.db);
    this.devices = new PeerStore(join(dir, 'devices'), key, 'devices', 'device', this.db);
    try {
      this.deviceSync = new DeviceSync(this);
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.pairing = new Pairing(this.deviceSync);
  }

  get identity(): Identity {
    return this.identityFile.identity;
  }

  override emit<K extends keyof MessengerEvents>(event: K, ...args: MessengerEvents[K]): boolean {
    return super.emit(event, ...args);
  }

  override on<K extends keyof MessengerEvents>(
    event: K,
    listener: (...args: MessengerEvents[K]) => void,
  ): this {
    return super.on(event, listener as (...a: unknown[]) => void);
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
      await m.payOwed(); // a change saved before a crash, whose sync was not queued yet
      await m.finishRotations();
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
      (p) => !p.drState && !p.unlinked && !p.primaryDeviceUid && !p.primaryPendingId && p.state !== 'invited',
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
  static async pinServer(relays: RelayFactory, typed: string): Promise<ServerRef> {
    const url = serverAddress(typed);
    if (!url) throw new MeowError('NOT_A_SERVER_URL', { url: typed });
    let card: meow.ServerCard;
    try {
      card = await relays.fetchCard(url);
    } catch (e) {
      if (isRelayError(e) && (e.code === 'UNREACHABLE' || e.code === 'INSECURE_TRANSPORT'))
        throw relayServiceError(e, url);
      throw new MeowError('SERVER_INVALID', { url, reason: (e as Error).message }, { cause: e });
    }
    return {
      url: card.url || url,
      publicKey: toBase64(card.publicKey),
      signingKey: toBase64(card.signingKey),
      name: card.name,
    };
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
    const server = await Messenger.pinServer(opts.relays, init.serverUrl);
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
    await this.stop();
    // Wait for in-flight ratchet work before closing the stores.
    await this.locks.run(OUTBOX_LOCK, async () => undefined);
    this.db.close();
    this.deviceSync.close();
    await this.peers.close();
    await this.devices.close();
  }

  // ------------------------------------------------------------------ Core

  relayFor(server: ServerRef): Relay {
    // Keyed by URL and pinned key: a contact's card naming my server with another key
    // gets a connection of its own (which fails), never replaces mine.
    const id = `${server.url} ${server.publicKey}`;
    let r = this.relays.get(id);
    if (!r) {
      r = this.opts.relays.connect(server.url, Buffer.from(server.publicKey, 'base64'), this.identity.device);
      this.relays.set(id, r);
    }
    return r;
  }

  storeOf(peer: Peer): PeerStore {
    return peer.type === 'device' ? this.devices : this.peers;
  }

  updatePeer(
    type: 'contact' | 'device',
    uid: string,
    fn: (current: Peer) => Peer | null,
  ): Promise<Peer | undefined> {
    const store = type === 'device' ? this.devices : this.peers;
    return this.locks.run(channelLock(type === 'device' ? 'device' : 'peer', uid), async () => {
      const current = store.get(uid);
      if (!current) return undefined;
      const next = fn(current);
      if (!next) return current;
      await store.put(next);
      return next;
    });
  }

  clock(): number {
    this.lastClock = Math.max(Date.now(), this.lastClock + 1);
    return this.lastClock;
  }

  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[] {
    return this.deviceSync.fanOut(change, exceptDevice);
  }

  kickSend(): void {
    this.sendKicked = true;
    this.sendWake?.();
  }

  kickPoll(): void {
    for (const ac of this.pollAborts) ac.abort();
    if (this.running) this.startPollLoops();
  }

  // ------------------------------------------------------------------ contacts

  /** Visible contacts, by name. */
  contacts(): Peer[] {
    return this.peers
      .all()
      .filter((p) => p.type === 'contact' && p.visible)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A contact by uid, or by name when that name is unique. */
  findContact(ref: string): Peer {
    const byUid = this.peers.get(ref);
    if (byUid) return byUid;
    const matches = this.contacts().filter((p) => p.name.toLowerCase() === ref.toLowerCase());
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new MeowError('AMBIGUOUS_CONTACT', { name: ref });
    throw new MeowError('UNKNOWN_CONTACT', { contact: ref });
  }

  /** InvitePeer: a new contact waiting for an answer, and the link to give them. */
  async invite(
    name: string,
    opts: { long?: boolean; message?: string } = {},
  ): Promise<{ link: string; peer: Peer }> {
    if (!name.trim()) throw new MeowError('EMPTY_NAME', {});
    const { peer, card } = createInvitation(this.identity, {
      name: name.trim(),
      type: 'contact',
      message: opts.message,
    });
    const link = await this.publishInvitation(peer, card, opts.long);
    await this.peers.put(peer);
    this.kickPoll();
    this.emit('contact', peer.uid);
    return { link, peer };
  }

  /**
   * Invites a contact again, keeping its conversation: for a contact whose keys were on a device
   * that is unlinked (nobody can rotate them; see DeviceSync.afterUnlink), or an invitation that
   * was never answered. The record takes fresh keys and an open invitation, this device drives it
   * from now on, and my other devices learn so; when the contact answers the new link, the
   * conversation goes on where it was. (The contact sees a new contact: it cannot tell the old
   * keys from a thief's, so it should be told.)
   */
  async reinvite(uid: string, opts: { long?: boolean } = {}): Promise<{ link: string; peer: Peer }> {
    if (this.identity.unlinked) throw new MeowError('DEVICE_UNLINKED', this.identity.unlinked);
    const old = this.findContact(uid);
    const primary = old.primaryDeviceUid ? this.devices.get(old.primaryDeviceUid) : null;
    const orphaned = !!old.primaryDeviceUid && (!primary || primary.unlinked);
    if (!orphaned && old.state !== 'invited') throw new MeowError('CONTACT_REACHABLE', { contact: old.name });
    const { peer: fresh, card } = createInvitation(this.identity, { name: old.name, type: 'contact' });
    const link = await this.publishInvitation(fresh, card, opts.long);
    const next = await this.locks.run(contactLock(old.uid), async () => {
      const cur = this.peers.get(old.uid) ?? old;
      const upd: Peer = {
        ...fresh,
        uid: cur.uid,
        name: cur.name,
        blocked: cur.blocked,
        sendDeliveryAck: cur.sendDeliveryAck,
        sendProcessingAck: cur.sendProcessingAck,
        messageNotification: cur.messageNotification,
        createdAt: cur.createdAt,
        handoverSeq: cur.handoverSeq,
        version: nextVersion(cur.version, this.identity.uid),
      };
      this.db.outbox.enqueue(this.fanOut({ type: 'peer_update', peer: upd }));
      await this.peers.put(upd);
      return upd;
    });
    this.kickPoll();
    this.kickSend();
    this.emit('contact', next.uid);
    return { link, peer: next };
  }

  /** The link for a new invitation: its card sealed on my first server (short) or in the link itself (long). */
  private async publishInvitation(peer: Peer, card: meow.ContactCard, long = false): Promise<string> {
    if (long) return longLink(card);
    const server = this.identity.servers[0]!;
    const { blob, key } = sealCardBlob(card);
    try {
      peer.shortLinkId = await this.relayFor(server).putInvitation(
        blob,
        card.expiresAt,
        shortLinkOwner(peer),
      );
    } catch (e) {
      throw relayServiceError(e, server.url);
    }
    return shortLink('invite', server.url, peer.shortLinkId, key, serverFingerprint(server));
  }

  /** Reads a link: the card itself, or fetched from the server's invitation store. */
  async readLink(link: string, kind: 'invite' | 'pair'): Promise<meow.ContactCard> {
    const parsed = parseLink(link);
    if (parsed.kind !== kind) {
      throw new MeowError('WRONG_LINK_KIND', { expected: kind });
    }
    if (parsed.form === 'long') return parsed.card;
    const server = await Messenger.pinServer(this.opts.relays, parsed.server);
    checkServerFingerprint(server, parsed.fingerprint); // pinned by the link, not trusted on first use
    let blob: Uint8Array;
    try {
      blob = (await this.relayFor(server).getInvitation(parsed.id)).blob;
    } catch (e) {
      if (isRelayError(e) && (e.code === 'NOT_FOUND' || e.code === 'EXPIRED')) {
        throw new MeowError(e.code === 'EXPIRED' ? 'LINK_EXPIRED' : 'LINK_USED', { kind });
      }
      throw relayServiceError(e, parsed.server);
    }
    return openCardBlob(blob, parsed.key);
  }

  /** AnswerInvitation: the new contact, with the answer queued to go back to them. */
  async accept(link: string, name: string): Promise<Peer> {
    // A short link used here before is gone from the server: recognise it locally first.
    const parsed = parseLink(link);
    const seen =
      parsed.form === 'short' ? this.peers.all().find((p) => p.shortLinkId === parsed.id) : undefined;
    if (seen && !seen.drInitiator) {
      throw new MeowError('ALREADY_ACCEPTED', { contact: seen.name });
    }
    const card = await this.readLink(link, 'invite');
    const mine = this.peers.all().find((p) => p.invitationId === card.invitationId);
    if (mine?.drInitiator) throw new MeowError('OWN_LINK', { kind: 'invite' });
    if (mine) throw new MeowError('ALREADY_ACCEPTED', { contact: mine.name });
    const { peer, answer } = answerInvitation(this.identity, card, { name: name.trim(), type: 'contact' });
    if (parsed.form === 'short') peer.shortLinkId = parsed.id; // the inviter's link, remembered to spot its reuse
    const plain = encode(meow.UserMessage, {
      type: 'invitation_answer',
      invitation: answer,
      status: { uuid: randomUUID(), sent: this.clock() },
    });
    await this.locks.run(contactLock(peer.uid), async () => {
      this.db.outbox.enqueue([
        { channel: 'peer', peerUid: peer.uid, plain },
        ...this.fanOut({ type: 'peer_update', peer }),
      ]);
      await this.peers.put(peer);
    });
    this.emit('contact', peer.uid);
    this.kickPoll();
    this.kickSend();
    return peer;
  }

  async updateContact(
    ref: string,
    change: { name?: string; blocked?: boolean; sendDeliveryAck?: boolean; sendProcessingAck?: boolean },
  ): Promise<Peer> {
    const peer = this.findContact(ref);
    return this.locks.run(contactLock(peer.uid), async () => {
      const current = this.peers.get(peer.uid)!;
      const next: Peer = { ...current, ...change, version: nextVersion(current.version, this.identity.uid) };
      this.db.outbox.enqueue(this.fanOut({ type: 'peer_update', peer: next }));
      await this.peers.put(next);
      this.emit('contact', next.uid);
      this.kickSend();
      return next;
    });
  }

  /** Marks a contact verified for the keys used now (or not); my other devices learn it. */
  async setVerified(uid: string, verified: boolean): Promise<Peer> {
    const next = await this.locks.run(contactLock(uid), async () => {
      const cur = this.findContact(uid);
      const upd: Peer = {
        ...cur,
        verified:
          verified && cur.contactPublicKey
            ? { mine: cur.myIdentity.publicKey, theirs: cur.contactPublicKey, at: Date.now() }
            : null,
        version: nextVersion(cur.version, this.identity.uid),
      };
      this.db.outbox.enqueue(this.fanOut({ type: 'peer_update', peer: upd }));
      await this.peers.put(upd);
      return upd;
    });
    this.emit('contact', uid);
    this.kickSend();
    return next;
  }

  // ------------------------------------------------------------------ messages

  async send(ref: string, text: string): Promise<StoredMessage> {
    const found = this.findContact(ref);
    if (found.blocked) throw new MeowError('BLOCKED', { contact: found.name });
    if (found.state === 'invited') throw new MeowError('CONTACT_NOT_READY', { contact: found.name });
    if (!text.trim()) throw new MeowError('EMPTY_TEXT', {});
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES)
      throw new MeowError('TEXT_TOO_LONG', { maxBytes: MAX_TEXT_BYTES });
    // Under the contact's lock: its route (direct, or through its primary) cannot change meanwhile.
    const stored = await this.locks.run(contactLock(found.uid), async () => {
      const peer = this.peers.get(found.uid) ?? found;
      const uuid = randomUUID();
      const sentAt = this.clock();
      const plain = encode(meow.UserMessage, { type: 'text', text, status: { uuid, sent: sentAt } });
      const primary = this.deviceSync.routeFor(peer);
      const base = {
        peerUid: peer.uid,
        uuid,
        outbound: true,
        type: 'text',
        text,
        sentAt,
        seen: true,
        authorDevice: this.identity.uid,
      };
      if (primary) {
        // Through the primary, which tells my other devices once it has sent it.
        this.db.outbox.insertOutgoing(
          { ...base, state: 'pending_forward', waitingFor: primary.uid, waitingSince: sentAt },
          this.deviceSync.forwardItem(primary, peer, plain),
        );
      } else {
        const message = { ...base, state: 'pending' as const };
        this.db.outbox.insertOutgoing(
          message,
          { channel: 'peer', peerUid: peer.uid, plain },
          this.fanOut({ type: 'msg', peerUid: peer.uid, dbMessage: toDbMessage(message) }),
        );
      }
      return this.db.messages.get(peer.uid, uuid)!;
    });
    this.emit('message', stored);
    this.kickSend();
    return stored;
  }

  messages(ref: string, opts: { limit?: number } = {}): StoredMessage[] {
    return this.db.messages.list(this.findContact(ref).uid, opts);
  }

  /** Marks a conversation read here and, if enabled for that contact, sends read receipts. */
  async markRead(ref: string): Promise<number> {
    const peer = this.findContact(ref);
    const now = Date.now();
    // Seen, receipts and sync in one transaction: a crash cannot leave read messages unreported.
    const seen = this.db.atomically(() => {
      const rows = this.db.messages.markSeen(peer.uid, now);
      if (rows.length) this.db.outbox.enqueue(this.readReports(peer, rows, now));
      return rows;
    });
    if (seen.length) this.kickSend();
    return seen.length;
  }

  /** Read receipts for the contact (if on) and the read status for my other devices. */
  private readReports(peer: Peer, seen: StoredMessage[], now: number): OutboxItem[] {
    const items: OutboxItem[] = peer.sendProcessingAck ? readReceipts(peer.uid, seen, now) : [];
    for (const m of seen) {
      items.push(
        ...this.fanOut({
          type: 'status',
          peerUid: peer.uid,
          dbMessage: toDbMessage({ ...m, processedAt: now }),
        }),
      );
    }
    return items;
  }

  // ------------------------------------------------------------------ profile

  async updateProfile(change: { nickname?: string; status?: string; avatar?: string }): Promise<Identity> {
    const nickname = change.nickname?.trim();
    if (nickname === '') throw new MeowError('EMPTY_NAME', {});
    const before = this.identity.nickname;
    // Contacts see the new name and status (those I had not given another name).
    if (nickname !== undefined) await renameMeForContacts(this, before, nickname);
    await this.changeIdentity(
      (id) => ({
        nickname: nickname ?? id.nickname,
        status: change.status ?? id.status,
        avatar: change.avatar ?? id.avatar,
        profileVersion: nextVersion(id.profileVersion, id.uid),
      }),
      ['identity_update', 'contacts_profile'],
    );
    return this.identity;
  }

  /** Adds a message server (pinned from its card); my other devices learn it (server_add). */
  async addServer(url: string): Promise<ServerRef> {
    const ref = await Messenger.pinServer(this.opts.relays, url);
    if (this.identity.servers.some((s) => s.url === ref.url))
      throw new MeowError('SERVER_EXISTS', { url: ref.url });
    await this.changeIdentity(
      (id) => ({ servers: [...id.servers, ref], serversVersion: nextVersion(id.serversVersion, id.uid) }),
      ['server_add'],
    );
    this.kickPoll();
    return ref;
  }

  /**
   * Every identity change goes through here (IdentityRepository): saved whole, with what it
   * owes my other devices and contacts; those rows are queued right after, and the debt
   * settled. A crash in between is made good by payOwed() when the profile opens.
   */
  async changeIdentity(
    change: (current: Readonly<Identity>) => Partial<Identity> | null,
    owes: Owed[] = [],
  ): Promise<boolean> {
    const next = await this.identities.update(change, owes);
    if (!next) return false;
    await this.payOwed(owes);
    this.emit('profile');
    return true;
  }

  /** Queues what the identity owes (all of it, or `only`), then marks it paid. */
  async payOwed(only?: Owed[]): Promise<void> {
    const owed = this.identity.owed.filter((o) => !only || only.includes(o));
    if (owed.length === 0) return;
    const items: OutboxItem[] = [];
    for (const o of owed) {
      if (o === 'identity_update') items.push(...this.fanOut({ type: 'identity_update' }));
      else if (o === 'server_add') items.push(...this.fanOut({ type: 'server_add' }));
      else if (o === 'device_name') items.push(...this.deviceSync.ownNameItems());
      else items.push(...profileNotices(this));
    }
    this.db.outbox.enqueue(items);
    await this.identities.settle(owed);
    this.kickSend();
  }

  // ------------------------------------------------------------------ key rotation

  /**
   * Queues a rotation of my keys of one channel (peers/rotation.ts); the outbox performs it
   * in order, after what is queued before. A channel has at most one rotation waiting.
   */
  rotateChannel(kind: 'peer' | 'device', uid: string): boolean {
    const waiting = this.db.outbox.forPeer(kind, uid).some((r) => r.kind === 'rotate' && !r.packed);
    if (waiting) return false;
    const plain = encode(meow.UserMessage, { type: 'key_update' }); // built for real when packed
    this.db.outbox.enqueue([{ channel: kind, peerUid: uid, plain, kind: 'rotate' }]);
    this.kickSend();
    return true;
  }

  /** Channels I drive whose keys are older than ROTATE_EVERY_MS rotate (so that rotations show nothing). */
  rotateDue(now = Date.now()): number {
    let n = 0;
    for (const p of [...this.peers.all(), ...this.devices.all()]) {
      if (p.unlinked || p.state === 'invited' || p.primaryDeviceUid || !p.drState) continue;
      if (
        now - p.rotatedAt > ROTATE_EVERY_MS &&
        this.rotateChannel(p.type === 'device' ? 'device' : 'peer', p.uid)
      )
        n++;
    }
    return n;
  }

  /** Retired queues past their drain time: no longer pulled, and now their keys are erased too. */
  async dropDrainedQueues(now = Date.now()): Promise<number> {
    let n = 0;
    for (const p of [...this.peers.all(), ...this.devices.all()]) {
      if (!p.retired.some((r) => r.until <= now)) continue;
      const kind = p.type === 'device' ? 'device' : 'peer';
      await this.locks.run(channelLock(kind, p.uid), async () => {
        const cur = this.storeOf(p).get(p.uid);
        if (!cur) return;
        const gone = cur.retired.filter((r) => r.until <= now);
        await this.storeOf(cur).putRecord({ ...cur, retired: liveRetired(cur, now) });
        for (const r of gone) for (const k of [r.lookup, r.encryption]) wipePrivateKey(k);
        n += gone.length;
      });
    }
    return n;
  }

  /** A rotation whose key_update was packed before a crash switches to its new keys now. */
  async finishRotations(): Promise<void> {
    for (const p of [...this.peers.all(), ...this.devices.all()]) {
      if (!p.rotation) continue;
      const kind = p.type === 'device' ? 'device' : 'peer';
      await this.locks.run(channelLock(kind, p.uid), async () => {
        const cur = this.storeOf(p).get(p.uid);
        const waiting = this.db.outbox.forPeer(kind, p.uid).some((r) => r.kind === 'rotate' && !r.packed);
        if (cur?.rotation && !waiting) await this.storeOf(cur).putRecord(switchKeys(cur));
      });
    }
  }

  // ------------------------------------------------------------------ network

  /** Every server this profile pulls from, with the channels to pull there. */
  private pullPlan(): Map<string, { server: ServerRef; peers: Peer[] }> {
    const plan = new Map<string, { server: ServerRef; peers: Peer[] }>();
    for (const s of this.identity.servers) plan.set(s.url, { server: s, peers: [] });
    const now = Date.now();
    const pulls = this.deviceSync.pulls;
    for (const p of [...this.peers.all(), ...this.devices.all()]) {
      if (p.state === 'invited' && now > p.invitationExpiresAt + INVITATION_PULL_GRACE_MS) continue;
      if (!pulls(p)) continue;
      for (const s of p.myPullServers) {
        const entry = plan.get(s.url) ?? { server: s, peers: [] };
        entry.peers.push(p);
        plan.set(s.url, entry);
      }
    }
    return plan;
  }

  flushOutbox(signal?: AbortSignal): Promise<FlushResult> {
    return flushOutbox(this, this.deviceSync.routing, signal);
  }

  /** One pull on one server (long-polling up to timeoutMs), processing and acknowledging what came. */
  async pollServer(url: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ServerStats> {
    const entry = this.pullPlan().get(url);
    if (!entry || entry.peers.length === 0) return { processed: 0, kept: 0, more: false };
    const relay = this.relayFor(entry.server);
    await secureQueues(relay, entry.peers, this.log); // only their contact may post to my queues
    // Every queue of mine there: each channel's current one, and retired ones still drained.
    const now = Date.now();
    const queues = entry.peers.flatMap((p) => [
      { peer: p, lookup: p.myLookup },
      ...liveRetired(p, now).map((r) => ({ peer: p, lookup: r.lookup })),
    ]);
    // My devices first, then contacts, unanswered invitations last: the relay fills a reply
    // queue by queue in this order, so nobody can crowd out the others.
    const rank = (p: Peer) => (p.type === 'device' ? 0 : p.state === 'invited' ? 2 : 1);
    queues.sort((a, b) => rank(a.peer) - rank(b.peer));
    const chunks: (typeof queues)[] = [];
    for (let i = 0; i < queues.length; i += KEYS_PER_PULL) chunks.push(queues.slice(i, i + KEYS_PER_PULL));
    // Acks for queues no longer pulled here go on their own; the others ride on their pull.
    const pulled = new Set(queues.map((q) => toBase64(q.lookup.publicKey)));
    const waiting = this.pendingAcks.take(url);
    this.pendingAcks.restore(
      url,
      waiting.filter((a) => pulled.has(toBase64(a.lookup.publicKey))),
    );
    const orphans = waiting.filter((a) => !pulled.has(toBase64(a.lookup.publicKey)));
    if (orphans.length) await this.sendAcks(relay, url, orphans, opts.signal);
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const ack = this.pendingAcks.take(
          url,
          chunk.map((q) => q.lookup),
        );
        let res: Awaited<ReturnType<Relay['pull']>>;
        try {
          res = await politely(() =>
            relay.pull(
              chunk.map((q) => q.lookup),
              {
                timeoutMs: opts.timeoutMs,
                maxMessages: 200,
                signal: opts.signal,
                ...(ack.length ? { ack } : {}),
              },
            ),
          );
        } catch (e) {
          this.pendingAcks.restore(url, ack);
          throw e;
        }
        let kept = 0;
        const keptPerQueue = new Map<string, number>();
        // One transaction for the batch (receiveBatch); acked with the next pull, once committed.
        const dispositions = await receiveBatch(this, res.messages, this.deviceSync);
        for (const [i, dm] of res.messages.entries()) {
          const dest = toBase64(dm.message?.destination ?? new Uint8Array(0));
          let disposition = dispositions[i];
          if (disposition === 'elsewhere') {
            kept++; // the device that drives this contact now reads it
            continue;
          }
          if (disposition === 'keep') {
            // Only a few may wait on one queue (messages that overtook an invitation answer);
            // beyond that it is someone filling the queue with what cannot be read yet.
            const n = (keptPerQueue.get(dest) ?? 0) + 1;
            keptPerQueue.set(dest, n);
            if (n <= MAX_KEPT_PER_QUEUE) {
              kept++;
              continue;
            }
            this.log.warn('dropped a message waiting on an unanswered invitation (too many)', { id: dm.id });
            this.db.received.record(dm.id);
            disposition = 'ack';
          }
          const owner = chunk.find((q) => toBase64(q.lookup.publicKey) === dest);
          if (owner && dm.id) this.pendingAcks.add(url, owner.lookup, dm.id);
        }
        const processed = res.messages.length - kept;
        return { processed, kept, more: res.more };
      }),
    );
    this.emit('connection', { server: url, online: true, since: Date.now() });
    return {
      processed: results.reduce((n, r) => n + r.processed, 0),
      kept: results.reduce((n, r) => n + r.kept, 0),
      more: results.some((r) => r.more),
    };
  }

  private async sendAcks(relay: Relay, url: string, items: AckItem[], signal?: AbortSignal): Promise<void> {
    try {
      await politely(() => relay.ack(items, { signal }));
    } catch (e) {
      this.pendingAcks.restore(url, items);
      throw e;
    }
  }

  /** Sends the acks still waiting for a next pull (before stopping: a redelivery costs more). */
  async flushAcks(signal?: AbortSignal): Promise<void> {
    for (const url of this.pendingAcks.urls()) {
      const server = this.pullPlan().get(url)?.server;
      if (!server) continue;
      await this.sendAcks(this.relayFor(server), url, this.pendingAcks.take(url), signal).catch(
        (e: unknown) => this.log.info('acks left for the next pull', { server: url, error: String(e) }),
      );
    }
  }

  /**
   * `meow sync`: send the outbox, pull (long-polling up to waitMs the first time),
   * process, acknowledge, and repeat until nothing is left.
   */
  async sync(opts: { waitMs?: number } = {}): Promise<{ received: number; sent: number }> {
    let received = 0;
    await this.deviceSync.resumeHandovers();
    let sent = (await this.flushOutbox()).sent;
    let first = true;
    for (;;) {
      const urls = [...this.pullPlan().keys()];
      const stats = await Promise.all(
        urls.map((u) =>
          this.pollServer(u, { timeoutMs: first ? (opts.waitMs ?? 0) : 0 }).catch((e: unknown) => {
            throw relayServiceError(e, u);
          }),
        ),
      );
      first = false;
      const processed = stats.reduce((n, s) => n + s.processed, 0);
      received += processed;
      const flushed = await this.flushOutbox();
      sent += flushed.sent;
      // A round that moved nothing ends it, whatever `more` says (kept messages stay queued).
      if (processed === 0 && flushed.sent === 0) break;
    }
    await this.flushAcks();
    return { received, sent };
  }

  /** `meow run`: the send loop and one long-poll loop per server, until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops.push(
      (async () => {
        await this.deviceSync
          .resumeHandovers()
          .catch((e: unknown) => this.log.error('resume failed', { error: String(e) }));
        await this.sendLoop();
      })(),
    );
    this.startPollLoops();
    const prune = () => {
      try {
        this.db.received.prune(Date.now() - RECEIVED_ID_TTL_MS);
        this.deviceSync.dedup.prune();
        this.rotateDue();
      } catch (e) {
        this.log.warn('prune failed', { error: String(e) });
      }
      this.dropDrainedQueues().catch((e: unknown) => this.log.warn('prune failed', { error: String(e) }));
    };
    prune();
    this.pruneTimer = setInterval(prune, 6 * 3600 * 1000);
    this.pruneTimer.unref();
  }

  private startPollLoops(): void {
    for (const url of this.pullPlan().keys()) {
      if (this.pollingServers.has(url)) continue;
      this.pollingServers.add(url);
      this.loops.push(this.pollLoop(url));
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    for (const ac of this.pollAborts) ac.abort();
    this.sendWake?.();
    await Promise.allSettled(this.loops);
    this.loops = [];
    await this.flushAcks(AbortSignal.timeout(2000)); // bounded: stopping must not wait on a lost relay
    this.pollingServers.clear();
  }

  private async sendLoop(): Promise<void> {
    while (this.running) {
      this.sendKicked = false;
      try {
        await this.flushOutbox();
      } catch (e) {
        this.log.error('send loop', { error: String(e) });
        this.emit('notice', { code: 'SEND_FAILED', params: { error: (e as Error).message } });
      }
      if (!this.running) break;
      if (this.sendKicked) continue;
      const next = this.db.outbox.nextAttempt();
      const wait = next === null ? 30_000 : Math.max(0, Math.min(30_000, next - Date.now()));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.sendWake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.sendWake = null;
    }
  }

  private async pollLoop(url: string): Promise<void> {
    let failures = 0;
    while (this.running) {
      const ac = new AbortController();
      this.pollAborts.add(ac);
      try {
        const stats = await this.pollServer(url, {
          timeoutMs: this.opts.pollTimeoutMs ?? POLL_TIMEOUT_MS,
          signal: ac.signal,
        });
        failures = 0;
        this.relayHealth.ok(url);
        if (stats.processed === 0 && stats.kept === 0 && !this.pullPlan().get(url)?.peers.length) {
          await sleep(1000, ac.signal); // nothing to pull here yet
        } else if (stats.kept > 0 && stats.processed === 0) {
          await sleep(1000, ac.signal); // only messages that must wait: do not spin
        }
      } catch (e) {
        if (ac.signal.aborted) continue;
        failures++;
        this.relayHealth.failed(url, e);
        const err = isRelayError(e) ? `${e.code}: ${e.message}` : String(e);
        this.log.warn('pull failed', { server: url, error: err });
        this.emit('connection', { server: url, online: false, error: err, since: Date.now() });
        await sleep(backoff(failures, 500, Math.min(30_000, this.retryCeilingMs)), ac.signal);
      } finally {
        this.pollAborts.delete(ac);
      }
    }
  }
}

/** Retries a relay call the relay asked us to slow down for (RATE_LIMITED), waiting as told. */
async function politely<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      const wait = (e as { retryAfterMs?: number }).retryAfterMs;
      if (!isRelayError(e) || e.code !== 'RATE_LIMITED' || i >= attempts) throw e;
      await sleep(wait ?? 1000);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function defaultDeviceName(): string {
  return hostname() || 'my computer';
}
