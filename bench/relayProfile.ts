/**
 * `npm run bench -- relay-profile [embedded|redis]`: where a relay process spends its
 * CPU on batch-1 post + pull + ack. The server runs with `--cpu-prof`; this process
 * drives it (8 loops) for a few seconds, stops it, and prints the functions with the
 * most self time and the inclusive time of the request's stages, per message relayed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/helpers/redis.js';
import { spawnServer } from '../test/helpers/serverProcess.js';
import { relayRate } from './relayLoad.js';
import { printSteps, relaySteps } from './relaySteps.js';

const BIN = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Functions whose inclusive time is shown: the stages of one request. */
const STAGES = [
  'handle',
  'readBody',
  'openRequest',
  'verify',
  'open',
  'seal',
  'sealReply',
  'useNonce',
  'runOperation',
  'post',
  'pull',
  'ack',
  'fetch',
  'checkProofs',
  'operationDigest',
  'send',
  'writeHead',
  'end',
  'x25519',
  'diffieHellman',
  'hkdf',
  'decodeStrict',
  'encode',
];

export interface ProfileSummary {
  totalMs: number;
  self: { name: string; ms: number }[];
  inclusive: { name: string; ms: number }[];
}

export function summarize(p: Profile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000; // µs → ms
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    total += dt;
    self.set(label(node), (self.get(label(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      if (STAGES.includes(name) && !seen.has(name)) {
        seen.add(name);
        incl.set(name, (incl.get(name) ?? 0) + dt);
      }
    }
  });
  const sorted = (m: Map<string, number>) =>
    [...m].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total, self: sorted(self), inclusive: sorted(incl) };
}

export async function benchRelayProfile(args: string[], quick: boolean): Promise<void> {
  const which = args.includes('redis') ? 'redis' : 'embedded';
  // First, alone on this process: the protocol's own work per message, step by step.
  const work = printSteps(relaySteps(quick));
  const dir = mkdtempSync(join(tmpdir(), 'meow-prof-'));
  const profDir = join(dir, 'prof');
  const redis = which === 'redis' ? await startRedis() : null;
  try {
    const server = await spawnServer(
      [
        '--rate',
        '0',
        '--queue-rate',
        '0',
        '--key',
        join(dir, 'key.json'),
        '--data',
        join(dir, 'data'),
        ...(redis ? ['--redis', redis.url] : []),
      ],
      {},
      BIN,
      ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    );
    const run = await relayRate(server.url, server.proc.pid, {
      workers: 8,
      batch: 1,
      runMs: quick ? 2000 : 5000,
      warmMs: 1000,
    });
    await server.stop('SIGTERM');
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no CPU profile');
    const s = summarize(JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile);
    // The profile spans the whole process life (start-up and warm-up too): per-message
    // figures use the relayed count over the profile's busy time, so read the shares.
    console.log(
      `\n## relay CPU profile, ${which} store, batch 1, 8 loops: ${run.rate.toFixed(0)} msg/s, ` +
        `${run.cpuUsPerMsg.toFixed(0)} µs server CPU/msg (ps), ${run.clientCpuUsPerMsg.toFixed(0)} µs client CPU/msg`,
    );
    console.log(`busy (non-idle) samples: ${s.totalMs.toFixed(0)} ms`);
    // What each process spent beyond the protocol's crypto and encoding: HTTP, the store,
    // the event loop, the GC, and code not yet optimised this early in a process's life.
    console.log(
      `beyond the protocol work: server ${(run.cpuUsPerMsg - work.server).toFixed(0)} µs/msg, ` +
        `client ${(run.clientCpuUsPerMsg - work.client).toFixed(0)} µs/msg`,
    );
    console.log('\nself time (top 25)');
    for (const e of s.self.slice(0, 25))
      console.log(`${((e.ms / s.totalMs) * 100).toFixed(1).padStart(6)}%  ${e.name}`);
    console.log('\ninclusive time of request stages');
    for (const e of s.inclusive)
      console.log(`${((e.ms / s.totalMs) * 100).toFixed(1).padStart(6)}%  ${e.name}`);
  } finally {
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
