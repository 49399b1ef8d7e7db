/**
 * A conversation's list state and draft — pinned, archived, marked unread, muted until, the
 * text being written — the same on all my devices (never told to the contact). Each field
 * carries its own version; a change here takes a version above every one seen, counted in
 * milliseconds of this device's clock, so the latest write wins field by field, wherever it
 * was made (two devices writing the same field in the same millisecond: the larger device id).
 * Changes travel as "conv_state" syncs with only the changed fields; older or equal versions
 * change nothing, so duplicates and reordering are harmless.
 */
import { z } from 'zod';
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import { compareVersions, versionSchema, type Version } from '../records.js';
import { MAX_TEXT_BYTES } from './limits.js';

export interface StateValues {
  pinned: boolean;
  archived: boolean;
  /** Marked unread by the person (the unread count of new messages is separate). */
  unread: boolean;
  /** Unix ms; 0: not muted. */
  mutedUntil: number;
  draft: string;
}

export type StateField = keyof StateValues;
export type ConversationState = { [K in StateField]?: { value: StateValues[K]; version: Version } };

export const DEFAULT_STATE: StateValues = {
  pinned: false,
  archived: false,
  unread: false,
  mutedUntil: 0,
  draft: '',
};

const field = <T extends z.ZodTypeAny>(value: T) =>
  z.object({ value, version: versionSchema }).strict().optional();

/** What a record (stored, or a sibling's change) may hold: bounded, nothing else. */
const stateSchema = z
  .object({
    pinned: field(z.boolean()),
    archived: field(z.boolean()),
    unread: field(z.boolean()),
    mutedUntil: field(z.number().int().min(0)),
    draft: field(z.string().max(MAX_TEXT_BYTES)),
  })
  .strict();

const syncSchema = z.object({ peerUid: z.string().min(1).max(128), state: stateSchema }).strict();

export function valuesOf(s: ConversationState | undefined): StateValues {
  const out = { ...DEFAULT_STATE };
  if (!s) return out;
  for (const k of Object.keys(DEFAULT_STATE) as StateField[]) {
    const f = s[k];
    if (f) (out as Record<StateField, unknown>)[k] = f.value;
  }
  return out;
}

/** `incoming` merged into `local`, field by field; `changed` names what `incoming` won. */
export function mergeState(
  local: ConversationState,
  incoming: ConversationState,
): { merged: ConversationState; changed: StateField[] } {
  const merged: ConversationState = { ...local };
  const changed: StateField[] = [];
  for (const k of Object.keys(incoming) as StateField[]) {
    const inc = incoming[k];
    const cur = local[k];
    if (!inc || (cur && compareVersions(inc.version, cur.version) <= 0)) continue;
    (merged as Record<string, unknown>)[k] = inc;
    changed.push(k);
  }
  return { merged, changed };
}

function read(core: Core, peerUid: string): ConversationState {
  const raw = core.db.conversationState.get(peerUid);
  const parsed = stateSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}

export function stateOf(core: Core, peerUid: string): StateValues {
  return valuesOf(read(core, peerUid));
}

/**
 * The person changes fields of a conversation's state here: saved with a version above every
 * one seen, and sent to my other devices in the same transaction. Returns the new values.
 */
export function changeState(core: Core, peerUid: string, change: Partial<StateValues>): StateValues {
  if (change.draft !== undefined && Buffer.byteLength(change.draft) > MAX_TEXT_BYTES)
    throw new MeowError('TEXT_TOO_LONG', { maxBytes: MAX_TEXT_BYTES });
  if (change.mutedUntil !== undefined && (!Number.isSafeInteger(change.mutedUntil) || change.mutedUntil < 0))
    throw new MeowError('BAD_INPUT', { field: 'mutedUntil', reason: 'a time in ms, or 0' });
  return core.db.atomically(() => {
    const local = read(core, peerUid);
    const top = Math.max(
      0,
      ...Object.values(local).map((f) => (f as { version: Version } | undefined)?.version.counter ?? 0),
    );
    const version = { counter: Math.max(Date.now(), top + 1), device: core.identity.uid };
    const incoming: ConversationState = {};
    for (const [k, value] of Object.entries(change) as [StateField, unknown][]) {
      if (value === undefined || !(k in DEFAULT_STATE)) continue;
      if (valuesOf(local)[k] === value) continue; // nothing changes: nothing to sync
      (incoming as Record<string, unknown>)[k] = { value, version };
    }
    if (Object.keys(incoming).length === 0) return valuesOf(local);
    const { merged } = mergeState(local, incoming);
    core.db.conversationState.put(peerUid, merged);
    core.db.outbox.enqueue(
      core.fanOut({ type: 'conv_state', peerUid, data: encodeState(peerUid, incoming) }),
    );
    return valuesOf(merged);
  });
}

export function encodeState(peerUid: string, state: ConversationState): Uint8Array {
  return utf8(JSON.stringify({ peerUid, state }));
}

/** A sibling's change, checked (REFUSED, saying why) before anything of it is applied. */
export function decodeState(bytes: Uint8Array): { peerUid: string; state: ConversationState } {
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new MeowError('REFUSED', { detail: 'conv_state: not JSON' });
  }
  const parsed = syncSchema.safeParse(raw);
  if (!parsed.success)
    throw new MeowError('REFUSED', { detail: `conv_state: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
  return parsed.data;
}

/** Applies a sibling's change; returns whether anything won (the conversation is then announced). */
export function applyState(core: Core, peerUid: string, incoming: ConversationState): boolean {
  return core.db.atomically(() => {
    const { merged, changed } = mergeState(read(core, peerUid), incoming);
    if (changed.length) core.db.conversationState.put(peerUid, merged);
    return changed.length > 0;
  });
}
