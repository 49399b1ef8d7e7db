/**
 * Load on a relay process, shared by the bench rows and the relay profile: `workers`
 * loops, each posting a batch of messages to its own secured queue, pulling them and
 * acking them (post, then a pull carrying the ack of the previous round's messages). The messages are signed by the
 * queue's registered sender before the clock starts (signing is the sender's work).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from '../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, type KeyPair } from '../protocol/crypto/curves.js';
import type { Relay } from '../main/core/relay.js';
import { fetchServerCard, RelayClient } from '../main/net/relayClient.js';
import { SessionRelay } from '../main/net/sessionRelay.js';
import { signedPart } from '../protocol/wire/packing.js';
import type { meow } from '../protocol/wire/proto.js';

export const PAYLOAD = 256;

export async function clientFor(url: string): Promise<RelayClient> {
  const card = await fetchServerCard(url);
  return new RelayClient({ url, serverKey: card.publicKey, device: ed25519KeyPair() });
}

/** A client on either transport: the HTTP client, or a relay session (main/net/sessionRelay.ts). */
export async function relayFor(url: string, transport: 'http' | 'session'): Promise<Relay> {
  if (transport === 'http') return clientFor(url);
  const card = await fetchServerCard(url);
  return new SessionRelay({ url, serverKey: card.publicKey, device: ed25519KeyPair() });
}

/** A message with a random (unverifiable) signature: for open queues. */
export function message(dest: KeyPair, size = PAYLOAD): meow.IPackedUserMessage {
  return { destination: dest.publicKey, payload: randomBytes(size), signature: randomBytes(64) };
}

/** A message as a registered sender makes it: signed over (destination, payload). */
export function signedMessage(dest: KeyPair, sender: KeyPair, size = PAYLOAD): meow.IPackedUserMessage {
  const payload = randomBytes(size);
  return {
    destination: dest.publicKey,
    payload,
    signature: sign(sender, signedPart(dest.publicKey, payload)),
  };
}

/** How each loop's queue is set up and what its messages look like. */
export type Mode =
  | { kind: 'open'; size: number } // no sender registered, random signature: the relay checks nothing
  | { kind: 'secured'; size: number }; // a registered sender signs every message; the relay verifies each

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface RelayRate {
  /** Messages relayed (posted, pulled and acked) per second. */
  rate: number;
  /** Server CPU per message, when the server's pid is known. */
  cpuUsPerMsg: number;
  /** This process's (the load generator's) CPU per message. */
  clientCpuUsPerMsg: number;
  relayed: number;
}

/**
 * Runs the post + pull + ack loops for `runMs` after `warmMs`. Returns messages
 * relayed per second and CPU per message on each side.
 */
export async function relayRate(
  url: string,
  pid: number | undefined,
  opts: {
    workers: number;
    batch: number;
    runMs: number;
    warmMs?: number;
    mode?: Mode;
    transport?: 'http' | 'session';
  },
): Promise<RelayRate> {
  const { workers, batch, runMs } = opts;
  const mode = opts.mode ?? { kind: 'secured', size: PAYLOAD };
  const loops = await Promise.all(
    Array.from({ length: workers }, async () => {
      const client = await relayFor(url, opts.transport ?? 'http');
      const queue = ed25519KeyPair();
      const sender = ed25519KeyPair();
      if (mode.kind === 'secured') await client.secure!([{ lookup: queue, senders: [sender.publicKey] }]);
      const make = () =>
        Array.from({ length: batch }, () =>
          mode.kind === 'secured' ? signedMessage(queue, sender, mode.size) : message(queue, mode.size),
        );
      const pool = Array.from({ length: 8 }, make);
      return { client, queue, pool };
    }),
  );
  let relayed = 0;
  let measuring = false;
  const warmEnd = performance.now() + (opts.warmMs ?? 500);
  let end = Infinity;
  let started = 0;
  let cpuStart = 0;
  let clientCpuStart = 0;
  await Promise.all(
    loops.map(async ({ client, queue, pool }) => {
      let toAck: string[] = [];
      for (let round = 0; ; round++) {
        const now = performance.now();
        if (!measuring && now >= warmEnd) {
          measuring = true;
          started = now;
          end = now + runMs;
          cpuStart = pid ? cpuSeconds(pid) : 0;
          const u = process.cpuUsage();
          clientCpuStart = u.user + u.system;
        }
        if (now >= end) {
          await client.ack([{ lookup: queue, ids: toAck }]);
          if (client instanceof SessionRelay) client.close();
          return;
        }
        const wasMeasuring = measuring;
        // A message posted again after its ack is new to the queue (ids are content-derived,
        // acked ids are gone), so the pool can be reused round after round.
        await client.post(pool[round % pool.length]!);
        // The pull carries the ack of the previous round's messages, as a receiving client's
        // loop does once it has stored them: two requests per round, not three.
        // Over a session the pull waits for the push (no flush round trip); over HTTP it reads.
        const { messages } = await client.pull([queue], {
          timeoutMs: opts.transport === 'session' ? 5000 : 0,
          maxMessages: batch,
          ack: [{ lookup: queue, ids: toAck }],
        });
        toAck = messages.map((m) => m.id);
        if (wasMeasuring) relayed += messages.length;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = pid ? cpuSeconds(pid) - cpuStart : 0;
  const u = process.cpuUsage();
  const clientCpu = (u.user + u.system - clientCpuStart) / 1e6;
  return {
    rate: (relayed * 1000) / elapsed,
    cpuUsPerMsg: (cpu * 1e6) / relayed,
    clientCpuUsPerMsg: (clientCpu * 1e6) / relayed,
    relayed,
  };
}
