/**
 * Who may talk to the browser host. The printed address carries a one-time bootstrap
 * secret in its fragment; the page trades it (POST /session) for a session cookie that is
 * HttpOnly and SameSite=Strict, and the WebSocket needs that cookie. The secret is then
 * spent, so the address left in the browser's history opens nothing: a page that brings a
 * spent or wrong secret back gets the profile locked (the next screen asks the password).
 *
 * Sessions (their hashes) and the port are kept in the profile folder, so a restarted host
 * listens where it did and takes the open tab's cookie back: the tab reconnects. The
 * cookie's name carries the port, as cookies are not kept apart by port.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Sessions kept: one per browser the person opened the host in, the oldest dropped first. */
const MAX_SESSIONS = 16;

interface Saved {
  port?: number;
  sessions?: string[];
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface WebSessions {
  /** The port the last host of this profile listened on (0: none yet). */
  readonly savedPort: number;
  /** The current one-time secret (in the printed address). */
  bootstrap(): string;
  /**
   * Trades a secret for a new session token, once: the secret is replaced by a fresh one.
   * null for a spent or wrong secret.
   */
  redeem(secret: string): string | null;
  /** Whether a session token (from a cookie) is one this host (or its predecessor) issued. */
  valid(token: string): boolean;
  /** Remembers the port the host now listens on. */
  listening(port: number): void;
}

/** `file`: where sessions and port are kept (in the profile folder); undefined keeps them in memory only. */
export function webSessions(file: string | undefined, fixedSecret?: string): WebSessions {
  let saved: Saved = {};
  if (file) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object') saved = parsed;
    } catch {
      // none yet, or unreadable: start afresh (the open tabs then need a new address)
    }
  }
  const sessions = (Array.isArray(saved.sessions) ? saved.sessions : []).filter(
    (s): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s),
  );
  let port = Number.isInteger(saved.port) && saved.port! > 0 && saved.port! < 65536 ? saved.port! : 0;
  let secret = fixedSecret ?? randomBytes(24).toString('base64url');

  const save = () => {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ port, sessions } satisfies Saved), { mode: 0o600 });
    renameSync(tmp, file);
  };

  return {
    savedPort: port,
    bootstrap: () => secret,
    redeem(given) {
      const a = Buffer.from(given);
      const b = Buffer.from(secret);
      if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
      secret = randomBytes(24).toString('base64url');
      const token = randomBytes(32).toString('base64url');
      sessions.push(hash(token));
      sessions.splice(0, Math.max(0, sessions.length - MAX_SESSIONS));
      save();
      return token;
    },
    valid(token) {
      if (!token) return false;
      const h = Buffer.from(hash(token));
      // Every entry compared, in constant time each.
      let found = false;
      for (const s of sessions) if (timingSafeEqual(Buffer.from(s), h)) found = true;
      return found;
    },
    listening(p) {
      if (p === port) return;
      port = p;
      save();
    },
  };
}

/** The session cookie's name on `port`. */
export const sessionCookie = (port: number) => `meow-session-${port}`;

/** A cookie's value from a Cookie header (undefined when absent or not plain base64url). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    return /^[\w-]{1,100}$/.test(v) ? v : undefined;
  }
  return undefined;
}
