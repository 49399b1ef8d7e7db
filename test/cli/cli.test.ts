/** The `meow` command line as a contract: shapes of --json output, exit codes, one-sentence errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import {
  BIN,
  CLI_ENV,
  cliFriends,
  meow,
  meowJson,
  settleCli,
  startMeow,
  type CliResult,
  type MessageJson,
} from './harness.js';

// Each case runs a dozen or more `meow` processes (each unlocks its profile): well under a
// minute alone, more beside other test files on two busy cores. The timeout guards against hangs.
describe('meow CLI', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  let data: string;
  const A = () => join(dir, 'alice');
  const B = () => join(dir, 'bob');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-cli-'));
    data = join(dir, 'server');
    server = await spawnServer(['--data', data]);
    await cliFriends(server.url, { dir: A(), name: 'Alice' }, { dir: B(), name: 'Bob' });
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('contacts, send, sync, messages and profile speak stable JSON', async () => {
    const contacts = await meowJson<{ uid: string; name: string; state: string }[]>(A(), ['contacts']);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ name: 'Bob', state: 'active' });
    expect(contacts[0]!.uid).toMatch(/^[0-9a-f]{32}$/);

    // `send` reports the status it reached: the relay is up, so it went (finding 9: not "Queued (pending)")
    const sent = await meowJson<MessageJson>(A(), ['send', 'Bob', 'hello', 'there']);
    expect(sent).toMatchObject({ outbound: true, text: 'hello there', status: 'sent' });
    await settleCli(A(), B());
    const onBob = await meowJson<MessageJson[]>(B(), ['messages', 'Alice', '--mark-read']);
    expect(onBob.map((m) => [m.text, m.outbound, m.status])).toEqual([['hello there', false, 'received']]);
    await settleCli(B(), A());
    const onAlice = await meowJson<MessageJson[]>(A(), ['messages', contacts[0]!.uid]);
    expect(onAlice.map((m) => [m.text, m.status])).toEqual([['hello there', 'read']]);

    const settings = await meowJson<{ blocked: boolean; sendProcessingAck: boolean }>(B(), [
      'contact',
      'Alice',
      '--read-receipts',
      'off',
    ]);
    expect(settings).toMatchObject({ blocked: false, sendProcessingAck: false });
    await meowJson(B(), ['contact', 'Alice', '--read-receipts', 'on']);
    const bad = await meow(B(), ['contact', 'Alice', '--read-receipts', 'maybe']);
    expect(bad.code).toBe(2);

    const profile = await meowJson<{ name: string; status: string }>(A(), [
      'profile',
      '--status',
      'on holiday',
    ]);
    expect(profile).toMatchObject({ name: 'Alice', status: 'on holiday' });
    await settleCli(A(), B());
    const bobsView = await meowJson<{ status: string }[]>(B(), ['contacts']);
    expect(bobsView[0]!.status).toBe('on holiday');
  });

  it('invite prints the link as the last line, with a QR code above it', async () => {
    const r = await meow(A(), ['invite', '--name', 'Carol']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^meow:\/\/invite\?/);
    expect(r.stdout).toMatch(/[▀▄█]/); // terminal QR blocks
    // stdout is a pipe here: plain characters, no colour escapes in a file or a pipe
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('output piped into a reader that stops early (| head) ends quietly, no stack trace', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" --profile "${A()}" invite --name Early | head -c 1; echo " rc=\${PIPESTATUS[0]}" >&2`,
      ],
      { env: { ...process.env, ...CLI_ENV }, encoding: 'utf8' },
    );
    expect(r.stderr).not.toMatch(/EPIPE|at |Something went wrong/);
    expect(r.stderr).toMatch(/rc=0/);
  });

  it('errors: one clear sentence on stderr and a non-zero exit code', async () => {
    const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
      [['messages', 'Nobody'], /^meow: No contact "Nobody"\.\n$/],
      [
        ['accept', 'https://example.com', '--name', 'X'],
        /^meow: This link cannot be used: it is not a meow:\/\/ link\.\n$/,
      ],
      [
        ['accept', 'meow://invite?c=AAAA', '--name', 'X'],
        /^meow: This link cannot be used: its card cannot be read/,
      ],
      [
        ['accept', 'meow://invite?s=http%3A%2F%2F127.0.0.1%3A1&i=abcdefgh', '--name', 'X'],
        /^meow: This invitation link cannot be used: it is incomplete\.\n$/,
      ],
      [['contacts'], /^meow: Wrong password\.\n$/, { MEOW_PASSWORD: 'wrong' }],
      [['init', '--name', 'Again', '--server', 'http://127.0.0.1:1'], /already holds an identity/],
    ];
    for (const [args, pattern, env] of cases) {
      const r = await meow(A(), args, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stdout).toBe('');
    }
    const usage = await meow(A(), ['frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command "frobnicate"/);
    const missing = await meow(join(dir, 'nobody'), ['contacts']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no identity in .*nobody/i);
  });

  it('a damaged message store is replaced and said so; a damaged identity file is a clear error', async () => {
    const p = join(dir, 'corrupt');
    await meowJson(p, ['init', '--name', 'C', '--server', server.url]);
    writeFileSync(join(p, 'messages.db'), 'this is not a database');
    const r = await meow(p, ['contacts']);
    expect(r.code).toBe(0); // the rest of the profile opens (test/reliability/storage.test.ts)
    expect(r.stderr).toMatch(
      /^meow: The message store .*messages\.db was damaged: it is kept as .*messages\.db\.damaged-/,
    );
    expect(readdirSync(p).filter((f) => f.startsWith('messages.db.damaged-'))).not.toEqual([]);
    writeFileSync(join(p, 'identity.json'), '{"v":1,"kdf":');
    const r2 = await meow(p, ['contacts']);
    expect(r2.stderr).toBe(
      `meow: The identity file is damaged and cannot be read (not valid JSON): ${join(p, 'identity.json')}.\n`,
    );
  });

  it('--json errors are JSON on stderr', async () => {
    const r = await meow(A(), ['--json', 'messages', 'Nobody']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual({
      error: 'UNKNOWN_CONTACT',
      message: 'No contact "Nobody".',
      params: { contact: 'Nobody' },
    });
  });

  it('while `meow run` holds a profile, other commands on it run through it (with the password checked)', async () => {
    const run = startMeow(B(), ['run']);
    try {
      // wait until the control socket answers
      let listed: CliResult | undefined;
      for (let i = 0; i < 50; i++) {
        listed = await meow(B(), ['--json', 'contacts']);
        if (listed.code === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(listed!.code, listed!.stderr).toBe(0);
      expect((JSON.parse(listed!.stdout) as { name: string }[]).map((c) => c.name)).toEqual(['Alice']);
      const sent = await meowJson<MessageJson>(B(), ['send', 'Alice', 'through run']);
      expect(sent.text).toBe('through run');
      const wrong = await meow(B(), ['contacts'], { MEOW_PASSWORD: 'wrong' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toBe('meow: Wrong password.\n');
      const notHere = await meow(B(), ['run']);
      expect(notHere.code).toBe(1);
      expect(notHere.stderr).toMatch(/open in another Meow process/);
      // the running loop sends it; Alice gets it
      for (let i = 0; i < 50; i++) {
        await meowJson(A(), ['sync', '--wait', '1']);
        const got = await meowJson<MessageJson[]>(A(), ['messages', 'Bob']);
        if (got.some((m) => m.text === 'through run')) break;
      }
      expect(
        (await meowJson<MessageJson[]>(A(), ['messages', 'Bob'])).some((m) => m.text === 'through run'),
      ).toBe(true);
    } finally {
      run.proc.kill('SIGTERM');
      const r = await run.done;
      expect(r.code).toBe(0);
    }
  });
});
