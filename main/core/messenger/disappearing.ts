/**
 * Disappearing messages. A conversation's timer is set by either person with a "timer" action
 * (target `~timer`, the conversation): it travels like a reaction, to the contact and to every
 * device of both, and the timer in force is the latest such action by (time, action id) — the
 * same on every device, whichever side set it last (docs/conversation-sync.md). Each message
 * is stamped, by its author, with the timer in force when it was written (`expire_after`); it
 * disappears that long after it was read — after it was sent, on its author's devices — from
 * every device, each device counting by its own clock: the row, its reactions and edits, its
 * files go; a local tombstone (its id only) keeps a late copy from being stored again.
 */
import { randomUUID } from 'node:crypto';
import type { meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS } from '../durations.js';
import type { StoredAction, StoredMessage } from '../storage/messageDb.js';

/** The target of a timer action: the conversation itself (never a message uuid). */
export const TIMER_TARGET = '~timer';

/** The timers a person may choose (ms; 0: off). */
export const TIMER_CHOICES: readonly number[] = [0, 5 * MINUTE_MS, HOUR_MS, DAY_MS, WEEK_MS];
/** A few seconds, for tests only: allowed where MEOW_TEST_TIMERS=1. */
export const TEST_TIMER_MS = 5_000;

/** The list, with the test value where tests allow it. */
export function timerChoices(): number[] {
  return process.env['MEOW_TEST_TIMERS'] === '1'
    ? [0, TEST_TIMER_MS, ...TIMER_CHOICES.slice(1)]
    : [...TIMER_CHOICES];
}

export function isTimerChoice(ms: number): boolean {
  return timerChoices().includes(ms);
}

/** A message's stamp as received: a timer from the list, else 0 (it stays). */
export function expireAfterOf(status: meow.IConversationStatus | null | undefined): number {
  const ms = Number(status?.expireAfter ?? 0);
  return ms > 0 && isTimerChoice(ms) ? ms : 0;
}

/** When a stored message disappears (unix ms); 0: it stays, or is not read yet. */
export function disappearsAt(
  m: Pick<StoredMessage, 'expireAfter' | 'outbound' | 'sentAt' | 'processedAt'>,
): number {
  if (!m.expireAfter) return 0;
  const from = m.outbound ? m.sentAt : m.processedAt;
  return from ? from + m.expireAfter : 0;
}

export interface Timer {
  /** ms; 0: off. */
  ms: number;
  /** When it was set (0: never), and by whom. */
  at: number;
  mine: boolean;
}

const later = (a: StoredAction, b: StoredAction) => a.at > b.at || (a.at === b.at && a.id > b.id);

/** The timer in force: the latest timer action by (time, id), on every device alike. */
export function timerOf(actions: readonly StoredAction[]): Timer {
  let cur: StoredAction | undefined;
  for (const a of actions) if (a.kind === 'timer' && (!cur || later(a, cur))) cur = a;
  return cur ? { ms: cur.timer ?? 0, at: cur.at, mine: cur.mine } : { ms: 0, at: 0, mine: false };
}

export function currentTimer(core: Core, peerUid: string): Timer {
  return timerOf(core.db.actions.forTarget(peerUid, TIMER_TARGET));
}

/** The profile's events (ProfileCore): what may bring the next expiry closer. */
interface Emitter {
  on(event: 'message' | 'status' | 'messages', fn: () => void): unknown;
  off(event: 'message' | 'status' | 'messages', fn: () => void): unknown;
}

/** The longest a timeout may wait (setTimeout's limit); a later expiry is re-armed then. */
const MAX_WAIT_MS = 2 ** 31 - 1;

/**
 * Removes disappearing messages when they are due: once at open, then on a timer armed for the
 * next one (re-armed when a message is stored, read or changed).
 */
export class Disappearing {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly rearm = () => this.arm();

  constructor(
    private readonly core: Core,
    private readonly events: Emitter,
    private readonly files: { discard(f: meow.IFileMeta): Promise<void> },
  ) {}

  /** Removes what is due at `now`; returns the messages removed. */
  async sweep(now = Date.now()): Promise<StoredMessage[]> {
    const db = this.core.db;
    const gone: StoredMessage[] = [];
    for (;;) {
      const due = db.messages.expired(now);
      if (due.length === 0) break;
      db.atomically(() => {
        for (const m of due) {
          db.messages.remove(m.peerUid, m.uuid);
          db.actions.wipeTarget(m.peerUid, m.uuid);
          // Local only (never synced: every device removes it itself): a late copy stays out.
          db.actions.insert({
            id: randomUUID(),
            peerUid: m.peerUid,
            targetUuid: m.uuid,
            kind: 'hide',
            mine: true,
            at: now,
            authorDevice: this.core.identity.uid,
            emoji: '',
            text: '',
          });
        }
      });
      gone.push(...due);
    }
    for (const m of gone) {
      for (const f of m.files)
        await this.files.discard(f).catch((e: unknown) => {
          this.core.log.warn('a disappeared message’s file could not be removed', { error: String(e) });
        });
      // Its view shows it removed (a tombstone is all that is left): hosts drop it, search forgets it.
      this.core.emit('status', { ...m, text: '', files: [], data: new Uint8Array(0) });
    }
    return gone;
  }

  /** Keeps sweeping while the profile is online. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.events.on('message', this.rearm);
    this.events.on('status', this.rearm);
    this.events.on('messages', this.rearm);
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.events.off('message', this.rearm);
    this.events.off('status', this.rearm);
    this.events.off('messages', this.rearm);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** (Re)arms the timer for the next message due (a read started a countdown, say). */
  arm(): void {
    if (!this.running || !this.core.db.db.open) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.core.db.messages.nextExpiry();
    if (!next) return;
    const wait = Math.min(Math.max(0, next - Date.now()), MAX_WAIT_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweep()
        .catch((e: unknown) =>
          this.core.log.warn('disappearing messages: sweep failed', { error: String(e) }),
        )
        .finally(() => this.arm());
    }, wait);
    this.timer.unref();
  }
}
