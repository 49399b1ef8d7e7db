/**
 * Export of conversations to a folder, over a real relay: messages.json and an index.html whose
 * text is escaped, the files (bytes as sent), one conversation or all. A folder that is not
 * writable (a read-only mount) or a disk that fills up (a tiny tmpfs) is a clear error that
 * leaves nothing in the folder. (The mounts need root; without it those two cases are skipped.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportConversations, type ExportedMessage } from '../../main/core/export/exportConversations.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { pdfLike } from '../attachments/fixtures.js';
import { befriend, createProfile, settle, startEnv, type Env } from '../core/harness.js';

interface ExportJson {
  conversations: { contact: { name: string }; messages: ExportedMessage[] }[];
}
const readJson = (folder: string) =>
  JSON.parse(readFileSync(join(folder, 'messages.json'), 'utf8')) as ExportJson;

/** A tmpfs of `size` mounted at a new folder (with `ro`: read-only), or null where mounting is not allowed. */
function tmpfs(size: string, ro = false): { dir: string; done(): void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'meow-mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${ro ? ',ro' : ''}`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    done: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
const canMount = (() => {
  const t = tmpfs('16k');
  t?.done();
  return !!t;
})();

describe('export', () => {
  let env: Env;
  let alice: Messenger;
  let bob: Messenger;
  let carol: Messenger;
  let work: string;
  const pdf = pdfLike(120_000);

  beforeAll(async () => {
    env = await startEnv('embedded', { maxBlobBytes: 2 * 1024 * 1024 });
    work = mkdtempSync(join(tmpdir(), 'meow-export-'));
    alice = await createProfile(env, 'alice');
    bob = await createProfile(env, 'bob');
    carol = await createProfile(env, 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    writeFileSync(join(work, 'plan.pdf'), pdf);
    await bob.send('alice', '<script>alert("x")</script> & <b>bold</b>');
    const mine = await alice.send('bob', 'plan attached', {
      files: [await alice.attachments.prepare({ path: join(work, 'plan.pdf') })],
    });
    await alice.act('bob', { kind: 'edit', target: mine.uuid, text: 'the plan, attached' });
    await carol.send('alice', 'hello from Carol');
    await settle(alice, bob, carol, alice);
  }, 120_000);
  afterAll(async () => {
    for (const m of [alice, bob, carol]) await m?.close();
    await env?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('one conversation: JSON, a readable page with every text escaped, the files as sent', async () => {
    const out = join(work, 'one');
    mkdirSync(out);
    const r = await exportConversations(alice, out, { contactId: alice.findContact('bob').uid });
    expect(r).toMatchObject({ conversations: 1, messages: 2, files: 1, missingFiles: 0 });
    expect(readdirSync(out)).toEqual([r.folder.slice(out.length + 1)]);
    const json = readJson(r.folder);
    expect(json.conversations).toHaveLength(1);
    const [theirs, mine] = json.conversations[0]!.messages as [ExportedMessage, ExportedMessage];
    expect(theirs).toMatchObject({ from: 'contact', text: '<script>alert("x")</script> & <b>bold</b>' });
    expect(mine).toMatchObject({
      from: 'me',
      text: 'the plan, attached',
      history: [{ text: 'plan attached' }],
    });
    expect(Buffer.compare(readFileSync(join(r.folder, mine.attachments[0]!.file!)), pdf)).toBe(0);
    const html = readFileSync(join(r.folder, 'index.html'), 'utf8');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain(
      `href="${mine.attachments[0]!.file!.split('/').map(encodeURIComponent).join('/')}"`,
    );
  });

  it('the whole profile: every conversation', async () => {
    const out = join(work, 'all');
    mkdirSync(out);
    const r = await exportConversations(alice, out);
    expect(r).toMatchObject({ conversations: 2, messages: 3 });
    const json = readJson(r.folder);
    expect(json.conversations.map((c) => c.contact.name).sort()).toEqual(['bob', 'carol']);
  });

  it('a folder that does not exist, or is a file: a clear error', async () => {
    await expect(exportConversations(alice, join(work, 'nope'))).rejects.toMatchObject({
      code: 'EXPORT_FAILED',
      params: { reason: 'there is no such folder' },
    });
    writeFileSync(join(work, 'a-file'), 'x');
    await expect(exportConversations(alice, join(work, 'a-file'))).rejects.toMatchObject({
      code: 'EXPORT_FAILED',
      params: { reason: 'it is not a folder' },
    });
  });

  it.skipIf(!canMount)('a read-only folder: not writable, nothing left', async () => {
    const ro = tmpfs('1m', true)!;
    try {
      await expect(exportConversations(alice, ro.dir)).rejects.toMatchObject({
        code: 'EXPORT_FAILED',
        params: { reason: 'the folder is not writable' },
      });
      expect(readdirSync(ro.dir)).toEqual([]);
    } finally {
      ro.done();
    }
  });

  it.skipIf(!canMount)('a disk that fills up: DISK_FULL, and no half-written export left', async () => {
    const small = tmpfs('64k');
    try {
      await expect(exportConversations(alice, small!.dir)).rejects.toMatchObject({ code: 'DISK_FULL' });
      expect(readdirSync(small!.dir)).toEqual([]);
    } finally {
      small!.done();
    }
  });
});
