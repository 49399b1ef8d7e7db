/**
 * Reading an invitation before accepting it: who it is from and my contacts of that name
 * (a second invitation from the same person is flagged); reading does not use it up; my
 * own link and one already accepted are refused in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../main/core/service/service.js';
import { useEnv } from '../core/harness.js';
import { newIdentity } from './helpers.js';

describe('previewInvite', () => {
  const env = useEnv();
  let alice: LocalService;
  let bob: LocalService;

  beforeAll(async () => {
    alice = await newIdentity(env, 'Alice');
    bob = await newIdentity(env, 'Bob');
  });
  afterAll(async () => {
    await Promise.all([alice.close(), bob.close()]);
  });

  it('says who, flags a second contact of the same name, and leaves the link usable', async () => {
    const first = await alice.invite({ name: 'Bob' });
    const second = await alice.invite({ name: 'Bob' });
    expect(await bob.previewInvite({ link: first.link })).toMatchObject({ name: 'Alice', sameName: [] });
    const contact = await bob.acceptInvite({ link: first.link });

    const again = await bob.previewInvite({ link: second.link });
    expect(again).toMatchObject({ name: 'Alice', sameName: [{ id: contact.id, name: 'Alice' }] });
    expect(again.expiresAt).toBeGreaterThan(Date.now());

    await expect(bob.previewInvite({ link: first.link })).rejects.toMatchObject({ code: 'ALREADY_ACCEPTED' });
    await expect(alice.previewInvite({ link: second.link })).rejects.toMatchObject({ code: 'OWN_LINK' });
    await expect(bob.previewInvite({ link: 'meow://nonsense' })).rejects.toMatchObject({ code: 'BAD_LINK' });
    // Read twice, still there to accept.
    expect((await bob.acceptInvite({ link: second.link, name: 'Alice (laptop)' })).name).toBe(
      'Alice (laptop)',
    );
  });
});
