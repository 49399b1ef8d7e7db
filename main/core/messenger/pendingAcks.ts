/**
 * Acks waiting to ride on the next pull of their queue: the relay applies a pull's acks
 * before it reads (main/net/relayClient.ts), so a drain costs one request per batch, not
 * two. An ack is only ever added once what it acknowledges is committed; one taken for a
 * request that then fails is put back (acks are idempotent: sending one twice is fine).
 */
import { toBase64 } from '../../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../../protocol/crypto/curves.js';

export interface AckItem {
  lookup: KeyPair;
  ids: string[];
}

export class PendingAcks {
  private readonly byServer = new Map<string, Map<string, AckItem>>();

  add(url: string, lookup: KeyPair, id: string): void {
    let server = this.byServer.get(url);
    if (!server) this.byServer.set(url, (server = new Map<string, AckItem>()));
    const key = toBase64(lookup.publicKey);
    const item = server.get(key) ?? { lookup, ids: [] };
    item.ids.push(id);
    server.set(key, item);
  }

  /** Takes the acks of `lookups` on `url` (or of every queue there when `lookups` is omitted). */
  take(url: string, lookups?: KeyPair[]): AckItem[] {
    const server = this.byServer.get(url);
    if (!server) return [];
    const keys = lookups ? lookups.map((l) => toBase64(l.publicKey)) : [...server.keys()];
    const taken: AckItem[] = [];
    for (const k of keys) {
      const item = server.get(k);
      if (!item) continue;
      server.delete(k);
      taken.push(item);
    }
    return taken;
  }

  /** Puts back acks whose request failed. */
  restore(url: string, items: AckItem[]): void {
    for (const i of items) for (const id of i.ids) this.add(url, i.lookup, id);
  }

  urls(): string[] {
    return [...this.byServer].filter(([, m]) => m.size > 0).map(([u]) => u);
  }
}
