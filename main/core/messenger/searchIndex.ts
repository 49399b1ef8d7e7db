/**
 * Search across every conversation without writing plain text to disk: the texts are read
 * (and unsealed) into memory the first time the person searches after unlocking, kept up to
 * date from the messenger's events, and dropped when the profile locks (the index lives with
 * the open Messenger). A query is a few words; a message matches when its current text (edits
 * applied, deleted ones left out) contains every word, ignoring case and accents. Newest
 * first. A scan of the texts in memory: 100,000 messages take a few milliseconds (bench row
 * search.100k), so no on-disk index, with what it would leak or cost to keep sealed, is needed.
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
  /** How long the build took (ms) and how many messages it read. */
  readonly built: { ms: number; messages: number };

  constructor(private readonly m: Messenger) {
    const t0 = performance.now();
    const actions = new Map<string, StoredAction[]>();
    for (const a of m.db.actions.since(0)) {
      const k = key(a.peerUid, a.targetUuid);
      actions.set(k, [...(actions.get(k) ?? []), a]);
    }
    let cursor = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const page = m.db.messages.since(0, cursor, 2000);
      if (page.length === 0) break;
      for (const s of page) this.put(s, actions.get(key(s.peerUid, s.uuid)) ?? []);
      cursor = page[page.length - 1]!.id;
    }
    this.built = { ms: performance.now() - t0, messages: this.docs.size };
    // Kept up to date: new messages, edits and deletions (each a status event of its message).
    const update = (s: StoredMessage) => this.refresh(s);
    m.on('message', update);
    m.on('status', update);
    m.on('messages', ({ stored, changed }) => [...stored, ...changed].forEach(update));
  }

  get size(): number {
    return this.docs.size;
  }

  private put(s: StoredMessage, actions: StoredAction[]): void {
    const k = key(s.peerUid, s.uuid);
    if (s.type !== 'text' || actions.some((a) => a.kind === 'hide')) {
      this.docs.delete(k);
      return;
    }
    const f = fold(s, actions);
    if (f.deleted || !f.text) this.docs.delete(k);
    else
      this.docs.set(k, {
        peerUid: s.peerUid,
        uuid: s.uuid,
        sentAt: s.sentAt,
        text: f.text,
        norm: normalize(f.text),
      });
  }

  /** A message changed (stored, edited, deleted, removed): its entry follows. */
  refresh(s: StoredMessage): void {
    this.put(s, this.m.db.actions.forTarget(s.peerUid, s.uuid));
  }

  search(query: string, opts: { limit?: number; peerUid?: string } = {}): SearchHit[] {
    const words = normalize(query.slice(0, MAX_QUERY_CHARS)).split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const hits: Doc[] = [];
    for (const d of this.docs.values()) {
      if (opts.peerUid && d.peerUid !== opts.peerUid) continue;
      if (words.every((w) => d.norm.includes(w))) hits.push(d);
    }
    hits.sort((a, b) => b.sentAt - a.sentAt);
    return hits.slice(0, opts.limit ?? 50).map((d) => {
      const at = d.text.toLowerCase().indexOf(words[0]!);
      return {
        peerUid: d.peerUid,
        uuid: d.uuid,
        sentAt: d.sentAt,
        text: d.text,
        match: at >= 0 ? [at, at + words[0]!.length] : null,
      };
    });
  }
}

const indexes = new WeakMap<Messenger, SearchIndex>();

/** The open profile's index, built on first use. */
export function searchIndexOf(m: Messenger): SearchIndex {
  let index = indexes.get(m);
  if (!index) {
    index = new SearchIndex(m);
    indexes.set(m, index);
  }
  return index;
}
