/**
 * What every command gets: the profile folder, the output mode, the terminal, and the
 * profile's service — this process's own (createService, every call checked against
 * the shared argument schemas like any RPC call), or, while a `meow run` holds the
 * profile, that process's service over its control socket. Commands cannot tell the
 * two apart; their questions are always asked here, in this terminal.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServiceError, isServiceError } from '../../shared/errors.js';
import { dispatchCall } from '../../shared/rpc.js';
import { SERVICE_METHODS } from '../../shared/schemas.js';
import type { MeowService } from '../../shared/service.js';
import type { AppStateView } from '../../shared/views.js';
import { createLogger, silentLogger, type Logger } from '../core/log.js';
import type { LocalService } from '../core/service/service.js';
import { connectControlSocket, type ControlClient } from './control.js';
import { CliError, withHint } from './errors.js';
import type { CliIO } from './io.js';
import { askHidden, askYesNo } from './password.js';

export interface CliContext {
  readonly profile: string;
  readonly json: boolean;
  readonly io: CliIO;
  /** True once open() went through a running `meow run`. */
  readonly remote: boolean;
  /**
   * The profile's service, unlocked with the profile password. `own`: this process must
   * hold the profile itself (`meow run`), never go through another one.
   */
  open(opts?: { own?: boolean }): Promise<MeowService>;
  /** This process's service on the profile and where the profile stands (for creating one). */
  local(): Promise<{ service: MeowService; state: AppStateView }>;
  /** A password for a new profile: `env` (MEOW_PASSWORD by default), else asked twice. */
  newPassword(env?: string): Promise<string>;
  /** The profile's password as open() got it (MEOW_PASSWORD, else asked once per process). */
  password(): Promise<string>;
  /** Prints `human` (text) or `json` (one JSON value) depending on --json. */
  out(human: string | (() => string), json: unknown): void;
  /** Raw text to stdout (QR codes). */
  print(text: string): void;
  /** A sentence for the person on stderr (never in the JSON output). */
  note(text: string): void;
  /** Asks yes/no in this terminal when someone can answer; null when nobody can. */
  ask(question: string): Promise<boolean | null>;
  /** Closes what open()/local() opened. */
  close(): Promise<void>;
}

export function defaultProfileDir(env: NodeJS.ProcessEnv): string {
  return env['MEOW_PROFILE'] || join(homedir(), '.meow');
}

/** scrypt cost for new profiles; MEOW_KDF_LOGN lowers it for scripted test profiles. */
function kdfCost(env: NodeJS.ProcessEnv): number | undefined {
  const v = env['MEOW_KDF_LOGN'];
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 22)
    throw new CliError('MEOW_KDF_LOGN must be an integer from 10 to 22.');
  return n;
}

/** The service with every call checked against the shared schemas, as an RPC server would. */
function validated(service: MeowService): MeowService {
  const checked = { on: service.on.bind(service) } as MeowService;
  for (const method of SERVICE_METHODS) {
    (checked as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      while (args.length && args[args.length - 1] === undefined) args = args.slice(0, -1);
      const r = await dispatchCall(service, method, args);
      if (r.ok) return r.value;
      throw ServiceError.fromView(r.error);
    };
  }
  return checked;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createContext(opts: {
  profile?: string;
  json: boolean;
  verbose: boolean;
  io: CliIO;
}): CliContext {
  const { io } = opts;
  const profile = resolve(opts.profile ?? defaultProfileDir(io.env));
  const log: Logger = opts.verbose
    ? createLogger({ level: 'debug', component: 'meow', write: (l) => io.stderr(l + '\n') })
    : silentLogger;
  let own: LocalService | null = null;
  let remote: ControlClient | null = null;
  let opened: MeowService | null = null;

  // Loaded on first use: a command that goes through a running `meow run` never loads the
  // core (its stores, crypto and native modules are most of a command's start-up time).
  const localService = async () => {
    if (own) return own;
    const { createService } = await import('../core/service/service.js');
    return (own ??= createService({ profile, log, kdfLogN: kdfCost(io.env), localRelay: io.localRelay }));
  };

  let given: string | null = null;
  const password = async (prompt: string): Promise<string> => {
    if (given) return given;
    const fromEnv = io.env['MEOW_PASSWORD'];
    let value = fromEnv;
    if (!value) {
      if (!io.interactive) {
        const e = new ServiceError('NO_PASSWORD', {});
        throw fromEnv === '' ? withHint(e, 'MEOW_PASSWORD is empty: set it to the password.') : e;
      }
      value = await askHidden(prompt);
    }
    if (!value) throw new ServiceError('NO_PASSWORD', {});
    return (given = value);
  };

  const ctx: CliContext = {
    profile,
    json: opts.json,
    io,
    get remote() {
      return remote !== null;
    },

    async local() {
      const service = await localService();
      return { service: validated(service), state: await service.appState() };
    },

    async open(o = {}) {
      if (opened) return opened;
      // A `meow run` holding the profile answers on its socket: through it at once (opening
      // here would first load the core and derive the key, only to find the stores locked).
      if (!o.own) {
        const running = await connectControlSocket(profile);
        if (running) {
          remote = running;
          const pw = await password(`Password for ${profile}: `);
          await running.service.unlock({ password: pw });
          return (opened = validated(running.service));
        }
      }
      const { service, state } = await ctx.local();
      if (state.state === 'new') throw new ServiceError('NO_IDENTITY', { profile });
      const pw = await password(`Password for ${profile}: `);
      // Another short command may hold the profile for a moment; a `meow run` holds it for
      // good and serves the same service on its control socket.
      for (let attempt = 0; ; attempt++) {
        try {
          // What opening found (a damaged message store replaced…) is said here, in this
          // terminal: a one-shot command has no other place to show it.
          const off = service.on('notice', (n) => ctx.note(n.text));
          try {
            await service.unlock({ password: pw });
          } finally {
            off();
          }
          return (opened = service);
        } catch (e) {
          if (!isServiceError(e) || e.code !== 'PROFILE_LOCKED') throw e;
          const running = await connectControlSocket(profile);
          if (running && o.own) {
            running.close();
            throw withHint(e, 'A `meow run` holds it: stop that one first (other commands go through it).');
          }
          if (running) {
            remote = running;
            await running.service.unlock({ password: pw });
            return (opened = validated(running.service));
          }
          if (attempt >= 15) throw e;
          await sleep(200);
        }
      }
    },

    password() {
      return password(`Password for ${profile}: `);
    },

    async newPassword(env = 'MEOW_PASSWORD') {
      const fromEnv = io.env[env];
      if (fromEnv) return fromEnv;
      if (!io.interactive) {
        if (env !== 'MEOW_PASSWORD')
          throw new CliError(`Set ${env} to the new password (or run this in a terminal).`);
        const e = new ServiceError('NO_PASSWORD', {});
        throw fromEnv === '' ? withHint(e, 'MEOW_PASSWORD is empty: set it to the new password.') : e;
      }
      const first = await askHidden(`New password for ${profile}: `);
      if (!first) throw new ServiceError('NO_PASSWORD', {});
      if ((await askHidden('Repeat the password: ')) !== first)
        throw new CliError('The two passwords differ.');
      return first;
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
    async ask(question) {
      return io.interactive ? askYesNo(question) : null;
    },

    async close() {
      remote?.close();
      remote = null;
      const s = own;
      own = null;
      opened = null;
      await s?.close();
    },
  };
  return ctx;
}
