/** Times and days as a person reads them, in their locale. */

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const date = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
const short = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export const clock = (ms: number) => time.format(ms);

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** "Today", "Yesterday", "Monday" within a week, else the date. */
export function dayLabel(ms: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(ms);
  return date.format(ms);
}

/** The chat list's time: the clock today, the weekday this week, else a short date. */
export function listTime(ms: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000);
  if (days === 0) return clock(ms);
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(ms);
  return short.format(ms);
}

/** "just now", "5 minutes ago", "3 hours ago", else the day and time. */
export function ago(ms: number, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  return `${dayLabel(ms, now)} at ${clock(ms)}`;
}

export function expiresIn(ms: number, now = Date.now()): string {
  const s = Math.round((ms - now) / 1000);
  if (s <= 0) return 'expired';
  if (s < 90) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Initials for an avatar: the first letters of the first two words. */
export function initials(name: string): string {
  // Letters and digits only: a name like "<b>Bob" gives "B", not "<".
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0] ?? '');
  return (letters.join('') || '?').toUpperCase();
}

/** A stable hue per id, for avatars. */
export function hue(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 360;
}

/** What a pairing's sync counts: each contact, message and setting sent over. */
export const SYNC_UNIT = 'items (contacts, messages, settings)';

/** A progress bar's words: "Copied 3 of 3 items (contacts, messages, settings), 100%". */
export function progressText(done: number, total: number, unit: string): string {
  if (!total) return 'Starting…';
  const pct = Math.min(100, Math.round((done / total) * 100));
  return `Copied ${done} of ${total} ${unit}, ${pct}%`;
}
