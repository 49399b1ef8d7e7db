/**
 * Backlog drain: N messages queued for a profile while it was offline, drained by one
 * `sync()` (pull, verify, decrypt, store, ack, and the delivery receipts back), against
 * the primitive bound measured in the same run — what the crypto and one batched insert
 * per message cost with nothing else around them: X25519 (the sealed box) + Ed25519
 * verify + 4 AEAD openings (sealed box, symmetric layer, ratchet message, at-rest seal)
 * + HKDF (message keys) + a chain step + a row inserted in a transaction of N.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { aeadDecrypt, aeadEncrypt } from '../../protocol/crypto/aead.js';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, verify, x25519, x25519KeyPair } from '../../protocol/crypto/curves.js';
import { hkdf } from '../../protocol/crypto/kdf.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { kdfChain } from '../../protocol/ratchet/kdf.js';
import { befriend } from '../../test/core/harness.js';
import { profiled } from '../cpuProfile.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { usPerOp } from './crypto.js';
import { newProfile } from './clientSetup.js';

const TEXT = 'x'.repeat(100);

/** The primitives of receiving one message, µs each, and their sum. */
export async function primitiveBound(ctx: BenchContext, n: number): Promise<Sample> {
  const ms = ctx.scale(500, 200);
  const dh = x25519KeyPair();
  const other = x25519KeyPair().publicKey;
  const id = ed25519KeyPair();
  const signed = randomBytes(400);
  const signature = sign(id, signed);
  const key = randomBytes(32);
  const box = aeadEncrypt(key, randomBytes(300));
  const chain = randomBytes(32);
  const parts = {
    x25519: await usPerOp(() => x25519(dh, other), ms),
    verify: await usPerOp(() => verify(id.publicKey, signed, signature), ms),
    aead4: 4 * (await usPerOp(() => aeadDecrypt(key, box), ms)),
    hkdf: await usPerOp(() => hkdf(chain, key, 'meow/dr/message/v1', 56), ms),
    chain: await usPerOp(() => kdfChain(chain), ms),
    insert: batchedInsert(n),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const f = (v: number) => v.toFixed(0);
  return {
    value: 1e6 / total,
    detail: `${f(total)} µs: X25519 ${f(parts.x25519)} + verify ${f(parts.verify)} + 4 AEAD ${f(parts.aead4)} + HKDF ${f(parts.hkdf)} + chain ${f(parts.chain)} + insert ${f(parts.insert)}`,
    extra: parts,
  };
}

/** µs per row of n rows (a sealed 300-byte body each) inserted in one transaction, durable (WAL, FULL). */
function batchedInsert(n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'meow-bench-insert-'));
  try {
    const db = new Database(join(dir, 'm.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE m (id INTEGER PRIMARY KEY, peer TEXT, uuid TEXT, body BLOB, at INTEGER, UNIQUE (peer, uuid))',
    );
    const ins = db.prepare('INSERT INTO m (peer, uuid, body, at) VALUES (?, ?, ?, ?)');
    const body = randomBytes(300);
    const t0 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < n; i++) ins.run('peer', `u-${i}`, body, i);
    })();
    const us = ((performance.now() - t0) * 1000) / n;
    db.close();
    return us;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Two friends; `to` offline while `from` queues n texts for it. */
export async function backlog(ctx: BenchContext, n: number): Promise<{ from: Messenger; to: Messenger }> {
  const from = await newProfile(ctx, 'sender');
  const to = await newProfile(ctx, 'drainer');
  await befriend(from, to);
  const name = to.identity.nickname;
  for (let i = 0; i < n; i++) await from.send(name, TEXT);
  await from.flushOutbox();
  return { from, to };
}

async function drain(ctx: BenchContext, n: number): Promise<Sample> {
  const { from, to } = await backlog(ctx, n);
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await profiled(`drain.${n}`, () => to.sync());
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (r.received < n) throw new Error(`drained ${r.received} of ${n}`);
    return {
      value: n / s,
      detail: `${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU/msg`,
      extra: { seconds: s },
    };
  } finally {
    await from.close();
    await to.close();
  }
}

function drainRow(n: number): Row {
  return {
    id: `drain.${n}`,
    name: `backlog drain, ${n.toLocaleString('en')} queued, one sync()`,
    referenceName: 'primitive bound',
    unit: 'msg/s',
    better: 'higher',
    target: { min: 0.7, text: '≥ 0.7×' },
    measure: (ctx) => drain(ctx, n),
    reference: (ctx) => ctx.memo(`bound-${n}`, () => primitiveBound(ctx, n)),
  };
}

export const drainRows: Row[] = [drainRow(1000), drainRow(5000)];
