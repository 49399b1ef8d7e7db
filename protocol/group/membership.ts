/**
 * A group's membership as a hash-chained log of signed changes (docs/groups.md).
 *
 * Every member's devices hold the changes they have seen, in any order, and `resolve`
 * turns that set into one chain: at each epoch, of the valid changes that name the head,
 * the one with the lowest hash wins. It is a function of the set alone, so members who
 * have seen the same changes agree without talking, whatever order they arrived in; a
 * losing change is kept for its author to re-issue at the head (`rebase`).
 */
import { bytesEqual, encodeFields, fromHex, toHex, u32be, u64be } from '../crypto/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/curves.js';
import { sha256 } from '../crypto/kdf.js';

export const MAX_MEMBERS = 256;
export const MAX_NAME_CHARS = 100;
/** A signed change larger than this is refused before it is looked at. */
export const MAX_CHANGE_BYTES = 16 * 1024;
const DOMAIN = 'meow/group/v1';

/** Members are named by their group identity key (Ed25519 public key, hex). */
export type GroupOp =
  | { kind: 'create'; name: string; members: string[]; admins: string[] }
  | { kind: 'add'; member: string }
  | { kind: 'remove'; member: string }
  | { kind: 'leave' }
  | { kind: 'promote'; member: string }
  | { kind: 'demote'; member: string }
  | { kind: 'rename'; name: string }
  /** The hash of the group link's secret; null: no link (revoked). */
  | { kind: 'link'; secretHash: string | null };

export interface GroupChange {
  group: string;
  epoch: number;
  /** The hash of the change at epoch − 1 ('' for the create). */
  prev: string;
  op: GroupOp;
  actor: string;
  /** The author's clock, shown beside the change; never used for order. */
  at: number;
  signature: string;
}

export interface GroupState {
  group: string;
  epoch: number;
  /** The hash of the last change applied. */
  head: string;
  name: string;
  members: string[];
  admins: string[];
  linkSecretHash: string | null;
  /** Removed or left, and not added again: their messages are refused with a sentence. */
  former: string[];
}

export type GroupRefusal =
  | 'BAD_SIGNATURE'
  | 'WRONG_GROUP'
  | 'NOT_NEXT'
  | 'NOT_A_MEMBER'
  | 'NOT_AN_ADMIN'
  | 'LAST_ADMIN'
  | 'TOO_LARGE'
  | 'INVALID';

export class GroupChangeError extends Error {
  constructor(
    readonly reason: GroupRefusal,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'GroupChangeError';
  }
}

function refuse(reason: GroupRefusal, detail: string): never {
  throw new GroupChangeError(reason, detail);
}

function opFields(op: GroupOp): string[] {
  switch (op.kind) {
    case 'create':
      return [op.kind, op.name, [...op.members].sort().join(','), [...op.admins].sort().join(',')];
    case 'add':
    case 'remove':
    case 'promote':
    case 'demote':
      return [op.kind, op.member];
    case 'leave':
      return [op.kind];
    case 'rename':
      return [op.kind, op.name];
    case 'link':
      return [op.kind, op.secretHash ?? ''];
  }
}

/** What the actor signs: every field but the signature, unambiguously encoded. */
function signedBytes(c: Omit<GroupChange, 'signature'>): Uint8Array {
  return encodeFields(DOMAIN, c.group, u32be(c.epoch), c.prev, ...opFields(c.op), c.actor, u64be(c.at));
}

export function changeHash(c: GroupChange): string {
  return toHex(sha256(encodeFields(signedBytes(c), c.signature)));
}

/** A change signed by `key` (its public key becomes the actor). */
export function signChange(key: KeyPair, c: Omit<GroupChange, 'signature' | 'actor'>): GroupChange {
  const unsigned = { ...c, actor: toHex(key.publicKey) };
  return { ...unsigned, signature: toHex(sign(key, signedBytes(unsigned))) };
}

function signatureValid(c: GroupChange): boolean {
  try {
    const key = fromHex(c.actor);
    const sig = fromHex(c.signature);
    return key.length === 32 && sig.length === 64 && verify(key, signedBytes(c), sig);
  } catch {
    return false;
  }
}

const isKey = (k: unknown): k is string => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k);

function checkName(name: string): void {
  if (typeof name !== 'string' || !name.trim() || [...name].length > MAX_NAME_CHARS)
    refuse('INVALID', `a group name is 1 to ${MAX_NAME_CHARS} characters`);
}

/**
 * `state` after `c`, or a GroupChangeError saying why `c` is refused. `state` null: `c`
 * must be the group's create.
 */
export function applyChange(state: GroupState | null, c: GroupChange): GroupState {
  if (signedBytes(c).length + c.signature.length > MAX_CHANGE_BYTES)
    refuse('TOO_LARGE', `a change is at most ${MAX_CHANGE_BYTES} bytes`);
  if (!signatureValid(c)) refuse('BAD_SIGNATURE', 'the signature does not verify');
  if (!state) return applyCreate(c);
  if (c.group !== state.group) refuse('WRONG_GROUP', 'the change is for another group');
  if (c.epoch !== state.epoch + 1 || c.prev !== state.head)
    refuse('NOT_NEXT', `the change does not follow epoch ${state.epoch}`);
  const member = (k: string) => state.members.includes(k);
  if (!member(c.actor)) refuse('NOT_A_MEMBER', 'the author is not a member');
  const admin = state.admins.includes(c.actor);
  const next: GroupState = { ...state, epoch: c.epoch, head: changeHash(c) };
  const without = (list: string[], k: string) => list.filter((x) => x !== k);
  const leaving = (k: string): GroupState => {
    const members = without(state.members, k);
    const admins = without(state.admins, k);
    if (!admins.length && members.length)
      refuse('LAST_ADMIN', 'the last admin promotes another member first');
    return { ...next, members, admins, former: [...state.former, k] };
  };
  const op = c.op;
  if (op.kind === 'leave') return leaving(c.actor);
  if (!admin) refuse('NOT_AN_ADMIN', `only an admin may ${op.kind}`);
  switch (op.kind) {
    case 'create':
      return refuse('INVALID', 'the group exists already');
    case 'add':
      if (!isKey(op.member)) refuse('INVALID', 'not a member key');
      if (member(op.member)) refuse('INVALID', 'already a member');
      if (state.members.length >= MAX_MEMBERS)
        refuse('TOO_LARGE', `a group has at most ${MAX_MEMBERS} members`);
      return {
        ...next,
        members: [...state.members, op.member].sort(),
        former: without(state.former, op.member),
      };
    case 'remove':
      if (!member(op.member)) refuse('INVALID', 'not a member');
      if (op.member === c.actor) refuse('INVALID', 'a member leaves, it does not remove itself');
      return leaving(op.member);
    case 'promote':
      if (!member(op.member) || state.admins.includes(op.member))
        refuse('INVALID', 'not a member, or an admin already');
      return { ...next, admins: [...state.admins, op.member].sort() };
    case 'demote': {
      if (!state.admins.includes(op.member)) refuse('INVALID', 'not an admin');
      const admins = without(state.admins, op.member);
      if (!admins.length) refuse('LAST_ADMIN', 'the last admin promotes another member first');
      return { ...next, admins };
    }
    case 'rename':
      checkName(op.name);
      return { ...next, name: op.name };
    case 'link':
      if (op.secretHash !== null && !isKey(op.secretHash)) refuse('INVALID', 'not a link secret hash');
      return { ...next, linkSecretHash: op.secretHash };
  }
}

function applyCreate(c: GroupChange): GroupState {
  const op = c.op;
  if (op.kind !== 'create' || c.epoch !== 0 || c.prev !== '')
    refuse('NOT_NEXT', 'a group starts with its create');
  if (!/^[0-9a-f]{32}$/.test(c.group)) refuse('INVALID', 'a group id is 16 random bytes');
  checkName(op.name);
  if (op.members.length > MAX_MEMBERS) refuse('TOO_LARGE', `a group has at most ${MAX_MEMBERS} members`);
  const members = [...new Set(op.members)].sort();
  const admins = [...new Set(op.admins)].sort();
  if (members.length !== op.members.length || !members.every(isKey))
    refuse('INVALID', 'members are distinct keys');
  if (!members.includes(c.actor) || !admins.includes(c.actor))
    refuse('INVALID', 'the creator is a member and an admin');
  if (!admins.every((a) => members.includes(a))) refuse('INVALID', 'admins are members');
  return {
    group: c.group,
    epoch: 0,
    head: changeHash(c),
    name: op.name,
    members,
    admins,
    linkSecretHash: null,
    former: [],
  };
}

export interface Resolved {
  /** null: no valid create for this group among the changes. */
  state: GroupState | null;
  chain: GroupChange[];
  /** Changes not on the chain: a fork's losers, changes after them, and what waits for a missing one. */
  off: GroupChange[];
  /** Changes refused where they would have applied, with why (shown to the person where it matters). */
  refused: { change: GroupChange; reason: GroupRefusal }[];
}

/**
 * The one chain a set of changes makes for `group`: each epoch's winner is the valid change
 * with the lowest hash among those following the head.
 */
export function resolve(group: string, changes: readonly GroupChange[]): Resolved {
  const unique = new Map<string, GroupChange>();
  for (const c of changes) if (c.group === group) unique.set(changeHash(c), c);
  const byPrev = new Map<string, [string, GroupChange][]>();
  for (const entry of unique) {
    const list = byPrev.get(entry[1].prev) ?? [];
    list.push(entry);
    byPrev.set(entry[1].prev, list);
  }
  const chain: GroupChange[] = [];
  const refused: Resolved['refused'] = [];
  let state: GroupState | null = null;
  for (;;) {
    const candidates = (byPrev.get(state ? state.head : '') ?? []).sort(([a], [b]) => (a < b ? -1 : 1));
    let applied = false;
    for (const [, c] of candidates) {
      try {
        state = applyChange(state, c);
        chain.push(c);
        applied = true;
        break;
      } catch (e) {
        if (!(e instanceof GroupChangeError)) throw e;
        refused.push({ change: c, reason: e.reason });
      }
    }
    if (!applied) break;
  }
  const onChain = new Set(chain.map(changeHash));
  const refusedSet = new Set(refused.map((r) => changeHash(r.change)));
  const off = [...unique].filter(([h]) => !onChain.has(h) && !refusedSet.has(h)).map(([, c]) => c);
  return { state, chain, off, refused };
}

/**
 * An own change that lost a fork, issued again at the head when it still means something
 * there (an add of someone added meanwhile is done already: null).
 */
export function rebase(key: KeyPair, state: GroupState, lost: GroupChange): GroupChange | null {
  if (!bytesEqual(fromHex(lost.actor), key.publicKey)) return null;
  const again = signChange(key, {
    group: state.group,
    epoch: state.epoch + 1,
    prev: state.head,
    op: lost.op,
    at: lost.at,
  });
  try {
    applyChange(state, again);
    return again;
  } catch (e) {
    if (e instanceof GroupChangeError) return null;
    throw e;
  }
}
