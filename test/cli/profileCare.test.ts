/**
 * `meow password`, `meow invite show|cancel` and `meow start-over` (issue 24, finding 5 and a leftover): the password
 * changes for this device only and the old one stops working; a `meow password` killed at
 * any point leaves the old or the new password working, never neither; start-over empties a
 * computer still waiting to be linked and refuses one with contacts; a pending invitation is
 * printed again, and once cancelled its link is refused; a conversation, then a contact, deleted;
 * a profile picture set and removed.
 */
import { mkdtempSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityFile } from '../../main/core/identity/identity.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { png } from '../helpers/png.js';
import { prng } from '../ratchet/helpers.js';
import { CLI_ENV, cliFriends, meow, meowJson, settleCli, startMeow } from './harness.js';

async function opensWith(profile: string, password: string): Promise<boolean> {
  try {
    await IdentityFile.open(profile, { password });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'WRONG_PASSWORD') return false;
    throw e; // anything else (a damaged file) fails the test
  }
}

describe('meow password and meow start-over', () => {
  let server: ServerProcess;
  let dir: string;
  const P = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-care-'));
    server = await spawnServer(['--data', join(dir, 'server')]);
    await meowJson(P('alice'), ['init', '--name', 'Alice', '--server', server.url]);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes the password; the old one is refused afterwards; a wrong current one changes nothing', async () => {
    const wrong = await meow(P('alice'), ['--json', 'password'], {
      MEOW_PASSWORD: 'not the password',
      MEOW_NEW_PASSWORD: 'whatever it is',
    });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stderr)).toMatchObject({ error: 'WRONG_PASSWORD' });
    const unset = await meow(P('alice'), ['password']);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/MEOW_NEW_PASSWORD/);

    const NEW = 'the second password';
    expect(await meowJson(P('alice'), ['password'], { MEOW_NEW_PASSWORD: NEW })).toMatchObject({
      changed: true,
    });
    const old = await meow(P('alice'), ['--json', 'profile']);
    expect(JSON.parse(old.stderr)).toMatchObject({ error: 'WRONG_PASSWORD' });
    expect(await meowJson(P('alice'), ['profile'], { MEOW_PASSWORD: NEW })).toMatchObject({ name: 'Alice' });
    // back, for the next test
    await meowJson(P('alice'), ['password'], {
      MEOW_PASSWORD: NEW,
      MEOW_NEW_PASSWORD: CLI_ENV.MEOW_PASSWORD,
    });
  });

  it('killed at any point, the old or the new password opens the profile, never neither', async () => {
    await meowJson(P('crash'), ['init', '--name', 'Alice', '--server', server.url]);
    const rand = prng(24);
    let current = CLI_ENV.MEOW_PASSWORD;
    const outcomes = { old: 0, new: 0 };
    // A whole run's duration, to spread the kills over it (the cost is raised so that the
    // derivation and the write take a visible part of it).
    const slow = { MEOW_KDF_LOGN: '15' };
    const t0 = Date.now();
    const full = await meow(P('crash'), ['password'], { ...slow, MEOW_NEW_PASSWORD: 'first of the round' });
    expect(full.code, full.stderr).toBe(0);
    const span = Date.now() - t0;
    current = 'first of the round';
    for (let i = 0; i < 16; i++) {
      const next = `password number ${i}`;
      const run = startMeow(P('crash'), ['password'], {
        ...slow,
        MEOW_PASSWORD: current,
        MEOW_NEW_PASSWORD: next,
      });
      // half of them die as soon as the new file is being written, the others at a random
      // moment of a run (some then finish first)
      const watcher =
        i % 2 === 0
          ? watch(P('crash'), (_, name) => {
              if (name?.startsWith('identity.json.tmp-')) run.proc.kill('SIGKILL');
            })
          : null;
      const timer =
        i % 2 === 1 ? setTimeout(() => run.proc.kill('SIGKILL'), (0.3 + 1.2 * rand()) * span) : null;
      await run.done;
      watcher?.close();
      if (timer) clearTimeout(timer);
      const [oldOpens, newOpens] = [await opensWith(P('crash'), current), await opensWith(P('crash'), next)];
      expect(oldOpens !== newOpens, `round ${i}: old ${oldOpens}, new ${newOpens}`).toBe(true);
      if (newOpens) {
        outcomes.new++;
        current = next;
      } else outcomes.old++;
    }
    expect(outcomes.old + outcomes.new).toBe(16);
    // the profile as a whole opens with whichever password won
    expect(await meowJson(P('crash'), ['profile'], { MEOW_PASSWORD: current })).toMatchObject({
      name: 'Alice',
    });
  });

  it('start-over empties a computer waiting to be linked and refuses one with an identity', async () => {
    const refused = await meow(P('alice'), ['--json', 'start-over']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: 'START_OVER_REFUSED' });

    const made = await meow(P('laptop'), ['pair', 'new', '--server', server.url, '--device-name', 'laptop']);
    expect(made.code, made.stderr).toBe(0);
    expect(await meowJson(P('laptop'), ['start-over'])).toMatchObject({ state: 'new' });
    expect(readdirSync(P('laptop'))).toEqual([]);
    await meowJson(P('laptop'), ['init', '--name', 'Alice', '--server', server.url]);
    expect(await meowJson(P('laptop'), ['profile'])).toMatchObject({ name: 'Alice' });
  });

  it('invite show prints the pending invitation again; invite cancel makes its link refused', async () => {
    const { link, uid } = await meowJson<{ link: string; uid: string }>(P('alice'), [
      'invite',
      '--name',
      'Dan',
    ]);
    expect(await meowJson(P('alice'), ['invite', 'show', 'Dan'])).toMatchObject({ link, uid });
    const shown = await meow(P('alice'), ['invite', 'show', 'Dan']);
    expect(shown.stdout.trimEnd().split('\n').at(-1)).toBe(link);
    expect(await meowJson(P('alice'), ['invite', 'cancel', 'Dan'])).toMatchObject({
      cancelled: true,
      removed: true,
    });
    expect((await meowJson<{ name: string }[]>(P('alice'), ['contacts'])).map((c) => c.name)).not.toContain(
      'Dan',
    );
    await meowJson(P('dan'), ['init', '--name', 'Dan', '--server', server.url]);
    const refused = await meow(P('dan'), ['accept', link]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cancelled/);
  });

  it('conversation delete empties the conversation and keeps the contact; contact delete removes it', async () => {
    await cliFriends(server.url, { dir: P('eve'), name: 'Eve' }, { dir: P('fay'), name: 'Fay' });
    await meowJson(P('eve'), ['send', 'Fay', 'a message to forget']);
    await settleCli(P('eve'), P('fay'));
    expect(await meowJson<unknown[]>(P('fay'), ['messages', 'Eve'])).toHaveLength(1);
    expect(await meowJson(P('fay'), ['conversation', 'delete', 'Eve'])).toMatchObject({ deleted: true });
    expect(await meowJson<unknown[]>(P('fay'), ['messages', 'Eve'])).toEqual([]);
    expect((await meowJson<{ name: string }[]>(P('fay'), ['contacts'])).map((c) => c.name)).toContain('Eve');
    // and the contact itself: refused without --yes when nobody can be asked, then gone
    expect((await meow(P('fay'), ['contact', 'delete', 'Eve'])).code).toBe(2);
    expect(await meowJson(P('fay'), ['contact', 'delete', 'Eve', '--yes'])).toMatchObject({ deleted: true });
    expect((await meowJson<{ name: string }[]>(P('fay'), ['contacts'])).map((c) => c.name)).not.toContain(
      'Eve',
    );
  });

  it('profile --avatar takes a square picture and refuses another file with its reason', async () => {
    writeFileSync(join(dir, 'square.png'), png(64, 64));
    writeFileSync(join(dir, 'wide.png'), png(64, 32));
    const wide = await meow(P('alice'), ['--json', 'profile', '--avatar', join(dir, 'wide.png')]);
    expect(JSON.parse(wide.stderr)).toMatchObject({ error: 'AVATAR_INVALID', params: { problem: 'square' } });
    expect(await meowJson(P('alice'), ['profile', '--avatar', join(dir, 'square.png')])).toMatchObject({
      avatar: true,
    });
    expect(await meowJson(P('alice'), ['profile', '--no-avatar'])).toMatchObject({ avatar: false });
  });
});
