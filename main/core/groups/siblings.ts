/**
 * My devices and my groups (docs/groups.md, "My devices"): one device drives each group —
 * it holds my member key, my sender chain and the pairwise channels, and it alone sends.
 * My other devices hold the group without secrets (its log, its members' names, my member
 * key's public half and which device drives it), receive its messages from the driver, and
 * ask the driver to send or change the group for them. Members see one of me.
 */
import { z } from 'zod';
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import { resolve, type GroupChange } from '../../../protocol/group/membership.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import type { DeviceChannel } from '../peers/peer.js';
import type { ReceiveSink } from '../receive/decision.js';
import { loadGroup, saveGroup, type GroupRecord } from './record.js';

/** The group as my siblings keep it: no private key, no chains, no channels; `myDeviceId`: this device. */
export function groupView(r: GroupRecord, myDeviceId: string): Uint8Array {
  const driver = r.driver ?? myDeviceId;
  return utf8(JSON.stringify({ id: r.id, changes: r.changes, names: r.names, me: r.me.publicKey, driver }));
}

/** Every group this device shows, for a device of mine paired now (its history follows). */
export function allGroupViews(core: Core): Uint8Array[] {
  return core.db.groups.ids().map((id) => groupView(loadGroup(core.db, id)!, core.identity.uid));
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const viewSchema = z.object({
  id: hex(32),
  changes: z.array(z.unknown()).max(10_000),
  names: z.record(z.string(), z.string().max(100)),
  me: hex(64),
  /** The device that drives the group (absent from a build that sent only its own groups). */
  driver: z.string().max(128).optional(),
});

/** A sibling's request to the driver. */
export const groupOpSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('send'),
    group: hex(32),
    text: z.string(),
    uuid: z.string().min(1).max(64),
    sentAt: z.number(),
  }),
  z.object({ op: z.literal('add'), group: hex(32), contact: z.string().min(1).max(64) }),
  z.object({ op: z.literal('remove'), group: hex(32), member: hex(64) }),
  z.object({ op: z.literal('leave'), group: hex(32) }),
  z.object({ op: z.literal('rename'), group: hex(32), name: z.string().max(400) }),
]);
export type GroupOpRequest = z.infer<typeof groupOpSchema>;

function parse<T>(schema: z.ZodType<T>, data: Uint8Array, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(data));
  } catch {
    throw new MeowError('REFUSED', { detail: `${what}: not JSON` });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new MeowError('REFUSED', { detail: `${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
  return parsed.data;
}

/** The driver's group, kept here (inside the receive transaction). */
export function applyGroupUpdate(core: Core, from: DeviceChannel, data: Uint8Array, sink: ReceiveSink): void {
  const v = parse(viewSchema, data, 'group_update');
  const held = loadGroup(core.db, v.id);
  if (v.driver === core.identity.uid) return; // my own group, told back by a sibling
  if (held && !held.driver) {
    // Two of my devices both drive it (a sibling joined on its own): this one keeps its secrets.
    core.log.warn('a sibling’s state for a group this device drives: kept apart', {
      group: v.id,
      from: from.uid,
    });
    return;
  }
  const changes = [...(held?.changes ?? []), ...(v.changes as GroupChange[])];
  const unique = [...new Map(changes.map((c) => [c.signature, c])).values()];
  const resolved = resolve(v.id, unique);
  if (!resolved.state) throw new MeowError('REFUSED', { detail: 'group_update: a log without its create' });
  const next: GroupRecord = {
    id: v.id,
    changes: resolved.chain,
    me: { publicKey: v.me, privateKey: '' },
    routes: {},
    names: { ...held?.names, ...v.names },
    myChain: { keyId: '', chainKey: '', index: 0, skipped: {} },
    chains: {},
    work: [],
    refusals: held?.refusals ?? [],
    driver: v.driver || from.deviceId,
  };
  saveGroup(core.db, next);
  void sink;
  core.emit('group', v.id);
}

/** What a sibling asks of the driver (this device), done as if asked here. */
export interface GroupOpPort {
  fromSibling(device: DeviceChannel, req: GroupOpRequest): Promise<void>;
}

const ports = new WeakMap<Core, GroupOpPort>();

export function onGroupOps(core: Core, port: GroupOpPort): void {
  ports.set(core, port);
}

export async function applyGroupOp(core: Core, from: DeviceChannel, data: Uint8Array): Promise<void> {
  const req = parse(groupOpSchema, data, 'group_op');
  const port = ports.get(core);
  if (!port) throw new MeowError('REFUSED', { detail: 'group_op: groups are not open here' });
  try {
    await port.fromSibling(from, req);
  } catch (e) {
    // Refused here (the driver): logged; the sibling's message stays "waiting" with the reason in the log.
    core.log.warn('a sibling’s group request was refused', {
      device: from.uid,
      op: req.op,
      error: (e as Error).message,
    });
  }
}
