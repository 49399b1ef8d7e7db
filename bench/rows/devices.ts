/**
 * Multi-device rows:
 *   - fan-out: a 500-message backlog drained (and every copy sent to my other devices)
 *     with 1, 2 or 4 siblings paired, against the same drain with none — what each
 *     sibling adds to receiving;
 *   - the sibling's side of the fan-out: one sibling draining the copies of a 500-message
 *     backlog (device messages carrying up to 100 changes each: messenger/syncRows.ts),
 *     against the primary's own drain of it;
 *   - pairing-to-synced: a new device paired and holding 2,000 messages of history
 *     (history per second, from the link to the last message stored), against the
 *     primitive bound of receiving a message (bench/rows/drain.ts).
 */
import { profiled } from '../cpuProfile.js';
import { storeHistory } from '../history.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, pairDevices, settle } from '../../test/core/harness.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newBlankDevice, newProfile } from './clientSetup.js';
import { primitiveBound } from './drain.js';

const TEXT = 'z'.repeat(100);

async function fanOut(ctx: BenchContext, siblings: number): Promise<Sample> {
  const n = ctx.scale(500, 300);
  const me = await newProfile(ctx, 'fan');
  const friend = await newProfile(ctx, 'friend');
  const devices: Messenger[] = [];
  try {
    await befriend(me, friend);
    for (let i = 0; i < siblings; i++) {
      const d = await newBlankDevice(ctx, `sibling${i}`);
      devices.push(d);
      await pairDevices(me, d);
    }
    await settle(me, ...devices);
    for (let i = 0; i < n; i++) await friend.send(me.identity.nickname, TEXT);
    await friend.flushOutbox();
    const t0 = performance.now();
    const r = await profiled(`fanout.${siblings}`, () => me.sync()); // receives, and sends each copy to every sibling
    const s = (performance.now() - t0) / 1000;
    if (r.received < n) throw new Error(`received ${r.received} of ${n}`);
    return { value: n / s, detail: `${r.sent} rows sent` };
  } finally {
    for (const m of [me, friend, ...devices]) await m.close();
  }
}

async function siblingDrain(ctx: BenchContext): Promise<Sample> {
  const n = ctx.scale(500, 300);
  const me = await newProfile(ctx, 'fanme');
  const friend = await newProfile(ctx, 'fanfriend');
  const laptop = await newBlankDevice(ctx, 'fanlaptop');
  try {
    await befriend(me, friend);
    await pairDevices(me, laptop);
    await settle(me, laptop);
    for (let i = 0; i < n; i++) await friend.send(me.identity.nickname, TEXT);
    await friend.flushOutbox();
    await me.sync(); // the primary receives them and sends each to the laptop
    const t0 = performance.now();
    const r = await profiled('sibling.drain', () => laptop.sync());
    const s = (performance.now() - t0) / 1000;
    const got = laptop.messages(friend.identity.nickname).length;
    if (got < n) throw new Error(`the sibling shows ${got} of ${n}`);
    return { value: n / s, detail: `${r.received} device messages` };
  } finally {
    for (const m of [me, friend, laptop]) await m.close();
  }
}

function fanOutRow(siblings: number): Row {
  return {
    id: `fanout.${siblings}`,
    name: `drain with ${siblings} sibling device${siblings > 1 ? 's' : ''} to fan out to`,
    referenceName: 'the same drain, no sibling',
    unit: 'msg/s',
    better: 'higher',
    measure: (ctx) => fanOut(ctx, siblings),
    reference: (ctx) => ctx.memo('fanout-0', () => fanOut(ctx, 0)),
  };
}

async function pairingToSynced(ctx: BenchContext): Promise<Sample> {
  const history = ctx.scale(2000, 1000);
  const me = await newProfile(ctx, 'history');
  const friend = await newProfile(ctx, 'histfriend');
  const laptop = await newBlankDevice(ctx, 'laptop');
  try {
    await befriend(me, friend);
    const uid = me.findContact(friend.identity.nickname).uid;
    storeHistory(me, uid, history);
    const t0 = performance.now();
    await profiled('pairing.synced', () => pairDevices(me, laptop, { historyDays: 30 }));
    const s = (performance.now() - t0) / 1000;
    const got = laptop.messages(friend.identity.nickname).length;
    if (got < history) throw new Error(`synced ${got} of ${history}`);
    return { value: history / s, detail: `${history} messages in ${s.toFixed(1)} s` };
  } finally {
    for (const m of [me, friend, laptop]) await m.close();
  }
}

export const deviceRows: Row[] = [
  fanOutRow(1),
  fanOutRow(2),
  fanOutRow(4),
  {
    id: 'fanout.sibling',
    name: 'a sibling draining the fan-out of a backlog',
    referenceName: 'the primary draining it, no sibling',
    unit: 'msg/s',
    better: 'higher',
    measure: siblingDrain,
    reference: (ctx) => ctx.memo('fanout-0', () => fanOut(ctx, 0)),
  },
  {
    id: 'pairing.synced',
    name: 'pairing to synced, history per second',
    referenceName: 'primitive bound of receiving',
    unit: 'msg/s',
    better: 'higher',
    measure: pairingToSynced,
    reference: (ctx) => ctx.memo('bound-1000', () => primitiveBound(ctx, 1000)),
  },
];
