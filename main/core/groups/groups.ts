/**
 * Groups, from my side (docs/groups.md): create one from my contacts, add, remove, leave,
 * send a text (encrypted once under my sender chain, signed with my member key, one copy
 * per member over our pairwise channel), read them, and the channel work a membership
 * change leaves (hidden group channels to members who are not my contacts).
 */
import { randomUUID } from 'node:crypto';
import { fromBase64, randomBytes, toHex, utf8, fromUtf8 } from '../../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../../protocol/crypto/curves.js';
import {
  applyChange,
  GroupChangeError,
  MAX_MEMBERS,
  resolve,
  signChange,
  type GroupOp,
  type GroupState,
} from '../../../protocol/group/membership.js';
import { sealGroupMessage } from '../../../protocol/group/senderKey.js';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import { MAX_TEXT_BYTES } from '../messenger/limits.js';
import { answerInvitation, createInvitation } from '../peers/invitation.js';
import type { ContactChannel } from '../peers/peer.js';
import type { OutboxItem, StoredMessage } from '../storage/messageDb.js';
import { canReceive } from '../devices/capabilities.js';
import { syncItem } from '../devices/payloads.js';
import { toDbMessage } from '../messenger/dbMessage.js';
import type { DeviceChannel } from '../peers/peer.js';
import { groupView, onGroupOps, type GroupOpRequest } from './siblings.js';
import { hasVisibleCharacter } from '../../../shared/text.js';
import { membershipMoved } from './effects.js';
import { onGroupWork } from './kick.js';
import {
  freshChain,
  loadGroup,
  memberKeyHex,
  myKeyPair,
  saveGroup,
  stateOf,
  type ChannelWork,
  type GroupRecord,
} from './record.js';
import { changesMessage, groupItem, senderKeyMessage } from './wire.js';
import { groupInfo, type GroupInfo } from './info.js';

export type { GroupInfo, GroupMember } from './info.js';

interface Contacts {
  find(ref: string): ContactChannel;
}

const groupLock = (id: string) => `group:${id}`;

export class Groups {
  private working: Promise<void> = Promise.resolve();
  /** Channel work done so far (settleWork tells whether a sync made some). */
  private ran = 0;

  constructor(
    private readonly core: Core,
    private readonly contacts: Contacts,
  ) {
    onGroupWork(core, () => void this.runWork());
    onGroupOps(core, this);
  }

  list(): GroupInfo[] {
    return this.core.db.groups
      .ids()
      .map((id) => groupInfo(loadGroup(this.core.db, id)!, this.core.identity.nickname))
      .filter((g): g is GroupInfo => !!g);
  }

  /** A group by id, or by name when that name is unique. */
  find(ref: string): GroupRecord {
    const byId = loadGroup(this.core.db, ref);
    if (byId) return byId;
    const matches = this.list().filter((g) => g.name.toLowerCase() === ref.toLowerCase());
    if (matches.length > 1) throw new MeowError('AMBIGUOUS_GROUP', { name: ref });
    if (!matches.length) throw new MeowError('UNKNOWN_GROUP', { group: ref });
    return loadGroup(this.core.db, matches[0]!.id)!;
  }

  info(ref: string): GroupInfo {
    return groupInfo(this.find(ref), this.core.identity.nickname)!;
  }

  messages(ref: string, opts: { limit?: number } = {}): StoredMessage[] {
    return this.core.db.messages.list(this.find(ref).id, opts);
  }

  /** The author of a received group message (its member key), as I name it. */
  authorName(ref: string, m: StoredMessage): string {
    if (m.outbound) return this.core.identity.nickname;
    const r = this.find(ref);
    const key = fromUtf8(m.data);
    return r.names[key] ?? key.slice(0, 8);
  }

  /** A new group with me (its admin) and `members`, from my contacts. */
  async create(name: string, members: string[]): Promise<GroupInfo> {
    if (!hasVisibleCharacter(name)) throw new MeowError('EMPTY_NAME', {});
    if (members.length + 1 > MAX_MEMBERS)
      throw new MeowError('GROUP_REFUSED', {
        reason: 'TOO_LARGE',
        detail: `a group has at most ${MAX_MEMBERS} members`,
      });
    const contacts = [...new Map(members.map((m) => this.ready(m)).map((c) => [c.uid, c])).values()];
    const me = ed25519KeyPair();
    const id = toHex(randomBytes(16));
    const keys = contacts.map((c) => toHex(c.contactPublicKey!));
    const create = signChange(me, {
      group: id,
      epoch: 0,
      prev: '',
      op: {
        kind: 'create',
        name: name.trim(),
        members: [toHex(me.publicKey), ...keys],
        admins: [toHex(me.publicKey)],
      },
      at: Date.now(),
    });
    const r: GroupRecord = {
      id,
      changes: [],
      me: memberKeyHex(me),
      routes: Object.fromEntries(contacts.map((c, i) => [keys[i]!, c.uid])),
      names: Object.fromEntries(contacts.map((c, i) => [keys[i]!, c.name])),
      myChain: freshChain(),
      chains: {},
      work: [],
      refusals: [],
    };
    await this.core.locks.run(groupLock(id), async () => this.commit(r, [create]));
    return this.info(id);
  }

  async add(ref: string, contactRef: string): Promise<GroupInfo> {
    const c = this.ready(contactRef);
    const key = toHex(c.contactPublicKey!);
    const found = this.find(ref);
    if (found.driver) return this.askDriver(found, { op: 'add', group: found.id, contact: c.uid });
    return this.change(found.id, { kind: 'add', member: key }, (r) => {
      r.routes[key] = c.uid;
      r.names[key] = c.name;
    });
  }

  /** `memberRef`: a member's name as this group shows it, or its key. */
  async remove(ref: string, memberRef: string): Promise<GroupInfo> {
    const r = this.find(ref);
    const key = this.memberKey(r, memberRef);
    if (r.driver) return this.askDriver(r, { op: 'remove', group: r.id, member: key });
    return this.change(r.id, { kind: 'remove', member: key });
  }

  /** Makes a member an admin (admins; on the device that drives the group). */
  async promote(ref: string, memberRef: string): Promise<GroupInfo> {
    const r = this.find(ref);
    const key = this.memberKey(r, memberRef);
    if (r.driver)
      throw new MeowError('GROUP_REFUSED', {
        reason: 'DRIVER',
        detail: 'an admin is made on the device of yours that drives the group',
      });
    return this.change(r.id, { kind: 'promote', member: key });
  }

  async leave(ref: string): Promise<GroupInfo> {
    const r = this.find(ref);
    if (r.driver) return this.askDriver(r, { op: 'leave', group: r.id });
    return this.change(r.id, { kind: 'leave' });
  }

  async rename(ref: string, name: string): Promise<GroupInfo> {
    const r = this.find(ref);
    if (r.driver) return this.askDriver(r, { op: 'rename', group: r.id, name: name.trim() });
    return this.change(r.id, { kind: 'rename', name: name.trim() });
  }

  async send(ref: string, text: string): Promise<StoredMessage> {
    if (!text.trim()) throw new MeowError('EMPTY_TEXT', {});
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES)
      throw new MeowError('TEXT_TOO_LONG', { maxBytes: MAX_TEXT_BYTES });
    const found = this.find(ref);
    this.memberState(found);
    const as = { uuid: randomUUID(), sentAt: this.core.clock(), authorDevice: this.core.identity.uid };
    const stored = found.driver ? this.forwardSend(found, text, as) : await this.sendAs(found.id, text, as);
    this.core.emit('message', stored);
    this.core.kickSend();
    return stored;
  }

  /** A sibling of mine asks (this device drives the group). */
  async fromSibling(device: DeviceChannel, req: GroupOpRequest): Promise<void> {
    const r = loadGroup(this.core.db, req.group);
    if (!r || r.driver) throw new MeowError('UNKNOWN_GROUP', { group: req.group });
    switch (req.op) {
      case 'send': {
        if (this.core.db.messages.get(r.id, req.uuid)) return; // a request delivered twice
        const as = { uuid: req.uuid, sentAt: req.sentAt, authorDevice: device.deviceId };
        this.core.emit('message', await this.sendAs(r.id, req.text, as));
        this.core.kickSend();
        return;
      }
      case 'add':
        await this.add(r.id, req.contact);
        return;
      case 'remove':
        await this.remove(r.id, req.member);
        return;
      case 'leave':
        await this.leave(r.id);
        return;
      case 'rename':
        await this.rename(r.id, req.name);
        return;
    }
  }

  /** Waits for channel work started by received messages (tests, and a clean close). */
  idle(): Promise<void> {
    return this.working;
  }

  /** Lets channel work just kicked start, waits for it, and says whether any ran. */
  async settleWork(): Promise<boolean> {
    const before = this.ran;
    await new Promise((r) => setImmediate(r));
    await this.working;
    return this.ran !== before;
  }

  // ------------------------------------------------------------------ inside

  /**
   * Sends a text as me, from the device that drives the group: written here, or by a sibling
   * (`as`: its id, time and device). One encryption for the whole group; each member's copy
   * is only wrapped for its channel; my siblings get the message as stored.
   */
  private async sendAs(
    id: string,
    text: string,
    as: { uuid: string; sentAt: number; authorDevice: string },
  ): Promise<StoredMessage> {
    return this.core.locks.run(groupLock(id), async () => {
      const r = loadGroup(this.core.db, id)!;
      const state = this.memberState(r);
      const { uuid, sentAt } = as;
      const plain = encode(meow.UserMessage, { type: 'text', text, status: { uuid, sent: sentAt } });
      const { sealed, chain } = sealGroupMessage(r.id, myKeyPair(r), r.myChain, plain);
      r.myChain = chain;
      const gm: meow.IGroupMessage = { group: r.id, kind: 'text', member: r.me.publicKey, ...sealed };
      const items = state.members
        .filter((m) => m !== r.me.publicKey && r.routes[m])
        .map((m) => groupItem(r.routes[m]!, gm, sentAt));
      // "sent": queued to every member it reaches (per-member delivery is not tracked yet).
      const message = {
        peerUid: r.id,
        uuid,
        outbound: true,
        type: 'text',
        text,
        data: utf8(r.me.publicKey),
        state: 'sent' as const,
        sentAt,
        seen: true,
        authorDevice: as.authorDevice,
      };
      items.push(...this.core.fanOut({ type: 'group_msg', peerUid: r.id, dbMessage: toDbMessage(message) }));
      return this.core.db.atomically(() => {
        saveGroup(this.core.db, r);
        this.core.db.outbox.enqueue(items);
        return this.core.db.messages.insertReturning(message) ?? this.core.db.messages.get(r.id, uuid)!;
      });
    });
  }

  /** The device of mine that drives `r`, if it takes requests. */
  private driverOf(r: GroupRecord): DeviceChannel {
    const d = this.core.devices.all().find((x) => x.deviceId === r.driver && !x.unlinked);
    if (!d || !canReceive(d, 'group_op'))
      throw new MeowError('GROUP_REFUSED', {
        reason: 'DRIVER',
        detail: 'the device of yours that drives this group cannot take the request',
      });
    return d;
  }

  private requestItem(driver: DeviceChannel, req: GroupOpRequest): OutboxItem {
    const groupData = utf8(JSON.stringify(req));
    return syncItem(driver, { syncType: 'group_op', groupData }, this.core.identity.uid);
  }

  /** A change asked of the driver; it comes back as the driver's group_update. */
  private askDriver(r: GroupRecord, req: GroupOpRequest): GroupInfo {
    this.memberState(r);
    this.core.db.outbox.enqueue([this.requestItem(this.driverOf(r), req)]);
    this.core.kickSend();
    return groupInfo(r, this.core.identity.nickname)!;
  }

  /** My text, written on a device that does not drive the group: shown "waiting" until the driver sent it. */
  private forwardSend(
    r: GroupRecord,
    text: string,
    as: { uuid: string; sentAt: number; authorDevice: string },
  ): StoredMessage {
    const driver = this.driverOf(r);
    const req: GroupOpRequest = { op: 'send', group: r.id, text, uuid: as.uuid, sentAt: as.sentAt };
    const message = {
      peerUid: r.id,
      uuid: as.uuid,
      outbound: true,
      type: 'text',
      text,
      data: utf8(r.me.publicKey),
      state: 'pending_forward' as const,
      waitingFor: driver.uid,
      waitingSince: as.sentAt,
      sentAt: as.sentAt,
      seen: true,
      authorDevice: as.authorDevice,
    };
    this.core.db.outbox.insertOutgoing(message, null, [this.requestItem(driver, req)]);
    return this.core.db.messages.get(r.id, as.uuid)!;
  }

  private ready(ref: string): ContactChannel {
    const c = this.contacts.find(ref);
    // A hidden group channel is nobody's contact: it is never added to a group by hand.
    if (!c.visible) throw new MeowError('UNKNOWN_CONTACT', { contact: ref });
    if (c.state === 'invited' || !c.contactPublicKey)
      throw new MeowError('CONTACT_NOT_READY', { contact: c.name });
    return c;
  }

  private memberState(r: GroupRecord): GroupState {
    const state = stateOf(r);
    if (!state || !state.members.includes(r.me.publicKey))
      throw new MeowError('NOT_IN_GROUP', { group: state?.name ?? r.id });
    return state;
  }

  private memberKey(r: GroupRecord, ref: string): string {
    const state = this.memberState(r);
    if (state.members.includes(ref)) return ref;
    const named = state.members.filter((m) => (r.names[m] ?? '').toLowerCase() === ref.toLowerCase());
    if (named.length === 1) return named[0]!;
    throw new MeowError('GROUP_REFUSED', {
      reason: 'INVALID',
      detail: `"${ref}" is not a member of this group`,
    });
  }

  /** Signs `op` at the head, applies it here and sends it to every member (and to whoever it removes). */
  private async change(id: string, op: GroupOp, prepare?: (r: GroupRecord) => void): Promise<GroupInfo> {
    await this.core.locks.run(groupLock(id), async () => {
      const r = loadGroup(this.core.db, id)!;
      const state = this.memberState(r);
      const c = signChange(myKeyPair(r), {
        group: id,
        epoch: state.epoch + 1,
        prev: state.head,
        op,
        at: Date.now(),
      });
      try {
        applyChange(state, c);
      } catch (e) {
        if (e instanceof GroupChangeError)
          throw new MeowError('GROUP_REFUSED', {
            reason: e.reason,
            detail: e.message.replace(/^[A-Z_]+: /, ''),
          });
        throw e;
      }
      prepare?.(r);
      this.commit(r, [c], state.members);
    });
    return this.info(id);
  }

  /** Applies my new changes to `r`, saves it and queues the log to `tell` and every member after. */
  private commit(r: GroupRecord, changes: GroupRecord['changes'], tell: string[] = []): void {
    const before = stateOf(r);
    r.changes = [...r.changes, ...changes];
    const resolved = resolve(r.id, r.changes);
    const after = resolved.state!;
    const sent = this.core.clock();
    const log = changesMessage(r);
    const to = new Set([...tell, ...after.members].filter((m) => m !== r.me.publicKey && r.routes[m]));
    const items = [...to].map((m) => groupItem(r.routes[m]!, log, sent));
    // The log goes before the new sender keys, so a member knows the group when its key arrives.
    items.push(...membershipMoved(r, before, after, resolved.chain, sent));
    items.push(...this.core.fanOut({ type: 'group_update', data: groupView(r, this.core.identity.uid) }));
    this.core.db.atomically(() => {
      saveGroup(this.core.db, r);
      this.core.db.outbox.enqueue(items);
    });
    this.core.emit('group', r.id);
    this.core.kickSend();
  }

  /** Runs the channel work every group left (one at a time; new work joins the queue). */
  private runWork(): Promise<void> {
    this.working = this.working.then(async () => {
      for (const id of this.core.db.groups.ids()) {
        const r = loadGroup(this.core.db, id)!;
        for (const w of r.work) {
          try {
            await this.core.locks.run(groupLock(id), () => this.doWork(id, w));
          } catch (e) {
            this.core.log.warn('group channel work failed', { group: id, error: (e as Error).message });
          }
        }
      }
    });
    return this.working;
  }

  /** A hidden channel to a member who is not my contact: my invitation, or my answer to theirs. */
  private async doWork(id: string, w: ChannelWork): Promise<void> {
    const current = loadGroup(this.core.db, id)!;
    if (!current.work.some((x) => x.member === w.member && x.kind === w.kind)) return;
    const label = `${stateOf(current)?.name ?? 'group'}: ${current.names[w.member] ?? w.member.slice(0, 8)}`;
    const sent = this.core.clock();
    let channel: ContactChannel;
    const items: OutboxItem[] = [];
    if (w.kind === 'make_card') {
      const broker = current.routes[w.broker];
      if (!broker) throw new Error('no channel to the member who added this one');
      const made = createInvitation(this.core.identity, { name: label, type: 'contact' });
      channel = { ...made.peer, visible: false };
      items.push(groupItem(broker, { group: id, kind: 'card', member: w.member, card: made.card }, sent));
    } else {
      const card = meow.ContactCard.decode(fromBase64(w.card));
      const answered = answerInvitation(this.core.identity, card, { name: label, type: 'contact' });
      channel = { ...answered.peer, visible: false };
      items.push({
        channel: 'peer' as const,
        peerUid: channel.uid,
        plain: encode(meow.UserMessage, {
          type: 'invitation_answer',
          invitation: answered.answer,
          status: { uuid: randomUUID(), sent },
        }),
      });
    }
    await this.core.peers.put(channel);
    this.ran++;
    const r = loadGroup(this.core.db, id)!;
    r.work = r.work.filter((x) => !(x.member === w.member && x.kind === w.kind));
    const state = stateOf(r);
    if (state?.members.includes(w.member)) {
      r.routes[w.member] = channel.uid;
      // My sender key, and the log, so the member can read me from its first message.
      items.push(
        groupItem(channel.uid, changesMessage(r), sent),
        groupItem(channel.uid, senderKeyMessage(r), sent),
      );
    }
    this.core.db.atomically(() => {
      saveGroup(this.core.db, r);
      this.core.db.outbox.enqueue(items);
    });
    this.core.kickPoll();
    this.core.kickSend();
  }
}
