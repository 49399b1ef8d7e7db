/**
 * What a message shows once its reactions, edits and deletions are applied — decided from
 * the set of actions alone, never from the order they arrived in, so every device that holds
 * the same actions shows the same message (docs/conversation-sync.md):
 *   - a deletion for everyone by the message's author, made within the window, wins over
 *     everything: no text, no edits, no reactions;
 *   - the author's edits are ordered by (time, action id); the last is the text shown, the
 *     earlier versions are its history;
 *   - each person has at most one reaction: their last `react` by (time, action id), where
 *     an empty emoji takes it back. My reactions from all my devices are one person's.
 * An action by someone who may not make it (an edit of the other person's message) is
 * ignored here too, whatever a device accepted on the way.
 */
import { DAY_MS, MINUTE_MS } from '../durations.js';
import type { StoredAction } from '../storage/messageDb.js';

/** A deletion for everyone is allowed this long after the message was sent. */
export const DELETE_WINDOW_MS = DAY_MS;
/** Clock skew tolerated between the author's devices when checking that window. */
const SKEW_MS = 5 * MINUTE_MS;

export interface Reaction {
  emoji: string;
  count: number;
  /** Who reacted this way: me (from any of my devices), the contact. */
  by: ('me' | 'contact')[];
}

export interface Folded {
  deleted: boolean;
  text: string;
  /** Earlier versions, oldest first (empty when never edited). */
  history: { text: string; at: number }[];
  editedAt: number;
  reactions: Reaction[];
}

interface Target {
  outbound: boolean;
  text: string;
  sentAt: number;
}

/** Whether `a` may change `target`: edits and deletions only by the message's author. */
export function byAuthor(a: Pick<StoredAction, 'mine'>, target: Pick<Target, 'outbound'>): boolean {
  return a.mine === target.outbound;
}

export function withinDeleteWindow(at: number, sentAt: number): boolean {
  return at - sentAt <= DELETE_WINDOW_MS + SKEW_MS;
}

const later = (a: StoredAction, b: StoredAction) => a.at > b.at || (a.at === b.at && a.id > b.id);

export function fold(target: Target, actions: readonly StoredAction[]): Folded {
  const deleted = actions.some(
    (a) => a.kind === 'delete' && byAuthor(a, target) && withinDeleteWindow(a.at, target.sentAt),
  );
  if (deleted) return { deleted, text: '', history: [], editedAt: 0, reactions: [] };
  const edits = actions
    .filter((a) => a.kind === 'edit' && byAuthor(a, target) && a.text)
    .sort((a, b) => (later(a, b) ? 1 : later(b, a) ? -1 : 0));
  const last = edits.at(-1);
  const versions = [
    { text: target.text, at: target.sentAt },
    ...edits.map((e) => ({ text: e.text, at: e.at })),
  ];
  const latest = new Map<boolean, StoredAction>();
  for (const a of actions) {
    if (a.kind !== 'react') continue;
    const cur = latest.get(a.mine);
    if (!cur || later(a, cur)) latest.set(a.mine, a);
  }
  const reactions: Reaction[] = [];
  for (const who of [true, false]) {
    const r = latest.get(who);
    if (!r?.emoji) continue;
    const found = reactions.find((x) => x.emoji === r.emoji);
    const by = who ? 'me' : 'contact';
    if (found) {
      found.count++;
      found.by.push(by);
    } else reactions.push({ emoji: r.emoji, count: 1, by: [by] });
  }
  return {
    deleted: false,
    text: last ? last.text : target.text,
    history: last ? versions.slice(0, -1) : [],
    editedAt: last?.at ?? 0,
    reactions,
  };
}

/** My current reaction (from any of my devices), or ''. */
export function myReaction(actions: readonly StoredAction[]): string {
  let cur: StoredAction | undefined;
  for (const a of actions) if (a.kind === 'react' && a.mine && (!cur || later(a, cur))) cur = a;
  return cur?.emoji ?? '';
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/** Exactly one emoji (one grapheme that is a pictograph, a flag or a keycap). */
export function isOneEmoji(s: string): boolean {
  if (!s || s.length > 32) return false;
  const graphemes = [...segmenter.segment(s)];
  return graphemes.length === 1 && PICTOGRAPHIC.test(s) && !/\s/u.test(s);
}
