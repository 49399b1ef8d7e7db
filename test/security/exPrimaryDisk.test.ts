/**
 * Issue 20, finding 4: a sibling that drove a contact for a while and handed it back must keep
 * nothing of it on disk that still opens anything. Read as a thief with the password would:
 * every raw file of the ex-primary's profile folder (LevelDB tables and logs, messages.db and
 * its write-ahead log) is searched for the sealed records and ratchet states it wrote while it
 * drove the contact (the password opens them), and for the private keys of that time and of
 * now. Superseded versions must be gone from disk (LevelDB compacted, SQLite's log truncated,
 * secure_delete), and the keys live now were never there (they rotated at the hand-back).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { Peer } from '../../main/core/peers/peer.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The sealed bytes a profile stores for a contact right now: its record, and its ratchet state. */
function sealedNow(m: Messenger, uid: string): Promise<Uint8Array[]> {
  const kv = (m.peers as unknown as { kv: { db: { get(k: string): Promise<Uint8Array | undefined> } } }).kv;
  const sql = new Database(join(m.dir, 'messages.db'), { readonly: true });
  try {
    const row = sql.prepare("SELECT ratchet FROM channel_state WHERE kind = 'peer' AND uid = ?").get(uid) as
      { ratchet: Uint8Array | null } | undefined;
    return kv.db.get(uid).then((record) => [record, row?.ratchet].filter((b): b is Uint8Array => !!b));
  } finally {
    sql.close();
  }
}

const privateKeys = (p: Peer) =>
  [p.myIdentity, p.myEncryption, p.myLookup, p.drKp]
    .map((k) => Uint8Array.from(k.privateKey)) // copies: the record's own are wiped in place
    .filter((k) => k.some((b) => b));

describe('an ex-primary keeps nothing of a contact on disk', () => {
  const env = useEnv();

  it('after the hand-back its raw files hold neither what it stored then nor any live key', async () => {
    const a = await createProfile(env, 'disk-a');
    const x = await createProfile(env, 'disk-x');
    const b = await createBlankDevice(env, 'disk-b');
    let bOpen = true;
    try {
      await befriend(a, x);
      await pairDevices(a, b);
      const uid = a.findContact('disk-x').uid;
      await b.deviceSync.requestPrimary(uid);
      await settle(b, a, x, b, a, x);
      expect(b.peers.get(uid)!.primary).toBeNull();
      // what b writes while it drives x: several versions of its record and ratchet
      const written: Uint8Array[] = [...(await sealedNow(b, uid))];
      const heldThen = privateKeys(b.peers.get(uid)!);
      for (const t of ['one', 'two']) {
        await x.send('disk-a', t);
        await settle(x, b, a);
        await b.send(uid, `re: ${t}`);
        await settle(b, x, a);
        written.push(...(await sealedNow(b, uid)));
      }
      expect(written.length).toBeGreaterThanOrEqual(6);

      await a.deviceSync.requestPrimary(uid); // b hands x back
      await settle(a, b, x, a, b, x, a, b);
      expect(a.peers.get(uid)!.primary).toBeNull();
      expect(b.peers.get(uid)!.drState).toBeNull();
      const liveNow = privateKeys(a.peers.get(uid)!);
      for (const k of liveNow) expect(heldThen.some((h) => Buffer.compare(h, k) === 0)).toBe(false); // rotated

      await b.close();
      bOpen = false;
      const found: string[] = [];
      for (const file of filesUnder(b.dir)) {
        const raw = readFileSync(file);
        written.forEach((w, i) => {
          if (raw.indexOf(Buffer.from(w.subarray(0, 48))) >= 0) found.push(`sealed copy #${i} in ${file}`);
        });
        for (const k of [...heldThen, ...liveNow])
          if (raw.indexOf(Buffer.from(k)) >= 0) found.push(`a private key in ${file}`);
      }
      expect(found).toEqual([]);
    } finally {
      await Promise.all([a.close(), x.close(), bOpen ? b.close() : Promise.resolve()]);
    }
  });
});
