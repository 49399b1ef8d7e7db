/**
 * Issue 8, "What a new user hit": each finding the CLI faces, stated as the fixed
 * behaviour, with real `meow` processes and real `meow-server`s (one that stays up, one
 * that goes down). Findings 7, 8 and the "waiting since" edge need three devices and
 * live in multidevice.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import {
  cliFriends,
  hasScript,
  meow,
  meowInTerminal,
  meowJson,
  settleCli,
  until,
  watchMeow,
  type MessageJson,
} from './harness.js';

interface PairingJson {
  device: string;
  name: string;
  code: string;
  phase: string;
  confirmed: boolean;
}

describe('what a new user hit (issue 8), on the command line', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let flaky: ServerProcess;
  let dir: string;
  const P = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-findings-'));
    server = await spawnServer(['--data', P('server')]);
    flaky = await spawnServer(['--data', P('flaky-server')]);
    await cliFriends(server.url, { dir: P('alice'), name: 'Alice' }, { dir: P('bob'), name: 'Bob' });
    await meowJson(P('alice'), ['send', 'Bob', 'before any pairing']);
    await settleCli(P('alice'), P('bob'));
    // Dora's relay will go down; a short invitation gives her a queue to pull there.
    await meowJson(P('dora'), ['init', '--name', 'Dora', '--server', flaky.url]);
    await meowJson(P('dora'), ['invite', '--name', 'Someone']);
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    await flaky.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('1. relay down: `meow sync` says one sentence naming the server (no stack), also with --json', async () => {
    await flaky.stop();
    const r = await meow(P('dora'), ['sync']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^meow: Could not reach the Meow server at ${flaky.url}\\.[^\\n]*\\n$`),
    );
    expect(r.stderr).not.toMatch(/Error|\n\s+at /);
    const j = await meow(P('dora'), ['--json', 'sync']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stderr)).toMatchObject({
      error: 'SERVER_UNREACHABLE',
      message: `Could not reach the Meow server at ${flaky.url}.`,
      params: { url: flaky.url },
    });
  });

  it('9. `meow run` says "online" only when the relay answers; when it is down, which server, and that it retries', async () => {
    const down = watchMeow(P('dora'), ['run']);
    try {
      await until(() => /retrying/.test(down.stderr()), '`meow run` to report the relay down');
      expect(down.stderr()).toContain(`cannot reach the Meow server at ${flaky.url}`);
      expect(down.stderr()).not.toMatch(/\bonline\b/);
    } finally {
      down.proc.kill('SIGTERM');
      expect((await down.done).code).toBe(0);
    }
    const up = watchMeow(P('bob'), ['run']);
    try {
      await until(() => /online \(/.test(up.stderr()), '`meow run` to say online');
      expect(up.stderr()).toContain(`online (${server.url})`);
    } finally {
      up.proc.kill('SIGTERM');
      expect((await up.done).code).toBe(0);
    }
  });

  it('9. `send` reports the status it reached (sent), also through `meow run`; a second `run` is told a `meow run` holds the profile', async () => {
    expect((await meow(P('alice'), ['send', 'Bob', 'direct'])).stdout).toBe('Sent to Bob.\n');
    const run = watchMeow(P('alice'), ['run']);
    try {
      await until(() => /Ctrl-C/.test(run.stderr()), '`meow run` to start');
      const sent = await meowJson<MessageJson>(P('alice'), ['send', 'Bob', 'through run']);
      expect(sent.status).toBe('sent');
      // and a second `run` is told it is a `meow run` that holds the profile, not "the desktop app"
      const again = await meow(P('alice'), ['run']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/open in another Meow process\. A `meow run` holds it/);
      expect(again.stderr).not.toMatch(/desktop app/);
      // an empty MEOW_PASSWORD is a missing password here too, not a wrong one
      const empty = await meow(P('alice'), ['contacts'], { MEOW_PASSWORD: '' });
      expect(empty.stderr).toMatch(/^meow: A password is needed/);
    } finally {
      run.proc.kill('SIGTERM');
      expect((await run.done).code).toBe(0);
    }
  });

  it('2. `pair new` on a profile that has an identity is refused, and changes nothing', async () => {
    const before = await meowJson<{ uid: string }[]>(P('alice'), ['contacts']);
    const r = await meow(P('alice'), ['--json', 'pair', 'new', '--server', server.url]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: 'PAIRING_HAS_IDENTITY' });
    expect(await meowJson(P('alice'), ['contacts'])).toEqual(before);
    expect(await meowJson<unknown[]>(P('alice'), ['devices'])).toHaveLength(1);
    expect(await meowJson(P('alice'), ['pair', 'status'])).toMatchObject({ phase: 'none' });
  });

  it('3. `pair accept --history-days 0` is kept when the confirmation comes later with `pair confirm`', async () => {
    const made = await meow(P('laptop'), ['pair', 'new', '--server', server.url, '--device-name', 'laptop']);
    expect(made.code, made.stderr).toBe(0);
    const link = made.stdout.trimEnd().split('\n').at(-1)!;
    // the new device stays online (it shows the code once answered; its commands go through its `run`)
    const laptop = watchMeow(P('laptop'), ['run']);
    try {
      await until(() => /Ctrl-C/.test(laptop.stderr()), 'the new device to be online');
      const waiting = await meowJson<PairingJson>(P('alice'), [
        'pair',
        'accept',
        link,
        '--history-days',
        '0',
      ]);
      expect(waiting).toMatchObject({ name: 'laptop', confirmed: false });
      expect(waiting.code).toMatch(/^\d{4} \d{4}$/);
      const here = await meowJson<PairingJson>(P('alice'), ['pair', 'confirm']);
      expect(here).toMatchObject({ confirmed: true, code: waiting.code });
      const there = await meowJson<PairingJson>(P('laptop'), ['pair', 'confirm']);
      expect(there).toMatchObject({ confirmed: true, code: waiting.code });
      await meowJson(P('alice'), ['sync', '--wait', '2']); // it learns the laptop confirmed, and sends
      const status = await meowJson<PairingJson>(P('laptop'), ['pair', 'status', '--wait', '30']);
      expect(status).toMatchObject({ phase: 'done', code: waiting.code });
    } finally {
      laptop.proc.kill('SIGTERM');
      expect((await laptop.done).code).toBe(0);
    }
    expect((await meowJson<{ name: string }[]>(P('laptop'), ['contacts'])).map((c) => c.name)).toEqual([
      'Bob',
    ]);
    expect(await meowJson(P('laptop'), ['messages', 'Bob'])).toEqual([]); // no history, as asked
    expect((await meowJson<unknown[]>(P('alice'), ['messages', 'Bob'])).length).toBeGreaterThan(0);

    // 9. the link again: its sentence is about a pairing link, not an invitation
    const reused = await meow(P('alice'), ['pair', 'accept', link]);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/^meow: This pairing link (was already used|cannot be used)/);
    expect(reused.stderr).not.toMatch(/invitation/);
  });

  it.skipIf(!hasScript)(
    '4. with `meow run` active, `pair accept` and `devices unlink` ask in the terminal that ran them',
    async () => {
      const made = await meow(P('tablet'), [
        'pair',
        'new',
        '--server',
        server.url,
        '--device-name',
        'tablet',
      ]);
      const link = made.stdout.trimEnd().split('\n').at(-1)!;
      const tablet = watchMeow(P('tablet'), ['run']);
      const run = watchMeow(P('alice'), ['run']);
      try {
        await until(() => /Ctrl-C/.test(run.stderr()) && /Ctrl-C/.test(tablet.stderr()), 'both to be online');
        let confirmedThere: Promise<unknown> | undefined;
        const accepted = await meowInTerminal(P('alice'), ['pair', 'accept', link], ['y'], {
          // once confirmed here, the person confirms on the tablet too
          onOutput: (out) => {
            if (!confirmedThere && /now confirm the same code on "tablet"/.test(out))
              confirmedThere = meowJson(P('tablet'), ['pair', 'confirm']);
          },
        });
        expect(accepted.output).toMatch(/Does "tablet" show \d{4} \d{4}\? \[y\/N\]/);
        expect(accepted.output).toMatch(/Confirmed\. (Sent|Sending) \d+ items to "tablet"/);
        expect(accepted.code).toBe(0);
        expect(await confirmedThere).toMatchObject({ confirmed: true });
        expect((await meowJson<PairingJson>(P('tablet'), ['pair', 'status', '--wait', '30'])).phase).toBe(
          'done',
        );

        const unlinked = await meowInTerminal(P('alice'), ['devices', 'unlink', 'tablet'], ['y']);
        expect(unlinked.output).toMatch(/Unlink "tablet"\? It will stop receiving your messages\. \[y\/N\]/);
        expect(unlinked.output).toMatch(/Unlinked "tablet"\./);
        expect(unlinked.code).toBe(0);
      } finally {
        for (const p of [run, tablet]) p.proc.kill('SIGTERM');
        expect((await run.done).code).toBe(0);
        await tablet.done;
      }
      const devices = await meowJson<{ name: string; state: string }[]>(P('alice'), ['devices']);
      expect(devices.find((d) => d.name === 'tablet')?.state).toBe('unlinked');
    },
  );

  it('5. per-command help shows that command only: `send --help`, `contacts --help`, `help send`, `help pair`', async () => {
    const send = await meow(P('alice'), ['send', '--help']);
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/^usage: meow .* send CONTACT \[--file PATH\]\.\.\. \[--\] \[TEXT\.\.\.\]\n/);
    expect(send.stdout).not.toMatch(/^ {2}sync |^usage: .*\bsync\b/m);
    const contacts = await meow(P('alice'), ['contacts', '--help']);
    expect(contacts.stdout).not.toMatch(/devices/);
    expect((await meow(P('alice'), ['help', 'send'])).stdout).toBe(send.stdout);
    const accept = await meow(P('alice'), ['pair', 'accept', '--help']);
    expect(accept.stdout).toMatch(/pair accept LINK/);
    expect(accept.stdout).not.toMatch(/^usage: .*pair (new|status)|^ {2}pair (new|status) /m);
    const pair = await meow(P('alice'), ['help', 'pair']);
    expect(pair.stdout.match(/^ {2}pair \w+/gm)).toEqual([
      '  pair new',
      '  pair accept',
      '  pair confirm',
      '  pair refuse',
      '  pair status',
    ]);
    expect(pair.stdout).not.toMatch(/devices/);
  });

  it('6. text that starts with "-" is never read as an option: a usage error naming --, and -- sends it', async () => {
    const count = async () => (await meowJson<unknown[]>(P('alice'), ['messages', 'Bob'])).length;
    const before = await count();
    for (const text of [['-h'], ['--help'], ['-5', 'degrees'], ['hi', '--frob']]) {
      const r = await meow(P('alice'), ['send', 'Bob', ...text]);
      expect(r.code, text.join(' ')).toBe(2);
      expect(r.stdout).toBe(''); // no help
      expect(r.stderr).toMatch(/put -- before the text/);
    }
    expect(await count()).toBe(before); // nothing sent
    const sent = await meowJson<MessageJson>(P('alice'), ['send', 'Bob', '--', '-h']);
    expect(sent.text).toBe('-h');
    expect(await count()).toBe(before + 1);

    // a mistyped global option is an unknown option, not an unknown command
    const typo = await meow(P('alice'), ['--profle', P('alice'), 'contacts']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^meow: unknown option --profle; did you mean --profile\?/);
    const late = await meow(P('alice'), ['contacts', '--jsn']);
    expect(late.stderr).toMatch(/unknown option --jsn/);
  });

  it('8. `pair accept --device-name` is a usage error: the new device names itself', async () => {
    const r = await meow(P('alice'), ['pair', 'accept', 'meow://pair?x', '--device-name', 'X']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the new device names itself/);
  });

  it('9. a message to someone who never answered says so (CONTACT_NOT_READY)', async () => {
    await meowJson(P('alice'), ['invite', '--name', 'Carol']);
    const r = await meow(P('alice'), ['send', 'Carol', 'hello?']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^meow: "Carol" has not answered the invitation yet\./);
  });

  it('9. whitespace-only messages, short passwords and an empty MEOW_PASSWORD are refused with their own sentence', async () => {
    const blank = await meow(P('alice'), ['send', 'Bob', '  ', '\t']);
    expect(blank.code).toBe(1);
    expect(blank.stderr).toBe('meow: The message is empty.\n');
    const weak = await meow(P('weak'), ['init', '--name', 'W', '--server', server.url], {
      MEOW_PASSWORD: 'x',
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toBe('meow: The password is too short: use at least 8 characters.\n');
    expect(existsSync(join(P('weak'), 'identity.json'))).toBe(false);
    const empty = await meow(P('alice'), ['contacts'], { MEOW_PASSWORD: '' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^meow: A password is needed to open this profile\./);
    expect(empty.stderr).not.toMatch(/Wrong password/);
  });

  it('9. documented: the 32 KiB limit, `messages --limit`, `--`; the README shows `meow help` as it is', async () => {
    const help = (await meow(P('alice'), ['help'])).stdout;
    expect(help).toMatch(/32 KiB/);
    expect(help).toMatch(/messages CONTACT \[--mark-read\] \[--limit N\]/);
    expect(help).toMatch(/-- ends the options/);
    const newest = await meowJson<MessageJson[]>(P('alice'), ['messages', 'Bob', '--limit', '1']);
    const all = await meowJson<MessageJson[]>(P('alice'), ['messages', 'Bob']);
    expect(newest).toEqual(all.slice(-1));
    const tooLong = await meow(P('alice'), ['send', 'Bob', 'x'.repeat(32 * 1024 + 1)]);
    expect(tooLong.stderr).toBe('meow: The message is too long (the limit is 32 KiB).\n');

    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /## The `meow` command\n+```\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block).toBe(help.trimEnd());
    expect(readme).toMatch(/npm link/);
  });
});
