/**
 * Deleting a conversation (issue 24, finding 5): its messages, their files' blobs and their
 * search entries go on this device and on my other device (a "conv_delete" change); the
 * contact stays on both and is not told; what arrives afterwards shows as usual.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobPath } from '../../main/core/attachments/attachments.js';
import { deleteConversation } from '../../main/core/messenger/forgetConversation.js';
import { searchIndexOf } from '../../main/core/messenger/searchIndex.js';
import { pdfLike } from '../attachments/fixtures.js';
import { aliceWithLaptopAndBob, settle, useEnv, useOpen } from '../core/harness.js';

const files = mkdtempSync(join(tmpdir(), 'meow-forget-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));

describe('deleting a conversation', () => {
  const env = useEnv();
  const open = useOpen();

  it('goes on all my devices, with its files and search entries; the contact stays', async () => {
    const { a, s, bob } = await aliceWithLaptopAndBob(env, open, 'forget');
    const bobUid = a.findContact('Bob-forget').uid;
    await bob.send('Alice-forget', 'the findme word from Bob');
    writeFileSync(join(files, 'report.pdf'), pdfLike(20_000));
    const meta = await a.attachments.prepare({ path: join(files, 'report.pdf') });
    await a.send(bobUid, 'findme with a file', { files: [meta] });
    await settle(a, s, bob);
    const onLaptop = s.messages(bobUid).find((m) => m.files.length)!;
    await s.attachments.download(onLaptop.files[0]!);
    const blobs = [blobPath(a.core.dir, meta), blobPath(s.core.dir, onLaptop.files[0]!)];
    expect(blobs.map((p) => existsSync(p))).toEqual([true, true]);
    for (const m of [a, s]) {
      await searchIndexOf(m).ready;
      expect(searchIndexOf(m).search('findme')).toHaveLength(2);
      expect(m.messages(bobUid)).toHaveLength(2);
    }

    expect(await deleteConversation(a.core, bobUid)).toBe(2);
    await settle(a, s, bob);

    for (const m of [a, s]) {
      expect(m.messages(bobUid)).toEqual([]);
      expect(searchIndexOf(m).search('findme')).toEqual([]);
      expect(m.peers.get(bobUid)?.name).toBe('Bob-forget'); // the contact stays
      expect(m.db.messages.summary(bobUid).count).toBe(0);
    }
    expect(blobs.map((p) => existsSync(p))).toEqual([false, false]);
    // Bob is not told: his copy stays
    expect(bob.messages('Alice-forget')).toHaveLength(2);

    // the conversation goes on
    await bob.send('Alice-forget', 'after the deletion');
    await settle(a, s, bob);
    for (const m of [a, s]) expect(m.messages(bobUid).map((x) => x.text)).toEqual(['after the deletion']);
  }, 120_000);
});
