/**
 * Groups (docs/groups.md): one text to a 100-member group — sender CPU and bytes posted until
 * every copy is on the relay — beside one 1:1 text to one of the same members, in the same
 * run. The 100 members are invitations of one helper profile that Alice accepted (each its
 * own channel and queue on the relay); they never read, so only the sender is measured.
 */
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newProfile } from './clientSetup.js';

const MEMBERS = 100;
const TEXT = 'y'.repeat(100);

interface Setup {
  alice: Messenger;
  helper: Messenger;
  group: string;
  /** Bytes Alice posted so far (every relay post, counted as it leaves). */
  posted: () => number;
}

function setup(ctx: BenchContext): Promise<Setup> {
  return ctx.resource(
    'group-100',
    async () => {
      const alice = await newProfile(ctx, 'groupAlice');
      const helper = await newProfile(ctx, 'groupMembers');
      const names: string[] = [];
      for (let i = 0; i < MEMBERS - 1; i++) {
        const { link } = await helper.invite(`m${i}`, { long: true });
        names.push(`m${i}`);
        await alice.accept(link, `m${i}`);
      }
      await helper.sync(); // the members' queues exist on the relay
      await alice.flushOutbox();
      let bytes = 0;
      const relay = alice.relayFor(alice.identity.servers[0]!);
      const post = relay.post.bind(relay);
      relay.post = (messages, opts) => {
        for (const m of messages) bytes += encode(meow.PackedUserMessage, m).length;
        return post(messages, opts);
      };
      const g = await alice.groups.create('Hundred', names);
      const r = await alice.flushOutbox(); // the log and my sender key to every member (not measured)
      if (r.waiting > 0) throw new Error(`${r.waiting} rows still waiting`);
      return { alice, helper, group: g.id, posted: () => bytes };
    },
    async ({ alice, helper }) => {
      await alice.close();
      await helper.close();
    },
  );
}

async function once(ctx: BenchContext, toGroup: boolean): Promise<Sample> {
  const s = await setup(ctx);
  const bytes0 = s.posted();
  const cpu0 = process.cpuUsage();
  if (toGroup) await s.alice.groups.send(s.group, TEXT);
  else await s.alice.send('m0', TEXT);
  const r = await s.alice.flushOutbox();
  const cpu = process.cpuUsage(cpu0);
  if (r.waiting > 0) throw new Error(`${r.waiting} rows still waiting`);
  const ms = (cpu.user + cpu.system) / 1000;
  const bytes = s.posted() - bytes0;
  return { value: ms, detail: `${(bytes / 1024).toFixed(1)} KiB posted`, extra: { bytes } };
}

export const groupRows: Row[] = [
  {
    id: 'group.send100',
    name: `one text to a ${MEMBERS}-member group, sender CPU until every copy is posted`,
    referenceName: 'one 1:1 text, the same way',
    unit: 'ms CPU',
    better: 'lower',
    // Each copy is a full pairwise pack (docs/groups.md, "Built differently"): about N × a 1:1 send.
    ratio: 'measure/reference',
    target: { max: MEMBERS * 1.5, text: `≤ ${MEMBERS * 1.5}× (one pack per member)` },
    measure: (ctx) => once(ctx, true),
    reference: (ctx) => once(ctx, false),
  },
];
