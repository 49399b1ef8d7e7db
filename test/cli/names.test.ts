/**
 * Issue 24 on the command line: names are printed with their direction overrides and
 * invisible characters escaped (finding 8), and a second contact of the same name is
 * warned about on stderr while the command still works (finding 4).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { cliFriends, meow, meowJson } from './harness.js';

describe('names on the command line (issue 24)', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  const P = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-names-'));
    server = await spawnServer(['--data', P('server')]);
    await cliFriends(server.url, { dir: P('alice'), name: 'Alice' }, { dir: P('bob'), name: 'Bob' });
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finding 8: `contacts` and `accept` escape direction overrides and invisible characters', async () => {
    await meowJson(P('alice'), ['contact', 'Bob', '--rename', 'Bob \u202egnp.exe\u202c\u200b']);
    const list = await meow(P('alice'), ['contacts']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('Bob ⟨RLO⟩gnp.exe⟨PDF⟩⟨U+200B⟩');
    expect(list.stdout).not.toMatch(/[\u202e\u202c\u200b]/);

    await meowJson(P('carol'), ['init', '--name', 'Carol \u202egnp.exe\u202c', '--server', server.url]);
    const { link } = await meowJson<{ link: string }>(P('carol'), ['invite', '--name', 'Alice']);
    const added = await meow(P('alice'), ['accept', link]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added Carol ⟨RLO⟩gnp.exe⟨PDF⟩.');
    expect(added.stdout).not.toMatch(/[\u202e\u202c]/);
  });

  it('finding 4: `invite --name` and `accept` warn on stderr about a contact of the same name, and still work', async () => {
    const inv = await meow(P('alice'), ['invite', '--name', 'carol \u202egnp.exe\u202c']);
    expect(inv.code).toBe(0);
    expect(inv.stderr).toContain('You already have a contact named Carol ⟨RLO⟩gnp.exe⟨PDF⟩');
    expect(inv.stdout).toMatch(/Invitation for carol/);

    const fresh = await meow(P('alice'), ['invite', '--name', 'Dora']);
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).not.toContain('already have');

    await meowJson(P('bob2'), ['init', '--name', 'Bob', '--server', server.url]);
    const { link } = await meowJson<{ link: string }>(P('bob2'), ['invite', '--name', 'Alice']);
    await meowJson(P('alice'), ['contact', 'Bob \u202egnp.exe\u202c\u200b', '--rename', 'Bob']);
    const again = await meow(P('alice'), ['accept', link]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Added Bob.');
    expect(again.stderr).toContain('You already have a contact named Bob');
  });
});
