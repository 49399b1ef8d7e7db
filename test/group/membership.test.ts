import { describe, expect, it } from 'vitest';
import { ed25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import {
  applyChange,
  changeHash,
  GroupChangeError,
  MAX_MEMBERS,
  rebase,
  resolve,
  signChange,
  type GroupChange,
  type GroupOp,
  type GroupRefusal,
  type GroupState,
} from '../../protocol/group/membership.js';

const key = (): KeyPair => ed25519KeyPair();
const id = (k: KeyPair) => toHex(k.publicKey);
const group = toHex(randomBytes(16));

function create(by: KeyPair, members: KeyPair[], admins: KeyPair[] = [by]): GroupChange {
  return signChange(by, {
    group,
    epoch: 0,
    prev: '',
    op: { kind: 'create', name: 'Family', members: members.map(id), admins: admins.map(id) },
    at: 1,
  });
}

function next(by: KeyPair, state: GroupState, op: GroupOp): GroupChange {
  return signChange(by, { group: state.group, epoch: state.epoch + 1, prev: state.head, op, at: 2 });
}

function refusedWith(f: () => unknown): GroupRefusal {
  try {
    f();
  } catch (e) {
    if (e instanceof GroupChangeError) return e.reason;
    throw e;
  }
  throw new Error('the change was accepted');
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

describe('group membership log', () => {
  const alice = key();
  const bob = key();
  const carol = key();
  const dave = key();

  it('create, add, promote, rename, remove, leave: each changes the state it says', () => {
    let s = applyChange(null, create(alice, [alice, bob]));
    expect(s.members).toEqual([id(alice), id(bob)].sort());
    expect(s.admins).toEqual([id(alice)]);
    s = applyChange(s, next(alice, s, { kind: 'add', member: id(carol) }));
    s = applyChange(s, next(alice, s, { kind: 'promote', member: id(bob) }));
    s = applyChange(s, next(bob, s, { kind: 'rename', name: 'Family 2' }));
    s = applyChange(s, next(bob, s, { kind: 'remove', member: id(carol) }));
    expect(s.members).not.toContain(id(carol));
    expect(s.former).toEqual([id(carol)]);
    s = applyChange(s, next(alice, s, { kind: 'leave' }));
    expect(s).toMatchObject({ epoch: 5, name: 'Family 2', members: [id(bob)], admins: [id(bob)] });
  });

  it('refuses a non-admin change, a removed member’s change, a forged or replayed one, and a leave of the last admin', () => {
    let s = applyChange(null, create(alice, [alice, bob, carol]));
    expect(refusedWith(() => applyChange(s, next(bob, s, { kind: 'add', member: id(dave) })))).toBe(
      'NOT_AN_ADMIN',
    );
    const afterRemove = applyChange(s, next(alice, s, { kind: 'remove', member: id(carol) }));
    expect(
      refusedWith(() => applyChange(afterRemove, next(carol, afterRemove, { kind: 'rename', name: 'x' }))),
    ).toBe('NOT_A_MEMBER');
    const tampered = {
      ...next(alice, s, { kind: 'add', member: id(dave) }),
      op: { kind: 'add', member: id(bob) },
    } as GroupChange;
    expect(refusedWith(() => applyChange(s, tampered))).toBe('BAD_SIGNATURE');
    const replay = next(alice, s, { kind: 'rename', name: 'Once' });
    s = applyChange(s, replay);
    expect(refusedWith(() => applyChange(s, replay))).toBe('NOT_NEXT');
    expect(refusedWith(() => applyChange(s, next(alice, s, { kind: 'leave' })))).toBe('LAST_ADMIN');
    expect(refusedWith(() => applyChange(s, next(alice, s, { kind: 'demote', member: id(alice) })))).toBe(
      'LAST_ADMIN',
    );
  });

  it('refuses a member list over the limit, a second create, and a change for another group', () => {
    const many = Array.from({ length: 10_000 }, () => toHex(randomBytes(32)));
    const huge = signChange(alice, {
      group,
      epoch: 0,
      prev: '',
      op: { kind: 'create', name: 'Big', members: [id(alice), ...many], admins: [id(alice)] },
      at: 1,
    });
    expect(refusedWith(() => applyChange(null, huge))).toBe('TOO_LARGE');
    const over = signChange(alice, {
      group,
      epoch: 0,
      prev: '',
      op: {
        kind: 'create',
        name: 'Big',
        members: [id(alice), ...many.slice(0, MAX_MEMBERS)],
        admins: [id(alice)],
      },
      at: 1,
    });
    expect(refusedWith(() => applyChange(null, over))).toBe('TOO_LARGE');
    const s = applyChange(null, create(alice, [alice]));
    const again = signChange(alice, { group, epoch: 1, prev: s.head, op: create(alice, [alice]).op, at: 3 });
    expect(refusedWith(() => applyChange(s, again))).toBe('INVALID');
    const elsewhere = signChange(alice, {
      group: toHex(randomBytes(16)),
      epoch: 1,
      prev: s.head,
      op: { kind: 'leave' },
      at: 3,
    });
    expect(refusedWith(() => applyChange(s, elsewhere))).toBe('WRONG_GROUP');
  });

  it('three admins changing at once converge to one chain in every arrival order', () => {
    const c0 = create(alice, [alice, bob, carol], [alice, bob, carol]);
    const s0 = applyChange(null, c0);
    const concurrent = [
      next(alice, s0, { kind: 'add', member: id(dave) }),
      next(bob, s0, { kind: 'rename', name: 'Bob’s name' }),
      next(carol, s0, { kind: 'remove', member: id(alice) }),
    ];
    const heads = new Set<string>();
    for (const order of permutations([c0, ...concurrent])) {
      const r = resolve(group, order);
      heads.add(r.state!.head);
      expect(r.chain).toHaveLength(2);
      expect(r.off).toHaveLength(2);
    }
    expect(heads.size).toBe(1);
    // the winner is the lowest hash; each loser's author re-issues at the head
    const r = resolve(group, [c0, ...concurrent]);
    const winner = [...concurrent].sort((a, b) => (changeHash(a) < changeHash(b) ? -1 : 1))[0]!;
    expect(changeHash(r.chain[1]!)).toBe(changeHash(winner));
    let state = r.state!;
    const all = [c0, ...concurrent];
    for (const lost of r.off) {
      const author = [alice, bob, carol].find((k) => id(k) === lost.actor)!;
      const again = rebase(author, state, lost);
      if (!again) continue; // no longer possible at the head (its author was removed meanwhile)
      all.push(again);
      state = applyChange(state, again);
    }
    const final = resolve(group, all.reverse());
    expect(final.state).toEqual(state);
  });

  it('a removed member’s change stays off the chain on every member, whatever arrives first', () => {
    const c0 = create(alice, [alice, bob, carol]);
    const s0 = applyChange(null, c0);
    const removal = next(alice, s0, { kind: 'remove', member: id(carol) });
    const s1 = applyChange(s0, removal);
    const late = next(carol, s1, { kind: 'leave' });
    for (const order of permutations([c0, removal, late])) {
      const r = resolve(group, order);
      expect(r.state!.members).toEqual([id(alice), id(bob)].sort());
      expect(r.refused.map((x) => x.reason)).toEqual(['NOT_A_MEMBER']);
    }
  });

  it('a change whose predecessor has not arrived waits off the chain, and joins it when it comes', () => {
    const c0 = create(alice, [alice, bob]);
    const s0 = applyChange(null, c0);
    const c1 = next(alice, s0, { kind: 'add', member: id(carol) });
    const c2 = next(alice, applyChange(s0, c1), { kind: 'promote', member: id(carol) });
    const waiting = resolve(group, [c0, c2]);
    expect(waiting.state!.epoch).toBe(0);
    expect(waiting.off).toEqual([c2]);
    expect(resolve(group, [c2, c0, c1]).state!.admins).toContain(id(carol));
  });

  it('a re-added member is no longer former; an add already done is not re-issued', () => {
    let s = applyChange(null, create(alice, [alice, bob, carol]));
    s = applyChange(s, next(alice, s, { kind: 'remove', member: id(carol) }));
    const lostAdd = next(alice, s, { kind: 'add', member: id(carol) });
    s = applyChange(s, lostAdd);
    expect(s.former).toEqual([]);
    expect(rebase(alice, s, lostAdd)).toBeNull();
  });
});
