/**
 * Action latency (docs/conversation-sync.md): a reaction made on Alice's device until Bob's
 * device shows it (queued, flushed, pulled, applied), against a text sent the same way until
 * Bob's device has it — the same pair, the same run. A reaction should cost about a message.
 */
import { befriend } from '../../test/core/harness.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { fold } from '../../main/core/messenger/actionFold.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newProfile } from './clientSetup.js';

function pair(ctx: BenchContext): Promise<{ a: Messenger; b: Messenger }> {
  return ctx.resource(
    'actions-pair',
    async () => {
      const a = await newProfile(ctx, 'actA');
      const b = await newProfile(ctx, 'actB');
      await befriend(a, b);
      return { a, b };
    },
    async ({ a, b }) => {
      await a.close();
      await b.close();
    },
  );
}

/** Until `shown()` holds on Bob's side: his device pulls and applies (each round a real pull). */
async function until(b: Messenger, shown: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !shown(); i++) await b.sync();
  if (!shown()) throw new Error('not shown at the contact');
}

async function latency(ctx: BenchContext, react: boolean): Promise<Sample> {
  const { a, b } = await pair(ctx);
  const n = ctx.scale(30, 10);
  const bob = b.identity.nickname;
  const onBob = b.findContact(a.identity.nickname).uid;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    // (the message reacted to is there on both sides before the clock starts)
    const target = react ? await a.send(bob, `target ${i}`) : null;
    if (target) {
      await a.flushOutbox();
      await until(b, () => !!b.db.messages.get(onBob, target.uuid));
    }
    const t0 = performance.now();
    if (target) {
      await a.act(bob, { kind: 'react', target: target.uuid, emoji: '👍' });
      await a.flushOutbox();
      await until(b, () => fold(target, b.db.actions.forTarget(onBob, target.uuid)).reactions.length > 0);
    } else {
      const m = await a.send(bob, `text ${i}`);
      await a.flushOutbox();
      await until(b, () => !!b.db.messages.get(onBob, m.uuid));
    }
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const median = times[Math.floor(times.length / 2)]!;
  return {
    value: median,
    detail: `p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(1)} ms`,
    extra: { n },
  };
}

export const actionRows: Row[] = [
  {
    id: 'actions.react',
    name: 'a reaction until the contact’s device shows it (median)',
    referenceName: 'a text until the contact’s device has it',
    unit: 'ms',
    better: 'lower',
    target: { min: 0.7, text: '≥ 0.7×' },
    measure: (ctx) => latency(ctx, true),
    reference: (ctx) => latency(ctx, false),
  },
];
