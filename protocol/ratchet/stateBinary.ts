/**
 * The ratchet state as stored: a fixed binary layout, written on every ratchet step, so
 * it must cost little (JSON + zod cost 20–65 µs a save). Decoding checks every length and
 * count against the bytes actually there; anything else is a RatchetError('BAD_STATE').
 *
 *   version 2 (1) ‖ flags (1: bit 0 dhr, bit 1 cks, bit 2 ckr) ‖ dhs.pub (32) ‖ dhs.priv (32)
 *   ‖ rk (32) ‖ dhr (32, if set) ‖ cks (32, if set) ‖ ckr (32, if set) ‖ ns, nr, pn (u32 BE each)
 *   ‖ skipped count (u32 BE) ‖ per key: dh (32) ‖ n (u32 BE) ‖ mk (32) ‖ at (f64 BE, integer ms)
 *   ‖ previous count (u32 BE) ‖ per key: dh (32)
 *
 * States written before this layout are the JSON of stateJson.ts (their first byte is
 * '{'); `decodeRatchetState` still reads them, and the next save writes this layout.
 */
import { fromHex, fromUtf8, toHex, utf8 } from '../crypto/bytes.js';
import type { RatchetState, SkippedKey } from './doubleRatchet.js';
import { RatchetError } from './errors.js';
import { deserializeRatchet, serializeRatchet } from './stateJson.js';

const VERSION = 2;
const JSON_START = 0x7b; // '{'
const K = 32;
const FIXED = 2 + 3 * K + 3 * 4 + 4; // up to the skipped count, without the optional keys
const SKIPPED_ENTRY = K + 4 + K + 8;

const DHR = 1;
const CKS = 2;
const CKR = 4;

function bad(why: string): never {
  throw new RatchetError('BAD_STATE', `ratchet state is invalid: ${why}`);
}

export function encodeRatchetState(s: RatchetState): Uint8Array {
  const optional = [s.dhr, s.cks, s.ckr].filter((k) => k !== null).length;
  const size = FIXED + optional * K + s.skipped.length * SKIPPED_ENTRY + 4 + s.previousDhr.length * K;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  const put = (bytes: Uint8Array, what: string) => {
    if (bytes.length !== K) bad(`${what} is ${bytes.length} bytes, not ${K}`);
    out.set(bytes, at);
    at += K;
  };
  const u32 = (v: number) => {
    view.setUint32(at, v);
    at += 4;
  };
  out[at++] = VERSION;
  out[at++] = (s.dhr ? DHR : 0) | (s.cks ? CKS : 0) | (s.ckr ? CKR : 0);
  put(s.dhs.publicKey, 'dhs.pub');
  put(s.dhs.privateKey, 'dhs.priv');
  put(s.rk, 'rk');
  if (s.dhr) put(s.dhr, 'dhr');
  if (s.cks) put(s.cks, 'cks');
  if (s.ckr) put(s.ckr, 'ckr');
  u32(s.ns);
  u32(s.nr);
  u32(s.pn);
  u32(s.skipped.length);
  for (const k of s.skipped) {
    put(fromHex(k.dh), 'skipped dh');
    u32(k.n);
    put(k.mk, 'skipped mk');
    view.setFloat64(at, k.at);
    at += 8;
  }
  u32(s.previousDhr.length);
  for (const dh of s.previousDhr) put(fromHex(dh), 'previous dh');
  return out;
}

/** A stored state: this layout, or the JSON written by earlier versions. */
export function decodeRatchetState(bytes: Uint8Array): RatchetState {
  if (bytes.length > 0 && bytes[0] === JSON_START) {
    let json: string;
    try {
      json = fromUtf8(bytes);
    } catch {
      bad('a JSON state that is not UTF-8');
    }
    return deserializeRatchet(json);
  }
  if (bytes.length < FIXED) bad(`${bytes.length} bytes is too short`);
  if (bytes[0] !== VERSION) bad(`unknown version ${bytes[0]}`);
  const flags = bytes[1]!;
  if (flags & ~(DHR | CKS | CKR)) bad(`unknown flags ${flags}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) bad(`${what} runs past the end (${bytes.length} bytes)`);
  };
  const key = (what: string) => {
    need(K, what);
    at += K;
    return bytes.slice(at - K, at);
  };
  const u32 = (what: string) => {
    need(4, what);
    at += 4;
    return view.getUint32(at - 4);
  };
  const publicKey = key('dhs.pub');
  const privateKey = key('dhs.priv');
  const rk = key('rk');
  const dhr = flags & DHR ? key('dhr') : null;
  const cks = flags & CKS ? key('cks') : null;
  const ckr = flags & CKR ? key('ckr') : null;
  const ns = u32('ns');
  const nr = u32('nr');
  const pn = u32('pn');
  const skippedCount = u32('skipped count');
  // The count is checked against the bytes there before anything is allocated for it.
  if (skippedCount > (bytes.length - at) / SKIPPED_ENTRY) bad(`${skippedCount} skipped keys do not fit`);
  const skipped: SkippedKey[] = [];
  for (let i = 0; i < skippedCount; i++) {
    const dh = toHex(key('skipped dh'));
    const n = u32('skipped n');
    const mk = key('skipped mk');
    need(8, 'skipped at');
    const when = view.getFloat64(at);
    at += 8;
    if (!Number.isSafeInteger(when) || when < 0) bad(`skipped key time ${when} is not a time`);
    skipped.push({ dh, n, mk, at: when });
  }
  const previousCount = u32('previous count');
  if (previousCount * K !== bytes.length - at)
    bad(`${previousCount} previous keys do not match the ${bytes.length - at} bytes left`);
  const previousDhr: string[] = [];
  for (let i = 0; i < previousCount; i++) previousDhr.push(toHex(key('previous dh')));
  return { dhs: { publicKey, privateKey }, dhr, rk, cks, ckr, ns, nr, pn, skipped, previousDhr };
}

/** A state read from a record's JSON (records and handovers carry the JSON form). */
export function ratchetStateFromJson(json: string): Uint8Array {
  return utf8(json); // decodeRatchetState reads it; the next save is binary
}

/** The JSON form, for a record or a handover (read by every version). */
export function ratchetStateToJson(bytes: Uint8Array): string {
  return bytes[0] === JSON_START ? fromUtf8(bytes) : serializeRatchet(decodeRatchetState(bytes));
}
