/**
 * Groups through the service (shared/schemas.ts validates every argument): the methods, the
 * group:changed event, and the refusals a host sees as one sentence.
 */
import { describe, expect, it } from 'vitest';
import { dispatchCall } from '../../shared/rpc.js';
import { useEnv } from '../core/harness.js';
import { befriendServices, newIdentity, nextEvent } from './helpers.js';

describe('groups through the service', () => {
  const env = useEnv();

  it('create, send, read on both sides; bad input refused before the service, unknown groups by name', async () => {
    const [alice, bob] = await Promise.all([newIdentity(env, 'AliceSvc'), newIdentity(env, 'BobSvc')]);
    try {
      const { bOnA } = await befriendServices(alice, bob);
      const g = await alice.createGroup({ name: 'Pair', members: [bOnA] });
      expect(g.members.map((m) => m.name).sort()).toEqual(['AliceSvc', 'BobSvc']);
      const sent = await alice.sendGroup(g.id, 'hello Bob');
      expect(sent).toMatchObject({ outbound: true, text: 'hello Bob', author: 'AliceSvc', status: 'sent' });
      const changed = nextEvent(bob, 'group:changed', (e) => e.groupId === g.id);
      for (let i = 0; i < 20 && !(await bob.groups()).length; i++) await bob.sync();
      await changed;
      for (let i = 0; i < 20; i++) {
        if ((await bob.groupMessages(g.id)).length) break;
        await alice.sync();
        await bob.sync();
      }
      expect(await bob.groupMessages(g.id)).toMatchObject([{ text: 'hello Bob', author: 'AliceSvc' }]);
      expect((await bob.groupInfo(g.id)).history).toMatchObject([{ actor: 'AliceSvc', op: 'create' }]);

      const tooMany = await dispatchCall(alice, 'createGroup', [
        { name: 'Big', members: Array.from({ length: 1025 }, (_, i) => `c${i}`) },
      ]);
      expect(tooMany).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
      const overLimit = await dispatchCall(alice, 'createGroup', [
        { name: 'Big', members: Array.from({ length: 256 }, () => bOnA) },
      ]);
      expect(overLimit).toMatchObject({ ok: false, error: { code: 'GROUP_REFUSED' } });
      const unknown = await dispatchCall(alice, 'sendGroup', ['0'.repeat(32), 'hi']);
      expect(unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_GROUP' } });
      // Bob (not an admin) may leave; after that he sends nothing more.
      expect(await dispatchCall(bob, 'leaveGroup', [g.id])).toMatchObject({ ok: true });
      expect((await bob.groupInfo(g.id)).member).toBe(false);
      await expect(bob.sendGroup(g.id, 'still here?')).rejects.toMatchObject({ code: 'NOT_IN_GROUP' });
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
