/**
 * DrStateJson: the ratchet state as JSON, lossless both ways, validated on load.
 * Key order is fixed, so equal states serialise to identical strings.
 */
import { z } from 'zod';
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { RatchetError } from './errors.js';
import type { RatchetState } from './doubleRatchet.js';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const key32 = b64.refine((s) => fromBase64(s).length === 32, 'must encode 32 bytes');
const counter = z.number().int().min(0).max(0xffffffff);

const StateSchema = z.object({
  v: z.literal(1),
  dhs: z.object({ pub: key32, priv: key32 }),
  dhr: key32.nullable(),
  rk: key32,
  cks: key32.nullable(),
  ckr: key32.nullable(),
  ns: counter,
  nr: counter,
  pn: counter,
  skipped: z.array(
    z.object({ dh: z.string().regex(/^[0-9a-f]{64}$/), n: counter, mk: key32, at: z.number().int().min(0) }),
  ),
  prev: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});

const opt = (b: Uint8Array | null) => (b ? toBase64(b) : null);
const optBytes = (s: string | null) => (s === null ? null : fromBase64(s));

export function serializeRatchet(state: RatchetState): string {
  return JSON.stringify({
    v: 1,
    dhs: { pub: toBase64(state.dhs.publicKey), priv: toBase64(state.dhs.privateKey) },
    dhr: opt(state.dhr),
    rk: toBase64(state.rk),
    cks: opt(state.cks),
    ckr: opt(state.ckr),
    ns: state.ns,
    nr: state.nr,
    pn: state.pn,
    skipped: state.skipped.map((s) => ({ dh: s.dh, n: s.n, mk: toBase64(s.mk), at: s.at })),
    prev: state.previousDhr,
  });
}

export function deserializeRatchet(json: string): RatchetState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new RatchetError('BAD_STATE', 'ratchet state is not valid JSON');
  }
  const parsed = StateSchema.safeParse(raw);
  if (!parsed.success)
    throw new RatchetError('BAD_STATE', `ratchet state is invalid: ${parsed.error.issues[0]?.message ?? ''}`);
  const s = parsed.data;
  return {
    dhs: { publicKey: fromBase64(s.dhs.pub), privateKey: fromBase64(s.dhs.priv) },
    dhr: optBytes(s.dhr),
    rk: fromBase64(s.rk),
    cks: optBytes(s.cks),
    ckr: optBytes(s.ckr),
    ns: s.ns,
    nr: s.nr,
    pn: s.pn,
    skipped: s.skipped.map((k) => ({ dh: k.dh, n: k.n, mk: fromBase64(k.mk), at: k.at })),
    previousDhr: s.prev,
  };
}
