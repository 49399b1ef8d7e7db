/**
 * Search across every conversation without writing plain text to disk: the texts are read
 * (and unsealed) into memory in the background once the profile goes online (or at the first
 * search), a page at a time, kept up to
 * date from the messenger's events, and dropped when the profile locks (the index lives with
 * the open Messenger). A query is a few words; a message matches when its current text (edits
 * applied, deleted ones left out) contains every word, ignoring case and accents. Newest
 * first: the scan goes from the newest and stops at the limit, so a keystroke costs milliseconds
 * even on 100,000 messages (bench row search.100k); no on-disk index, with what it would leak or
 * cost to keep sealed, is needed. What it costs is the build at unlock (unsealing every message).
 */
import type { Messenger } from './messenger.js';
import type { StoredAction, StoredMessage } from '../storage/messageDb.js';
import { fold } from './actionFold.js';

/** The longest query taken (a longer one is refused before it gets here: schemas.ts). */
export const MAX_QUERY_CHARS = 256;

interface Doc {
  peerUid: string;
  uuid: string;
  sentAt: number;
  text: string;
  /** Lower case, without accents: what the words are looked for in. */
  norm: string;
}

export interface SearchHit {
  peerUid: string;
  uuid: string;
  sentAt: number;
  text: string;
  /** Where the first word was found in `text` ([start, end)), for the highlight; null: not locatable. */
  match: [number, number] | null;
}

export const normalize = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

const key = (peerUid: string, uuid: string) => `${peerUid}\u0000${uuid}`;

export class SearchIndex {
  private readonly docs = new Map<string, Doc>();
  /** The entries, newest first: a search stops once it has its `limit` (a short prefix is instant). */
  private order: Doc[] = [];
  private removed = 0;
  /** Resolves once every stored message is read in; how long it took (ms) and how many. */
  readonly ready: Promise<{ ms: number; messages: number }>;

  constructor(private readonly m: Messenger) {
    // Kept up to date from the start: new messages, edits and deletions (a status event of their message).
    const update = (s: StoredMessage) => this.refresh(s);
    m.on('message', update);
    m.on('status', update);
    m.on('messages', ({ stored, changed }) => [...stored, ...changed].forEach(update));
    m.on('forgotten', ({ peerUid, upTo }) => this.forget(peerUid, upTo));
    this.ready = this.build().catch((e: unknown) => {
      m.log.warn('search index: could not read every message', { error: String(e) });
      return { ms: 0, messages: this.docs.size };
    });
  }

  /** Reads the stored messages in pages, yielding between them (the profile stays responsive). */
  private async build(): Promise<{ ms: number; messages: number }> {
    const t0 = performance.now();
    const actions = new Map<string, StoredAction[]>();
    for (const a of this.m.db.actions.since(0)) {
      const k = key(a.peerUid, a.targetUuid);
      actions.set(k, [...(actions.get(k) ?? []), a]);
    }
    let cursor = Number.MAX_SAFE_INTEGER;
    for (;;) {
      if (!this.m.db.db.open) break; // the profile was locked meanwhile: the index goes with it
      const page = this.m.db.messages.since(0, cursor, 2000);
      if (page.length === 0) break;
      for (const s of page)
        if (!this.docs.has(key(s.peerUid, s.uuid))) this.put(s, actions.get(key(s.peerUid, s.uuid)) ?? []);
      cursor = page[page.length - 1]!.id;
      await new Promise((r) => setImmediate(r));
    }
    return { ms: performance.now() - t0, messages: this.docs.size };
  }

  get size(): number {
    return this.docs.size;
  }

  private put(s: StoredMessage, actions: StoredAction[]): void {
    const k = key(s.peerUid, s.uuid);
    const old = this.docs.get(k);
    if (old) {
      old.text = ''; // left in `order` as a hole until the next compaction
      this.docs.delete(k);
      this.removed++;
    }
    if (s.type !== 'text' || actions.some((a) => a.kind === 'hide')) return;
    const f = fold(s, actions);
    if (f.deleted || !f.text) return;
    const doc = { peerUid: s.peerUid, uuid: s.uuid, sentAt: s.sentAt, text: f.text, norm: normalize(f.text) };
    this.docs.set(k, doc);
    // Newest first: a new message goes at (or near) the front.
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order[mid]!.sentAt > doc.sentAt) lo = mid + 1;
      else hi = mid;
    }
    this.order.splice(lo, 0, doc);
    if (this.removed > 1000 && this.removed > this.order.length / 4) {
      this.order = this.order.filter((d) => d.text);
      this.removed = 0;
    }
  }

  /** A conversation deleted up to `upTo`: its entries go. */
  forget(peerUid: string, upTo: number): void {
    for (const [k, d] of this.docs) {
      if (d.peerUid !== peerUid || d.sentAt > upTo) continue;
      d.text = ''; // a hole in `order` until the next compaction
      this.docs.delete(k);
      this.removed++;
    }
  }

  /** A message changed (stored, edited, deleted, removed): its entry follows. */
  refresh(s: StoredMessage): void {
    this.put(s, this.m.db.actions.forTarget(s.peerUid, s.uuid));
  }

  search(query: string, opts: { limit?: number; peerUid?: string } = {}): SearchHit[] {
    const words = normalize(query.slice(0, MAX_QUERY_CHARS)).split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const limit = opts.limit ?? 50;
    const hits: SearchHit[] = [];
    for (const d of this.order) {
      if (!d.text || (opts.peerUid && d.peerUid !== opts.peerUid)) continue;
      if (!words.every((w) => d.norm.includes(w))) continue;
      const at = d.text.toLowerCase().indexOf(words[0]!);
      hits.push({
        peerUid: d.peerUid,
        uuid: d.uuid,
        sentAt: d.sentAt,
        text: d.text,
        match: at >= 0 ? [at, at + words[0]!.length] : null,
      });
      if (hits.length >= limit) break;
    }
    return hits;
  }
}

const indexes = new WeakMap<Messenger, SearchIndex>();

/** The open profile's index, started on first use (the service starts it at unlock). */
export function searchIndexOf(m: Messenger): SearchIndex {
  let index = indexes.get(m);
  if (!index) {
    index = new SearchIndex(m);
    indexes.set(m, index);
  }
  return index;
}
