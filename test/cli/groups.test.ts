/**
 * `meow group create|add|remove|leave|info|send|messages` with real `meow` processes and a
 * relay process: Alice makes a group of Bob and Carol (her contacts, not each other's), they
 * all read each other, Carol is removed and reads nothing after, and refusals say why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMessageView, GroupView } from '../../shared/views.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { cliFriends, meow, meowJson, settleCli } from './harness.js';

describe('groups from the command line', { timeout: 420_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  const A = () => join(dir, 'alice');
  const B = () => join(dir, 'bob');
  const C = () => join(dir, 'carol');
  const D = () => join(dir, 'dave');
  const texts = async (p: string) =>
    (await meowJson<GroupMessageView[]>(p, ['group', 'messages', 'Family'])).map((m) => m.text);

  /** Syncs all until `done` holds (a hidden channel's answer and a retried send take a few rounds). */
  async function until(profiles: string[], done: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 30; i++) {
      await settleCli(...profiles);
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the group did not get there');
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-groups-'));
    server = await spawnServer(['--data', join(dir, 'server')]);
    await cliFriends(server.url, { dir: A(), name: 'Alice' }, { dir: B(), name: 'Bob' });
    for (const [p, name] of [
      [C(), 'Carol'],
      [D(), 'Dave'],
    ] as const) {
      await meowJson(p, ['init', '--name', name, '--server', server.url]);
      const { link } = await meowJson<{ link: string }>(A(), ['invite', '--name', name]);
      await meowJson(p, ['accept', link, '--name', 'Alice']);
      await settleCli(p, A());
    }
  }, 180_000);
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create, send, info, remove, add, leave; refusals exit non-zero with a sentence', async () => {
    const g = await meowJson<GroupView>(A(), ['group', 'create', 'Family', 'Bob', 'Carol']);
    expect(g.members.map((m) => m.name).sort()).toEqual(['Alice', 'Bob', 'Carol']);
    await meowJson(A(), ['group', 'send', 'Family', 'hello', 'family']);
    await until(
      [A(), B(), C()],
      async () => (await texts(B())).includes('hello family') && (await texts(C())).includes('hello family'),
    );
    await meowJson(B(), ['group', 'send', 'Family', '--', '-from Bob']);
    await until([B(), C()], async () => (await texts(C())).includes('-from Bob'));
    const shown = await meow(C(), ['group', 'messages', 'Family']);
    expect(shown.stdout).toContain('Bob: -from Bob');
    // Bob and Carol did not become each other's contacts.
    expect((await meowJson<{ name: string }[]>(C(), ['contacts'])).map((c) => c.name)).toEqual(['Alice']);

    const notAdmin = await meow(B(), ['group', 'remove', 'Family', 'Carol']);
    expect(notAdmin.code).not.toBe(0);
    expect(notAdmin.stderr).toContain('only an admin may remove');

    await meowJson(A(), ['group', 'remove', 'Family', 'Carol']);
    await until(
      [A(), B(), C()],
      async () => !(await meowJson<GroupView>(C(), ['group', 'info', 'Family'])).member,
    );
    await meowJson(A(), ['group', 'add', 'Family', 'Dave']);
    await until(
      [A(), B(), D()],
      async () => (await meowJson<GroupView>(D(), ['group', 'info', 'Family'])).members.length === 3,
    );
    await meowJson(B(), ['group', 'send', 'Family', 'welcome Dave']);
    await until(
      [A(), B(), C(), D()],
      async () => (await texts(D())).includes('welcome Dave') && (await texts(A())).includes('welcome Dave'),
    );
    expect(await texts(C())).not.toContain('welcome Dave');
    const info = await meow(D(), ['group', 'info', 'Family']);
    expect(info.stdout).toContain('Alice created the group');
    expect(info.stdout).toContain('Alice removed Carol');
    expect(info.stdout).toContain('Alice added Dave');
    const gone = await meow(C(), ['group', 'send', 'Family', 'anyone?']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('no longer a member');

    // An admin renames the group and makes Dave an admin: every member's info follows.
    await meowJson(A(), ['group', 'rename', 'Family', 'Clan']);
    await meowJson(A(), ['group', 'promote', 'Clan', 'Dave']);
    await until([A(), B(), D()], async () => {
      const g = await meowJson<GroupView[]>(D(), ['groups']);
      return g[0]?.name === 'Clan' && !!g[0].admin;
    });
    expect((await meow(D(), ['group', 'info', 'Clan'])).stdout).toContain('Dave (you)  admin');

    await meowJson(B(), ['group', 'leave', 'Clan']);
    await until(
      [A(), B(), D()],
      async () => (await meowJson<GroupView>(A(), ['group', 'info', 'Clan'])).members.length === 2,
    );
    expect((await meow(A(), ['groups'])).stdout).toContain('Clan  2 members');
  });
});
