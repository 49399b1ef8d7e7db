/**
 * A group on my two devices (docs/groups.md, "My devices"): Alice's desktop drives the group;
 * her laptop shows the same group and messages, and what she writes there goes through the
 * desktop — Bob and Carol see one Alice.
 */
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../../protocol/crypto/bytes.js';
import { loadGroup, stateOf } from '../../main/core/groups/record.js';
import {
  aliceWithLaptopAndBob,
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  useEnv,
  useOpen,
} from '../core/harness.js';
import { texts, until } from './kit.js';

describe('groups on my devices', () => {
  const env = useEnv();
  const open = useOpen();

  it('Alice on two devices, Bob and Carol: the same group everywhere, one Alice to the members', async () => {
    const { a, s, bob } = await aliceWithLaptopAndBob(env, open, 'grp');
    const carol = await createProfile(env, 'Carol-grp');
    open.push(carol);
    await befriend(a, carol);
    await settle(a, s);
    const all = [a, s, bob, carol];
    const g = await a.groups.create('Team', [bob.identity.nickname, carol.identity.nickname]);
    await until(
      all,
      () =>
        [a, bob, carol].every((m) => {
          const r = loadGroup(m.db, g.id);
          return !!r && stateOf(r)!.members.every((k) => k === r.me.publicKey || r.chains[k]?.length);
        }) && !!loadGroup(s.db, g.id),
    );
    // The laptop shows the group as the desktop does, and holds none of its secrets.
    expect(s.groups.info(g.id)).toMatchObject({ name: 'Team', member: true, admin: true });
    expect(
      s.groups
        .info(g.id)
        .members.map((m) => m.name)
        .sort(),
    ).toEqual(
      a.groups
        .info(g.id)
        .members.map((m) => m.name)
        .sort(),
    );
    const onLaptop = loadGroup(s.db, g.id)!;
    expect(onLaptop.me.privateKey).toBe('');
    expect(onLaptop.myChain.chainKey).toBe('');
    expect(Object.keys(onLaptop.routes)).toHaveLength(0);

    // Written on the laptop: "waiting" for the desktop, then sent by it, as Alice.
    const m = await s.groups.send(g.id, 'from the laptop');
    expect(m.state).toBe('pending_forward');
    await a.groups.send(g.id, 'from the desktop');
    await bob.groups.send(g.id, 'from Bob');
    await until(all, () => all.every((x) => texts(x, g.id).length === 3));
    for (const x of all)
      expect(new Set(texts(x, g.id))).toEqual(new Set(['from the laptop', 'from the desktop', 'from Bob']));
    expect(s.groups.messages(g.id).find((x) => x.text === 'from the laptop')!.state).toBe('sent');
    // Bob sees one Alice: both her texts under the same member key, and three members.
    const aliceKey = loadGroup(a.db, g.id)!.me.publicKey;
    const onBob = bob.groups.messages(g.id).filter((x) => !x.outbound);
    expect(new Set(onBob.map((x) => fromUtf8(x.data)))).toEqual(new Set([aliceKey]));
    expect(bob.groups.info(g.id).members).toHaveLength(3);

    // A change asked on the laptop is made by the desktop; everyone converges.
    await s.groups.remove(g.id, carol.identity.nickname);
    await until(all, () => all.every((x) => x.groups.info(g.id).history.length === 2));
    for (const x of all) expect(x.groups.info(g.id).history.map((h) => h.op)).toEqual(['create', 'remove']);
    expect(carol.groups.info(g.id).member).toBe(false);
    expect(s.groups.info(g.id).members).toHaveLength(2);
    await s.groups.send(g.id, 'without Carol');
    await until(all, () => texts(bob, g.id).includes('without Carol'));
    expect(texts(carol, g.id)).not.toContain('without Carol');

    // A computer linked later gets the group, its history of changes and its messages.
    const later = await createBlankDevice(env, 'AliceTablet-grp');
    open.push(later);
    await pairDevices(a, later);
    await until([a, s, later, bob], () => texts(later, g.id).includes('without Carol'));
    expect(later.groups.info(g.id).history.map((h) => h.op)).toEqual(['create', 'remove']);
    expect(new Set(texts(later, g.id))).toEqual(new Set(texts(a, g.id)));
    // It writes through the desktop too.
    await later.groups.send(g.id, 'from the tablet');
    await until([a, s, later, bob], () => texts(bob, g.id).includes('from the tablet'));
  });
});
