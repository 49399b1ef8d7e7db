/**
 * The CPU of one batch-1 message relayed (a post, then a pull carrying the previous ack),
 * step by step on each side, measured in this process with the relay's own functions
 * (no HTTP, no store): what the protocol's crypto and encoding cost per message, which
 * the relay profile sets against the CPU each process really spent per message. The
 * primitives under the steps are timed too, so the floor of the design reads in µs.
 */
import { randomBytes } from '../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, verify, x25519, x25519KeyPair } from '../protocol/crypto/curves.js';
import { signedPart } from '../protocol/wire/packing.js';
import { encode, meow } from '../protocol/wire/proto.js';
import {
  messageId,
  openReply,
  openRequest,
  operationDigest,
  pullOperation,
  ReplySealer,
  sealRequest,
  verifyKeyProof,
  type SealedRequest,
} from '../protocol/wire/serverProtocol.js';
import { signedMessage } from './relayLoad.js';

export interface Step {
  side: 'client' | 'server' | 'primitive';
  name: string;
  /** CPU µs per call (user + system of this process), median of rounds. */
  us: number;
}

/** CPU µs per call of `fn`, median of `rounds` rounds of `n` calls after a warm-up. */
function cpuPerCall(fn: (i: number) => void, n: number, rounds = 3): number {
  for (let i = 0; i < Math.max(200, n / 4); i++) fn(i);
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(i);
    const c = process.cpuUsage(c0);
    per.push((c.user + c.system) / n);
  }
  return per.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

export function relaySteps(quick: boolean): Step[] {
  const n = quick ? 300 : 1000;
  const server = x25519KeyPair();
  const device = ed25519KeyPair();
  const queue = ed25519KeyPair();
  const sender = ed25519KeyPair();
  const sealer = new ReplySealer();
  const RING = 64;
  const posts = Array.from({ length: RING }, () => [signedMessage(queue, sender)]);
  const id = '0123456789abcdef0123456789abcdef';
  const pullOf = (i: number) =>
    sealRequest(server.publicKey, device, (ctx) =>
      pullOperation(ctx, [queue], { timeoutMs: 0, maxMessages: 1, ack: [{ lookup: queue, ids: [id + i] }] }),
    );
  const postReqs: SealedRequest[] = posts.map((m) =>
    sealRequest(server.publicKey, device, () => ({ messages: m })),
  );
  const pullReqs: SealedRequest[] = posts.map((_, i) => pullOf(i));
  const postReplies = postReqs.map((r) => sealer.seal(r.replyKey.publicKey, r.nonce, { posted: [{ id }] }));
  const delivered = (i: number): meow.IFromServerMessage => ({
    messages: [{ id, arrivedAt: Date.now(), message: posts[i]![0] }],
    more: false,
    acked: 1,
  });
  const pullReplies = pullReqs.map((r, i) => sealer.seal(r.replyKey.publicKey, r.nonce, delivered(i)));
  const openedPull = openRequest(server, pullReqs[0]!.body);
  const stored = encode(meow.PackedUserMessage, posts[0]![0]!);
  const msg = posts[0]![0]!;
  const bytes300 = randomBytes(300);
  const sig = sign(sender, bytes300);
  const peer = x25519KeyPair();
  const steps: Step[] = [];
  const add = (side: Step['side'], name: string, fn: (i: number) => void) =>
    steps.push({ side, name, us: cpuPerCall(fn, n) });

  add('client', 'post: seal request (reply key, sign, seal)', (i) => {
    sealRequest(server.publicKey, device, () => ({ messages: posts[i % RING]! }));
  });
  add('client', 'post: open reply', (i) => openReply(postReqs[i % RING]!, postReplies[i % RING]!));
  add('client', 'pull: seal request (+ key proof)', (i) => pullOf(i));
  add('client', 'pull: open reply (1 message)', (i) =>
    openReply(pullReqs[i % RING]!, pullReplies[i % RING]!),
  );
  add('server', 'post: open request (DH, verify device sig)', (i) =>
    openRequest(server, postReqs[i % RING]!.body),
  );
  add('server', 'post: check message (encode, id)', () => messageId(encode(meow.PackedUserMessage, msg)));
  add('server', 'post: verify sender signature', () =>
    verify(sender.publicKey, signedPart(msg.destination!, msg.payload!), msg.signature!),
  );
  add('server', 'post: seal reply', (i) =>
    sealer.seal(postReqs[i % RING]!.replyKey.publicKey, postReqs[i % RING]!.nonce, { posted: [{ id }] }),
  );
  add('server', 'pull: open request', (i) => openRequest(server, pullReqs[i % RING]!.body));
  add('server', 'pull: digest + verify key proof', () =>
    verifyKeyProof(
      'pull',
      openedPull.message.pull?.keys?.[0],
      operationDigest(openedPull.context, openedPull.message),
    ),
  );
  add('server', 'pull: decode stored + seal reply (1 message)', (i) =>
    sealer.seal(pullReqs[i % RING]!.replyKey.publicKey, pullReqs[i % RING]!.nonce, {
      ...delivered(i % RING),
      messages: [{ id, arrivedAt: 0, message: meow.PackedUserMessage.decode(stored) }],
    }),
  );
  add('primitive', 'X25519 key pair', () => x25519KeyPair());
  add('primitive', 'X25519 DH', () => x25519(server, peer.publicKey));
  add('primitive', 'Ed25519 sign 300 B', () => sign(sender, bytes300));
  add('primitive', 'Ed25519 verify 300 B', () => verify(sender.publicKey, bytes300, sig));
  sealer.close();
  return steps;
}

/** Prints the steps and each side's sum per message. */
export function printSteps(steps: Step[]): { client: number; server: number } {
  const sum = (side: Step['side']) => steps.filter((s) => s.side === side).reduce((a, s) => a + s.us, 0);
  console.log('\nprotocol work per batch-1 message (post + pull with ack), CPU µs in this process');
  for (const s of steps) console.log(`${s.side.padEnd(9)} ${s.us.toFixed(1).padStart(7)}  ${s.name}`);
  const client = sum('client');
  const server = sum('server');
  console.log(`sum       client ${client.toFixed(0)} µs, server ${server.toFixed(0)} µs per message`);
  return { client, server };
}
