/**
 * Groups over a real relay (docs/groups.md): Alice makes a group of Bob and Carol, who are
 * her contacts but not each other's; the group brings the hidden channel between them.
 * Texts go encrypted once under each sender's chain; a removal rotates the remaining
 * members' chains, so the removed member reads nothing after it.
 */
import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex } from '../../protocol/crypto/bytes.js';
import { signChange } from '../../protocol/group/membership.js';
import { sealGroupMessage } from '../../protocol/group/senderKey.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import { freshChain, loadGroup, myKeyPair, stateOf } from '../../main/core/groups/record.js';
import { groupItem, senderKeyMessage } from '../../main/core/groups/wire.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { Messenger as M } from '../../main/core/messenger/messenger.js';
import { netRelays } from '../../main/net/relayFactory.js';
import { befriend, createProfile, PASSWORD, TEST_LOG_N, useEnv, useOpen, type Env } from '../core/harness.js';
import { texts, until } from './kit.js';

/** A profile in folder `dir` whose person is called `nickname`. */
function named(env: Env, dir: string, nickname: string): Promise<Messenger> {
  return M.create(
    env.profile(dir),
    PASSWORD,
    { nickname, serverUrl: env.relay.url, logN: TEST_LOG_N },
    { relays: netRelays, log: env.log },
  );
}

describe('groups', () => {
  const env = useEnv();
  const open = useOpen();

  /** Alice, Bob and Carol (profile folders named after `tag`, people by their names). */
  async function family(tag: string) {
    const [alice, bob, carol] = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((n) => named(env, `${n}-${tag}`, n)),
    );
    open.push(alice!, bob!, carol!);
    await befriend(alice!, bob!);
    await befriend(alice!, carol!);
    const g = await alice!.groups.create('Family', ['Bob', 'Carol']);
    const all = [alice!, bob!, carol!];
    // Everyone knows the group, reaches every member and holds every member's sender key.
    await until(all, () =>
      all.every((m) => {
        const r = loadGroup(m.db, g.id);
        if (!r) return false;
        const members = stateOf(r)!.members.filter((k) => k !== r.me.publicKey);
        return members.every((k) => r.routes[k] && r.chains[k]?.length);
      }),
    );
    return { alice: alice!, bob: bob!, carol: carol!, g, all };
  }

  it('a group of my contacts who are not each other’s: everyone reads everyone, nobody gains a contact', async () => {
    const { alice, bob, carol, g, all } = await family('read');
    for (const m of all) {
      const info = m.groups.info(g.id);
      expect(info.name).toBe('Family');
      expect(info.members.map((x) => x.name).sort()).toEqual(['Alice', 'Bob', 'Carol']);
      expect(info.members.every((x) => x.reachable)).toBe(true);
    }
    // The hidden channel between Bob and Carol is no contact of theirs.
    expect(bob.contacts().map((c) => c.name)).toEqual(['Alice']);
    expect(carol.contacts().map((c) => c.name)).toEqual(['Alice']);

    await alice.groups.send(g.id, 'hello family');
    await bob.groups.send(g.id, 'hi from Bob');
    await carol.groups.send(g.id, 'hi from Carol');
    await until(all, () => all.every((m) => texts(m, g.id).length === 3));
    for (const m of all)
      expect(new Set(texts(m, g.id))).toEqual(new Set(['hello family', 'hi from Bob', 'hi from Carol']));
    const fromBob = carol.groups.messages(g.id).find((x) => x.text === 'hi from Bob')!;
    expect(carol.groups.authorName(g.id, fromBob)).toBe('Bob');
    expect(alice.groups.info(g.id).history.map((h) => h.op)).toEqual(['create']);

    // A text that overtakes its sender key (a retried post) waits for the key, then shows.
    const rb = loadGroup(bob.db, g.id)!;
    rb.myChain = freshChain();
    bob.db.groups.put(rb.id, rb);
    const aliceKey = loadGroup(alice.db, g.id)!.me.publicKey;
    const keyItem = groupItem(rb.routes[aliceKey]!, senderKeyMessage(rb), bob.clock()); // sent late, below
    await bob.groups.send(g.id, 'before my key');
    await until(all, () => (loadGroup(alice.db, g.id)!.held ?? []).length > 0);
    expect(texts(alice, g.id)).not.toContain('before my key');
    bob.db.outbox.enqueue([keyItem]);
    await until(all, () => texts(alice, g.id).includes('before my key'));
    expect(loadGroup(alice.db, g.id)!.held).toEqual([]);
  });

  it('a removed member reads nothing after its removal; refusals say why', async () => {
    const { alice, bob, carol, g, all } = await family('remove');
    // Only an admin changes membership.
    await expect(bob.groups.remove(g.id, 'Carol')).rejects.toMatchObject({ code: 'GROUP_REFUSED' });
    // A forged change from Bob (not an admin) reaches Alice: refused there, with the reason kept.
    const rb = loadGroup(bob.db, g.id)!;
    const sb = stateOf(rb)!;
    const forged = signChange(myKeyPair(rb), {
      group: g.id,
      epoch: sb.epoch + 1,
      prev: sb.head,
      op: { kind: 'remove', member: Object.keys(rb.routes).find((k) => rb.names[k] === 'Carol')! },
      at: Date.now(),
    });
    bob.db.outbox.enqueue([
      groupItem(
        rb.routes[sb.admins[0]!]!,
        {
          group: g.id,
          kind: 'changes',
          changes: new TextEncoder().encode(JSON.stringify({ changes: [...rb.changes, forged] })),
        },
        bob.clock(),
      ),
    ]);
    await until(all, () => alice.groups.info(g.id).refusals.length > 0);
    expect(alice.groups.info(g.id).refusals[0]).toMatchObject({ reason: 'NOT_AN_ADMIN', op: 'remove' });
    expect(alice.groups.info(g.id).members).toHaveLength(3);

    const carolKeysBefore = loadGroup(carol.db, g.id)!.chains;
    await alice.groups.remove(g.id, 'Carol');
    await until(all, () => !carol.groups.info(g.id).member && bob.groups.info(g.id).members.length === 2);
    // Bob and Alice rotated; the new keys went to each other only.
    await until(all, () => {
      const ra = loadGroup(alice.db, g.id)!;
      const rbb = loadGroup(bob.db, g.id)!;
      return ra.chains[rbb.me.publicKey]?.at(-1)?.keyId === rbb.myChain.keyId;
    });
    await bob.groups.send(g.id, 'after Carol left');
    await alice.groups.send(g.id, 'Alice after');
    await until(
      all,
      () => texts(alice, g.id).includes('after Carol left') && texts(bob, g.id).includes('Alice after'),
    );
    expect(texts(carol, g.id)).not.toContain('after Carol left');
    expect(texts(carol, g.id)).not.toContain('Alice after');
    // Carol holds none of the chains her former co-members use now.
    const carolNow = loadGroup(carol.db, g.id)!;
    for (const m of [alice, bob]) {
      const mine = loadGroup(m.db, g.id)!;
      for (const chains of [carolKeysBefore, carolNow.chains])
        expect((chains[mine.me.publicKey] ?? []).map((c) => c.keyId)).not.toContain(mine.myChain.keyId);
    }
    expect(carol.groups.info(g.id).history.map((h) => h.op)).toEqual(['create', 'remove']);
    await expect(carol.groups.send(g.id, 'still here?')).rejects.toMatchObject({ code: 'NOT_IN_GROUP' });

    // Carol, removed, still sends over her channel to Bob (under her old chain): refused, not shown.
    const rc = loadGroup(carol.db, g.id)!;
    const bobKey = loadGroup(bob.db, g.id)!.me.publicKey;
    const plain = encode(meow.UserMessage, {
      type: 'text',
      text: 'sneaky',
      status: { uuid: 'x', sent: Date.now() },
    });
    const { sealed } = sealGroupMessage(g.id, myKeyPair(rc), rc.myChain, plain);
    const carolToBob = carolNow.routes[bobKey]!;
    carol.db.outbox.enqueue([
      groupItem(carolToBob, { group: g.id, kind: 'text', member: rc.me.publicKey, ...sealed }, carol.clock()),
    ]);
    await until(all, () => env.logs.some((l) => l.includes('no longer in this group')));
    expect(texts(bob, g.id)).not.toContain('sneaky');
    // Nor does a change she signs count: she is not a member from her removal on.
    const sc = stateOf(loadGroup(bob.db, g.id)!)!;
    const late = signChange(myKeyPair(rc), {
      group: g.id,
      epoch: sc.epoch + 1,
      prev: sc.head,
      op: { kind: 'leave' },
      at: Date.now(),
    });
    carol.db.outbox.enqueue([
      groupItem(
        carolToBob,
        {
          group: g.id,
          kind: 'changes',
          changes: new TextEncoder().encode(JSON.stringify({ changes: [late] })),
        },
        carol.clock(),
      ),
    ]);
    await until(all, () => bob.groups.info(g.id).refusals.some((x) => x.reason === 'NOT_A_MEMBER'));
    expect(bob.groups.info(g.id).epoch).toBe(sc.epoch);
  });

  it('an added member reads and is read by everyone; a member who leaves reads nothing after', async () => {
    const { alice, bob, carol, g, all } = await family('add');
    const dave = await named(env, 'Dave-add', 'Dave');
    open.push(dave);
    await befriend(alice, dave);
    const everyone = [...all, dave];
    await alice.groups.add(g.id, 'Dave');
    await until(everyone, () =>
      everyone.every((m) => {
        const r = loadGroup(m.db, g.id);
        const st = r && stateOf(r);
        return (
          !!st &&
          st.members.length === 4 &&
          st.members.every((k) => k === r.me.publicKey || r.chains[k]?.length)
        );
      }),
    );
    expect(dave.contacts().map((c) => c.name)).toEqual(['Alice']);
    await dave.groups.send(g.id, 'hi, Dave here');
    await until(everyone, () => all.every((m) => texts(m, g.id).includes('hi, Dave here')));
    expect(carol.groups.info(g.id).history.map((h) => [h.op, h.member])).toEqual([
      ['create', ''],
      ['add', 'Dave'],
    ]);
    await bob.groups.leave(g.id);
    await until(everyone, () => [alice, carol, dave].every((m) => m.groups.info(g.id).members.length === 3));
    await until(everyone, () => {
      const rd = loadGroup(dave.db, g.id)!;
      return [alice, carol].every(
        (m) => loadGroup(m.db, g.id)!.chains[rd.me.publicKey]?.at(-1)?.keyId === rd.myChain.keyId,
      );
    });
    await dave.groups.send(g.id, 'Bob has gone');
    await until(everyone, () => [alice, carol].every((m) => texts(m, g.id).includes('Bob has gone')));
    expect(texts(bob, g.id)).not.toContain('Bob has gone');
    expect(bob.groups.info(g.id).member).toBe(false);
  });

  it('two admins change the group at once: every member converges on both changes', async () => {
    const { alice, bob, g, all } = await family('fork');
    const dave = await named(env, 'Dave-fork', 'Dave');
    open.push(dave);
    await befriend(alice, dave);
    await alice.groups.promote(g.id, 'Bob');
    await until(all, () => bob.groups.info(g.id).admin);
    const epoch = alice.groups.info(g.id).epoch;
    // Both write epoch + 1 before either hears of the other.
    await alice.groups.add(g.id, 'Dave');
    await bob.groups.rename(g.id, 'Family 2');
    const everyone = [...all, dave];
    const head = (m: Messenger) => stateOf(loadGroup(m.db, g.id)!)?.head;
    await until(
      everyone,
      () =>
        !!loadGroup(dave.db, g.id) &&
        everyone.every((m) => m.groups.info(g.id).epoch === epoch + 2 && head(m) === head(alice)),
    );
    for (const m of everyone) {
      const info = m.groups.info(g.id);
      expect(info.name).toBe('Family 2');
      expect(info.members.map((x) => x.name).sort()).toEqual(['Alice', 'Bob', 'Carol', 'Dave']);
      expect(
        info.history
          .map((h) => h.op)
          .slice(-2)
          .sort(),
      ).toEqual(['add', 'rename']);
    }
  });

  it('refuses a member list over 256 and a group message over a channel that is no member', async () => {
    const [alice, bob] = await Promise.all(['Alice2', 'Bob2'].map((n) => createProfile(env, n)));
    open.push(alice!, bob!);
    await befriend(alice!, bob!);
    await expect(
      alice!.groups.create(
        'Too many',
        Array.from({ length: 256 }, () => 'Bob2'),
      ),
    ).rejects.toMatchObject({
      code: 'GROUP_REFUSED',
    });
    const g = await alice!.groups.create('Pair', []);
    // Bob is not in it: his text for it is refused at Alice's.
    const bobToAlice = bob!.contacts()[0]!.uid;
    bob!.db.outbox.enqueue([
      groupItem(
        bobToAlice,
        { group: g.id, kind: 'text', member: toHex(bob!.contacts()[0]!.myIdentity.publicKey) },
        bob!.clock(),
      ),
    ]);
    await until([alice!, bob!], () => env.logs.some((l) => l.includes('a group message from a non-member')));
    expect(alice!.groups.messages(g.id)).toHaveLength(0);
    expect(fromUtf8(new Uint8Array())).toBe('');
  });
});
