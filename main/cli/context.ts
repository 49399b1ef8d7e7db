/** What every command gets: the profile folder, output mode, and a way to open the messenger. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, type Logger } from '../core/log.js';
import { Messenger } from '../core/messenger/messenger.js';
import type { RelayFactory } from '../core/relay.js';
import { installDeviceSync } from '../core/devices/install.js';
import { printJson } from './output.js';
import { readPassword } from './password.js';

export interface CliContext {
  profile: string;
  json: boolean;
  log: Logger;
  relays: RelayFactory;
  open(): Promise<Messenger>;
  /** Prints `human` (text) or `json` (one JSON value) depending on --json. */
  out(human: string | (() => string), json: unknown): void;
}

export function defaultProfileDir(): string {
  return process.env['MEOW_PROFILE'] ?? join(homedir(), '.meow');
}

export function createContext(opts: {
  profile?: string;
  json: boolean;
  verbose: boolean;
  relays: RelayFactory;
}): CliContext {
  const profile = resolve(opts.profile ?? defaultProfileDir());
  const log = createLogger({ level: opts.verbose ? 'debug' : 'warn', component: 'meow' });
  return {
    profile,
    json: opts.json,
    log,
    relays: opts.relays,
    async open() {
      const password = await readPassword(`Password for ${profile}: `);
      const m = await Messenger.open(profile, { password }, { relays: opts.relays, log });
      installDeviceSync(m);
      return m;
    },
    out(human, json) {
      if (opts.json) printJson(json);
      else process.stdout.write((typeof human === 'function' ? human() : human) + '\n');
    },
  };
}
