/**
 * A group's message received on a pairwise channel (a contact's, or a hidden group
 * channel's), applied inside the receive transaction: membership changes, sender keys,
 * member cards, texts. Each is refused with a logged reason when it does not hold: a text
 * from a non-member or signed by another member, a change the log's rules refuse.
 */
import { randomUUID } from 'node:crypto';
import { fromBase64, toBase64, toHex, utf8 } from '../../../protocol/crypto/bytes.js';
import { rebase, resolve, type GroupChange, type GroupState } from '../../../protocol/group/membership.js';
import { openGroupMessage, SenderKeyError, senderKeyProofValid } from '../../../protocol/group/senderKey.js';
import { decodeStrict, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MAX_TEXT_BYTES } from '../messenger/limits.js';
import type { ContactChannel } from '../peers/peer.js';
import type { ReceiveSink } from '../receive/decision.js';
import { membershipMoved } from './effects.js';
import { kickGroupWork } from './kick.js';
import {
  freshChain,
  loadGroup,
  memberOn,
  memberKeyHex,
  myKeyPair,
  saveGroup,
  stateOf,
  type GroupRecord,
} from './record.js';
import { chainOf, changesMessage, groupItem, readChanges } from './wire.js';
import { groupView } from './siblings.js';
import { toDbMessage } from '../messenger/dbMessage.js';

export function groupEffects(
  core: Core,
  peer: ContactChannel,
  message: meow.UserMessage,
  sink: ReceiveSink,
): void {
  const gm = message.group ? meow.GroupMessage.create(message.group) : null;
  if (!gm || !/^[0-9a-f]{32}$/.test(gm.group))
    return refuse(core, peer, '', 'a group message without a group');
  try {
    switch (gm.kind) {
      case 'changes':
        return onChanges(core, peer, gm, sink);
      case 'sender_key':
        return onSenderKey(core, peer, gm, sink);
      case 'card':
      case 'card_fwd':
        return onCard(core, peer, gm, sink);
      case 'text':
        return onText(core, peer, gm, sink);
      default:
        return refuse(core, peer, gm.group, `a group message of unknown kind "${gm.kind}"`);
    }
  } catch (e) {
    refuse(core, peer, gm.group, (e as Error).message);
  }
}

function refuse(core: Core, peer: ContactChannel, group: string, why: string): void {
  core.log.warn('refused a group message', { peer: peer.uid, group, why });
}

function onChanges(core: Core, peer: ContactChannel, gm: meow.GroupMessage, sink: ReceiveSink): void {
  const { changes, names } = readChanges(gm);
  let r = loadGroup(core.db, gm.group);
  const beforeState = r ? stateOf(r) : null;
  if (!r) {
    // A group I am added to: over the channel of the member who added me, by my key of that channel.
    const me = toHex(peer.myIdentity.publicKey);
    const resolved = resolve(gm.group, changes);
    if (!resolved.state?.members.includes(me))
      return refuse(core, peer, gm.group, 'a group log that does not name me');
    r = {
      id: gm.group,
      changes: [],
      me: memberKeyHex(peer.myIdentity),
      routes: {},
      names: {},
      myChain: { keyId: '', chainKey: '', index: 0, skipped: {} },
      chains: {},
      work: [],
      refusals: [],
    };
    const adder = [...resolved.chain]
      .reverse()
      .find((c) => (c.op.kind === 'add' && c.op.member === me) || c.op.kind === 'create')!;
    r.routes[adder.actor] = peer.uid;
    r.names[adder.actor] = peer.name;
  } else if (!memberOn(r, peer.uid)) {
    return refuse(core, peer, gm.group, 'group changes over a channel that reaches no member');
  }
  const known = new Set(r.changes.map((c) => c.signature));
  const added = changes.filter((c) => c && typeof c.signature === 'string' && !known.has(c.signature));
  if (!added.length) return;
  const all = [...r.changes, ...added];
  const resolved = resolve(r.id, all);
  if (!resolved.state) return refuse(core, peer, gm.group, 'a group log without its create');
  for (const x of resolved.refused)
    if (added.includes(x.change))
      r.refusals.push({ actor: x.change.actor, op: x.change.op.kind, reason: x.reason, at: Date.now() });
  r.refusals = r.refusals.slice(-50);
  // Refused changes are not kept: they could never apply later either.
  const refusedSet = new Set(resolved.refused.map((x) => x.change));
  r.changes = all.filter((c) => !refusedSet.has(c));
  for (const [k, v] of Object.entries(names)) if (!r.names[k]) r.names[k] = v;
  if (!r.myChain.keyId) r.myChain = freshChain();
  const { state, chain, rebased } = rebaseMine(r, resolved.state, resolved.chain, resolved.off);
  const items = membershipMoved(r, beforeState, state, chain, core.clock());
  // My change lost a fork and was issued again at the head: every member gets the log.
  if (rebased)
    items.unshift(
      ...state.members
        .filter((m) => m !== r.me.publicKey && r.routes[m])
        .map((m) => groupItem(r.routes[m]!, changesMessage(r), core.clock())),
    );
  saveGroup(core.db, r);
  sink.outbox.push(...items, ...core.fanOut({ type: 'group_update', data: groupView(r, core.identity.uid) }));
  if (r.work.length) kickGroupWork(core);
  core.emit('group', r.id);
}

/**
 * Two admins wrote the same epoch and mine lost (membership.ts keeps the lowest hash): this
 * device, which drives the group, issues it again at the head when it still means something
 * there (an add of someone added meanwhile does not), and forgets the lost copy.
 */
function rebaseMine(
  r: GroupRecord,
  state: GroupState,
  chain: GroupChange[],
  off: GroupChange[],
): { state: GroupState; chain: GroupChange[]; rebased: boolean } {
  const lost = off.filter((c) => c.actor === r.me.publicKey).sort((a, b) => a.epoch - b.epoch);
  if (!lost.length || !r.me.privateKey) return { state, chain, rebased: false };
  let rebased = false;
  for (const c of lost) {
    r.changes = r.changes.filter((x) => x !== c);
    const again = rebase(myKeyPair(r), state, c);
    if (!again) continue;
    r.changes.push(again);
    const next = resolve(r.id, r.changes);
    state = next.state!;
    chain = next.chain;
    rebased = true;
  }
  return { state, chain, rebased };
}

function onSenderKey(core: Core, peer: ContactChannel, gm: meow.GroupMessage, sink: ReceiveSink): void {
  const r = loadGroup(core.db, gm.group);
  if (!r) return refuse(core, peer, gm.group, 'a sender key for a group I do not know');
  const from = memberOn(r, peer.uid);
  const state = stateOf(r);
  if (!from || from !== gm.member || !state?.members.includes(from))
    return refuse(core, peer, gm.group, 'a sender key from a non-member');
  const chain = chainOf(gm);
  if (!senderKeyProofValid(r.id, from, chain, gm.signature))
    return refuse(core, peer, gm.group, 'a sender key without its member’s proof');
  const kept = (r.chains[from] ?? []).filter((c) => c.keyId !== chain.keyId);
  r.chains[from] = [...kept.slice(-1), chain];
  // Texts that came before this key: opened now, in the order they came.
  const waiting = (r.held ?? []).filter((h) => h.member === from);
  r.held = (r.held ?? []).filter((h) => h.member !== from);
  saveGroup(core.db, r);
  for (const h of waiting) {
    const gmHeld = meow.GroupMessage.decode(fromBase64(h.gm));
    if (gmHeld.keyId === chain.keyId) openText(core, loadGroup(core.db, r.id)!, from, gmHeld, sink);
  }
}

function onCard(core: Core, peer: ContactChannel, gm: meow.GroupMessage, sink: ReceiveSink): void {
  const r = loadGroup(core.db, gm.group);
  const state = r ? stateOf(r) : null;
  if (!r || !state?.members.includes(r.me.publicKey))
    return refuse(core, peer, gm.group, 'a card for a group I am not in');
  const from = memberOn(r, peer.uid);
  if (!from || !state.members.includes(from)) return refuse(core, peer, gm.group, 'a card from a non-member');
  if (!gm.card || !state.members.includes(gm.member))
    return refuse(core, peer, gm.group, 'a card for a non-member');
  const card = toBase64(meow.ContactCard.encode(gm.card).finish());
  if (gm.kind === 'card') {
    // I brought `gm.member` in: I pass the card on, saying whose it is.
    const to = r.routes[gm.member];
    if (!to) return refuse(core, peer, gm.group, 'a card for a member I cannot reach');
    sink.outbox.push(
      groupItem(
        to,
        { group: r.id, kind: 'card_fwd', member: from, card: gm.card, name: r.names[from] ?? '' },
        core.clock(),
      ),
    );
    return;
  }
  if (r.routes[gm.member] || r.work.some((w) => w.member === gm.member)) return;
  if (gm.name && !r.names[gm.member]) r.names[gm.member] = gm.name;
  r.work.push({ kind: 'answer_card', member: gm.member, card });
  saveGroup(core.db, r);
  kickGroupWork(core);
}

function onText(core: Core, peer: ContactChannel, gm: meow.GroupMessage, sink: ReceiveSink): void {
  const r = loadGroup(core.db, gm.group);
  if (!r) return refuse(core, peer, gm.group, 'a message for a group I do not know');
  const state = stateOf(r);
  const from = memberOn(r, peer.uid);
  if (!from) return refuse(core, peer, gm.group, 'a group message from a non-member');
  if (gm.member !== from) return refuse(core, peer, gm.group, 'a group message signed as another member');
  if (!state?.members.includes(from))
    return refuse(core, peer, gm.group, 'a message from someone no longer in this group');
  openText(core, r, from, gm, sink);
}

/** Texts held until their sender key arrives, per group (the oldest go first). */
const MAX_HELD = 200;

/**
 * Opens and stores a member's text. One whose sender key has not arrived yet (the key's
 * post was retried after the text's) is held in the record and opened when the key comes.
 */
function openText(core: Core, r: GroupRecord, from: string, gm: meow.GroupMessage, sink: ReceiveSink): void {
  const chains = r.chains[from] ?? [];
  const i = chains.findIndex((c) => c.keyId === gm.keyId);
  if (i < 0) {
    const held = toBase64(meow.GroupMessage.encode(gm).finish());
    r.held = [...(r.held ?? []), { member: from, gm: held }].slice(-MAX_HELD);
    saveGroup(core.db, r);
    core.log.info('a group message waits for its sender key', { group: r.id, member: from.slice(0, 8) });
    return;
  }
  let opened;
  try {
    opened = openGroupMessage(r.id, from, chains[i], {
      keyId: gm.keyId,
      index: gm.index,
      ciphertext: gm.ciphertext,
      signature: gm.signature,
    });
  } catch (e) {
    if (e instanceof SenderKeyError)
      return void core.log.warn('refused a group message', { group: r.id, why: e.message });
    throw e;
  }
  chains[i] = opened.chain;
  r.chains[from] = chains;
  saveGroup(core.db, r);
  const inner = decodeStrict(meow.UserMessage, 'UserMessage', opened.plain);
  if (inner.type !== 'text' || Buffer.byteLength(inner.text) > MAX_TEXT_BYTES)
    return void core.log.warn('refused a group message', {
      group: r.id,
      why: 'a group message that is not a text of at most 32 KiB',
    });
  const now = Date.now();
  const stored = core.db.messages.insertReturning({
    peerUid: r.id,
    uuid: inner.status?.uuid || randomUUID(),
    outbound: false,
    type: 'text',
    text: inner.text,
    data: utf8(from), // the author, by member key
    state: 'received',
    sentAt: Math.min(inner.status?.sent || now, now + 5 * 60_000),
    receivedAt: now,
  });
  if (stored) {
    sink.events.push({ kind: 'message', m: stored });
    sink.outbox.push(...core.fanOut({ type: 'group_msg', peerUid: r.id, dbMessage: toDbMessage(stored) }));
  }
}
