/**
 * `meow reply / react / edit / delete` with real `meow` processes and a relay process: what
 * Alice does shows in Bob's `meow messages`, and bad input exits non-zero with one sentence.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { cliFriends, meow, meowJson, settleCli, type MessageJson } from './harness.js';

interface ActionJson extends MessageJson {
  quote?: { id: string; present: boolean; firstLine: string };
  reactions?: { emoji: string; count: number; by: string[] }[];
  editedAt?: number;
  history?: { text: string }[];
  deleted?: boolean;
}

describe('conversation actions from the command line', { timeout: 240_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  const A = () => join(dir, 'alice');
  const B = () => join(dir, 'bob');
  const list = (p: string, contact: string) => meowJson<ActionJson[]>(p, ['messages', contact]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-actions-'));
    server = await spawnServer(['--data', join(dir, 'server')]);
    await cliFriends(server.url, { dir: A(), name: 'Alice' }, { dir: B(), name: 'Bob' });
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reply, react, edit and delete for everyone reach the contact; --ids names the messages', async () => {
    await meowJson(B(), ['send', 'Alice', 'lunch at noon?']);
    await settleCli(B(), A());
    const ids = await meow(A(), ['messages', 'Bob', '--ids']);
    expect(ids.code, ids.stderr).toBe(0);
    const [id] = ids.stdout.trim().split(/\s+/);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const r = await meowJson<ActionJson>(A(), ['reply', 'Bob', id!.slice(0, 8), 'yes!']);
    expect(r.quote).toMatchObject({ id, present: true, firstLine: 'lunch at noon?' });
    await meowJson(A(), ['react', 'Bob', id!, '👍']);
    await meowJson(A(), ['edit', 'Bob', r.uuid, '--', '-yes, noon']);
    await settleCli(A(), B());
    let bob = await list(B(), 'Alice');
    expect(bob.find((m) => m.uuid === id)!.reactions).toEqual([{ emoji: '👍', count: 1, by: ['contact'] }]);
    const reply = bob.find((m) => m.uuid === r.uuid)!;
    expect(reply).toMatchObject({ text: '-yes, noon', quote: { id, present: true } });
    expect(reply.history!.map((h) => h.text)).toEqual(['yes!']);
    const shown = await meow(B(), ['messages', 'Alice']);
    expect(shown.stdout).toContain('> lunch at noon?');
    expect(shown.stdout).toContain('-yes, noon (edited)');

    await meowJson(A(), ['delete', 'Bob', r.uuid, '--for-everyone']);
    await settleCli(A(), B());
    bob = await list(B(), 'Alice');
    expect(bob.find((m) => m.uuid === r.uuid)).toMatchObject({ deleted: true, text: '' });
    expect((await meow(B(), ['messages', 'Alice'])).stdout).toContain('(message deleted)');

    // Deleted for me: gone here, still with Bob.
    await meowJson(A(), ['delete', 'Bob', id!]);
    expect((await list(A(), 'Bob')).some((m) => m.uuid === id)).toBe(false);
    expect((await list(B(), 'Alice')).some((m) => m.uuid === id)).toBe(true);
  });

  it('conversation: pin, mute, draft, mark unread — shown again without options; a bad duration is a usage error', async () => {
    const set = await meowJson<{ pinned: boolean; mutedUntil: number; draft: string; markedUnread: boolean }>(
      A(),
      ['conversation', 'Bob', '--pin', '--mute', '8h', '--draft', 'see you', '--mark-unread'],
    );
    expect(set).toMatchObject({ pinned: true, draft: 'see you', markedUnread: true });
    expect(set.mutedUntil).toBeGreaterThan(Date.now() + 7 * 3600_000);
    const shown = await meow(A(), ['conversation', 'Bob']);
    expect(shown.stdout).toMatch(/Bob: pinned, marked unread, muted until .*, draft: see you/);
    const bad = await meow(A(), ['conversation', 'Bob', '--mute', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--mute takes a duration/);
    await meowJson(A(), ['conversation', 'Bob', '--unpin', '--unmute', '--draft', '']);
    expect((await meow(A(), ['conversation', 'Bob'])).stdout).toMatch(/Bob: marked unread\n/);
  });

  it('conversation --disappear: both sides see the timer; a message goes once due; a value not in the list is refused', async () => {
    // Every process of this test, syncs included, allows the 5-second test timer.
    process.env['MEOW_TEST_TIMERS'] = '1';
    onTestFinished(() => void delete process.env['MEOW_TEST_TIMERS']);
    const test = { MEOW_TEST_TIMERS: '1' };
    const set = await meowJson<{ disappearAfter: number; disappearSetBy: string }>(
      A(),
      ['conversation', 'Bob', '--disappear', '5s'],
      test,
    );
    expect(set).toMatchObject({ disappearAfter: 5000, disappearSetBy: 'me' });
    const m = await meowJson<ActionJson>(A(), ['send', 'Bob', 'gone in five seconds'], test);
    await settleCli(A(), B());
    expect((await meow(B(), ['conversation', 'Alice'], test)).stdout).toMatch(
      /messages disappear 5s after reading \(set by Alice\)/,
    );
    // Bob reads it; from then, five seconds (each command removes what is due when it opens).
    expect((await meow(B(), ['messages', 'Alice', '--mark-read'], test)).stdout).toContain(
      'gone in five seconds',
    );
    for (const p of [A(), B()]) {
      for (;;) {
        const left = await meowJson<ActionJson[]>(p, ['messages', p === A() ? 'Bob' : 'Alice'], test);
        if (!left.some((x) => x.uuid === m.uuid)) break;
        await new Promise((r) => setTimeout(r, 500)); // (polling the state: each look is a new process)
      }
    }
    const bad = await meow(A(), ['conversation', 'Bob', '--disappear', '2h']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Invalid disappearing timer: off, 5 minutes, 1 hour, 1 day or 1 week/);
    const typo = await meow(A(), ['conversation', 'Bob', '--disappear', 'soon']);
    expect(typo.code).toBe(2);
    await meowJson(A(), ['conversation', 'Bob', '--disappear', 'off']);
    await settleCli(A(), B());
    expect((await meowJson<{ disappearAfter: number }>(B(), ['conversation', 'Alice'])).disappearAfter).toBe(
      0,
    );
  });

  it('search: every word, across conversations; a query too long is a usage error', async () => {
    await meowJson(A(), ['send', 'Bob', 'the Orange harbour at dawn']);
    await settleCli(A(), B());
    const hits = await meowJson<{ text: string; contactName: string }[]>(A(), [
      'search',
      'harbour',
      'orange',
    ]);
    expect(hits).toEqual([
      expect.objectContaining({ text: 'the Orange harbour at dawn', contactName: 'Bob' }),
    ]);
    expect((await meow(A(), ['search', 'harbour'])).stdout).toMatch(
      /^Bob {2}[0-9a-f]{8} {2}.*the Orange harbour at dawn/,
    );
    const long = await meow(A(), ['search', 'x'.repeat(300)]);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/at most 256 characters/);
  });

  it('export: a conversation to a folder (JSON and a page); a folder that is not there is a clear error', async () => {
    await meowJson(A(), ['send', 'Bob', 'for the record']);
    const out = join(dir, 'exports');
    mkdirSync(out);
    const r = await meowJson<{ folder: string; conversations: number; messages: number }>(A(), [
      'export',
      out,
      '--contact',
      'Bob',
    ]);
    expect(r.conversations).toBe(1);
    expect(r.messages).toBeGreaterThan(0);
    const page = readFileSync(join(r.folder, 'index.html'), 'utf8');
    expect(page).toContain('<h2>Bob</h2>');
    expect(page).toContain('for the record');
    const bad = await meow(A(), ['export', join(dir, 'no-such-folder')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/there is no such folder/);
  });

  it('bad input: a clear sentence, a non-zero exit, nothing sent', async () => {
    const theirs = await meowJson<ActionJson>(B(), ['send', 'Alice', 'not yours']);
    await settleCli(B(), A());
    const cases: [string[], RegExp][] = [
      [['react', 'Bob', theirs.uuid, 'ok'], /one emoji/],
      [['edit', 'Bob', theirs.uuid, 'changed'], /Only the author/],
      [['delete', 'Bob', theirs.uuid, '--for-everyone'], /Only the author/],
      [['reply', 'Bob', 'no-such-message', 'hi'], /No message "no-such-message"/],
    ];
    for (const [args, said] of cases) {
      const r = await meow(A(), args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(said);
    }
    const sync = await meowJson<{ sent: number }>(A(), ['sync']);
    expect(sync.sent).toBe(0);
  });
});
