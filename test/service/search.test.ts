/**
 * Search across conversations through the service, over real profiles and a real relay:
 * every word must be there (case and accents ignored), newest first, edits searched as they
 * read now, deleted messages gone, new messages found as they arrive, nothing written to disk;
 * a 10,000-character query is a clear error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { searchIndexOf } from '../../main/core/messenger/searchIndex.js';
import { createProfile, useEnv } from '../core/harness.js';
import { befriendServices, newIdentity } from './helpers.js';

/** Every file of a profile folder, as bytes. */
function profileBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (statSync(p).isFile()) parts.push(readFileSync(p));
  }
  return Buffer.concat(parts);
}

describe('search', () => {
  const env = useEnv();

  it('a profile locked while its index is being built: the build stops, nothing fails', async () => {
    const m = await createProfile(env, 'search-lock');
    m.db.atomically(() => {
      for (let i = 0; i < 5000; i++)
        m.db.messages.insert({
          peerUid: 'c',
          uuid: `u${i}`,
          outbound: true,
          type: 'text',
          text: `text ${i}`,
          state: 'sent',
          sentAt: i,
        });
    });
    const index = searchIndexOf(m);
    await m.close();
    const built = await index.ready;
    expect(built.messages).toBeLessThan(5000); // stopped after its first page
  });

  it('finds every word, newest first, edits as they read now, never deleted ones; nothing in plain text on disk', async () => {
    const alice = await newIdentity(env, 'search-alice');
    const bob = await newIdentity(env, 'search-bob');
    const carol = await newIdentity(env, 'search-carol');
    try {
      const { bOnA } = await befriendServices(alice, bob);
      const { bOnA: cOnA } = await befriendServices(alice, carol);
      const first = await alice.send(bOnA, 'The Crème brûlée recipe is in the blue notebook');
      await alice.send(cOnA, 'Bring the blue umbrella');
      const typo = await alice.send(bOnA, 'see you at the markt');
      const gone = await alice.send(cOnA, 'blue secret, delete me');
      await alice.editMessage(bOnA, typo.id, 'see you at the market, blue door');
      await alice.deleteMessage(cOnA, gone.id, { forEveryone: true });

      const texts = async (q: string, opts = {}) => (await alice.search(q, opts)).map((r) => r.message.text);
      expect(await texts('blue')).toEqual([
        'see you at the market, blue door',
        'Bring the blue umbrella',
        'The Crème brûlée recipe is in the blue notebook',
      ]);
      expect(await texts('creme BRULEE notebook')).toEqual([
        'The Crème brûlée recipe is in the blue notebook',
      ]);
      expect(await texts('markt')).toEqual([]); // the text before the edit is not what it reads now
      expect(await texts('secret')).toEqual([]);
      expect(await texts('blue', { contactId: cOnA })).toEqual(['Bring the blue umbrella']);
      const [hit] = await alice.search('notebook');
      expect(hit).toMatchObject({ contactName: 'search-bob', message: { id: first.id } });
      expect(hit!.message.text.slice(...hit!.match!)).toBe('notebook');

      // A message that arrives after the index was built is found; one deleted for me is not.
      await bob.send((await bob.contacts())[0]!.id, 'a blue whale arrived');
      for (let i = 0; i < 5 && !(await texts('whale')).length; i++) {
        await bob.sync();
        await alice.sync();
      }
      expect(await texts('whale')).toEqual(['a blue whale arrived']);
      await alice.deleteMessage(bOnA, first.id);
      expect(await texts('notebook')).toEqual([]);

      // Bad input: a clear error; an empty query finds nothing.
      await expect(alice.search('x'.repeat(10_000))).rejects.toMatchObject({
        code: 'BAD_INPUT',
        params: { field: 'query' },
      });
      expect(await alice.search('   ')).toEqual([]);

      // The index is memory only: the words are nowhere on disk in clear.
      const disk = profileBytes((await alice.appState()).profile);
      for (const word of ['umbrella', 'whale', 'market']) expect(disk.includes(word)).toBe(false);
    } finally {
      await Promise.all([alice.close(), bob.close(), carol.close()]);
    }
  });
});
