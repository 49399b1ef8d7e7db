/** What every command gets: the profile, the output mode, the password, and the messenger. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { MeowError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { Messenger } from '../core/messenger/messenger.js';
import type { MessengerEvents } from '../core/messenger/events.js';
import { noticeText } from '../../shared/notices.js';
import type { RelayFactory } from '../core/relay.js';
import { SOCKET_NAME } from './daemon.js';
import type { CliIO } from './io.js';
import { askHidden, askYesNo } from './password.js';
import { CliError } from './args.js';

export interface CliContext {
  profile: string;
  json: boolean;
  log: Logger;
  relays: RelayFactory;
  io: CliIO;
  /** The profile password: MEOW_PASSWORD, else asked (twice when `confirm`). */
  password(prompt: string, opts?: { confirm?: boolean }): Promise<string>;
  /** Runs `fn` with the profile's messenger (opened and closed around it, or the live one of `meow run`). */
  withMessenger<T>(fn: (m: Messenger) => Promise<T>): Promise<T>;
  /** Prints `human` (text) or `json` (one JSON value) depending on --json. */
  out(human: string | (() => string), json: unknown): void;
  /** Raw text to stdout (QR codes). */
  print(text: string): void;
  /** A sentence for the person on stderr (never in the JSON output). */
  note(text: string): void;
  /** Asks yes/no when someone can answer; otherwise answers no. */
  confirm(question: string): Promise<boolean>;
}

/** Thrown when the profile is open in a running `meow run`: the command goes there instead. */
export class ProfileBusy extends Error {
  constructor(readonly password: string) {
    super('profile in use');
  }
}

export function defaultProfileDir(env: NodeJS.ProcessEnv): string {
  return env['MEOW_PROFILE'] ?? join(homedir(), '.meow');
}

export function createContext(opts: {
  profile?: string;
  json: boolean;
  verbose: boolean;
  relays: RelayFactory;
  io: CliIO;
  /** A running `meow run`'s messenger: commands use it and never close it. */
  live?: Messenger;
  /** The password already given (a forwarded command). */
  password?: string;
}): CliContext {
  const io = opts.io;
  const profile = resolve(opts.profile ?? defaultProfileDir(io.env));
  // Structured log lines are for --verbose; what a person should know arrives as notes.
  const log = createLogger({
    level: opts.verbose ? 'debug' : 'error',
    component: 'meow',
    write: (l) => io.stderr(l + '\n'),
  });
  let given = opts.password;
  const ctx: CliContext = {
    profile,
    json: opts.json,
    log,
    relays: opts.relays,
    io,
    async password(prompt, p = {}) {
      if (given !== undefined) return given;
      const fromEnv = io.env['MEOW_PASSWORD'];
      if (fromEnv !== undefined) return (given = fromEnv);
      if (!io.interactive)
        throw new CliError('No password: set MEOW_PASSWORD or run in a terminal.', 'NO_PASSWORD');
      const first = await askHidden(prompt);
      if (p.confirm && (await askHidden('Repeat the password: ')) !== first) {
        throw new CliError('The two passwords differ.');
      }
      return (given = first);
    },
    async withMessenger(fn) {
      if (opts.live) return fn(opts.live);
      const password = await ctx.password(`Password for ${profile}: `);
      let m: Messenger | undefined;
      // Another short command may hold the profile for a moment; a `meow run` holds it for good
      // and takes commands on its control socket instead.
      for (let attempt = 0; !m; attempt++) {
        try {
          m = await Messenger.open(profile, { password }, { relays: opts.relays, log });
        } catch (e) {
          if (!(e instanceof MeowError && e.code === 'PROFILE_LOCKED')) throw e;
          if (existsSync(join(profile, SOCKET_NAME)) || attempt >= 15) throw new ProfileBusy(password);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const onNotice = (n: MessengerEvents['notice'][0]) => ctx.note(noticeText(n.code, n.params));
      m.on('notice', onNotice);
      try {
        return await fn(m);
      } finally {
        m.off('notice', onNotice);
        await m.close();
      }
    },
    out(human, json) {
      if (opts.json) io.stdout(JSON.stringify(json) + '\n');
      else io.stdout((typeof human === 'function' ? human() : human) + '\n');
    },
    print(text) {
      io.stdout(text);
    },
    note(text) {
      io.stderr(`meow: ${text}\n`);
    },
    async confirm(question) {
      return io.interactive ? askYesNo(question) : false;
    },
  };
  return ctx;
}
