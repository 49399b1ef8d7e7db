/**
 * The offline banner's words: how long, which server, why — in a sentence, never the
 * transport's error text (that stays in the banner's tooltip for whoever needs it).
 */
import type { ConnectionView } from '../../shared/views.js';

/** "a few seconds", "40 seconds", "1 minute", "3 hours". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 10) return 'a few seconds';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  const d = Math.floor(h / 24);
  return `${d} days`;
}

function serverName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Why, from the error the connection reported (its code first: "UNREACHABLE: …"). */
function reason(error: string): string {
  if (/TIMEOUT|ETIMEDOUT|timed out/i.test(error)) return 'takes too long to answer';
  if (/RATE_LIMITED/.test(error)) return 'asks Meow to slow down';
  if (/CERT|TLS|SSL|self.signed/i.test(error)) return 'has a certificate Meow does not trust';
  if (
    /UNREACHABLE|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|fetch failed|socket/i.test(error)
  ) {
    return 'does not answer';
  }
  return 'refuses the connection';
}

/** "Offline for 2 minutes: the message server relay.example:443 does not answer." */
export function offlineSentence(c: ConnectionView, now: number): string {
  const since = c.since ? `Offline for ${duration(now - c.since)}` : 'Offline';
  return `${since}: the message server ${serverName(c.server)} ${reason(c.error)}.`;
}
