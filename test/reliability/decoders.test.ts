/**
 * Random and mutated bytes into every decoder a peer, a relay or a host can reach:
 * protobuf (every message type of the schema), relay requests and replies, packed
 * user messages, contact cards and links, device-sync payloads, RPC frames. Each must
 * answer with one of its own errors — never a TypeError or RangeError from inside,
 * never a crash — and memory stays bounded.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeowError } from '../../main/core/errors.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import {
  decodeDeviceName,
  decodeFullPeer,
  decodePayload,
  decodePeerData,
  decodeProfile,
  decodeServers,
  encodeDeviceName,
  encodeFullPeer,
  encodePeerData,
  encodeProfile,
  encodeServers,
} from '../../main/core/devices/payloads.js';
import { channelKeys } from '../../main/core/peers/peer.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { openCardBlob, parseLink, sealCardBlob } from '../../main/core/peers/invitation.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { packUserMessage, unpackUserMessage, type ChannelKeys } from '../../protocol/wire/packing.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import { openReply, openRequest, sealReply, sealRequest } from '../../protocol/wire/serverProtocol.js';
import { ServiceError } from '../../shared/errors.js';
import { serveRpc, type RpcFrame } from '../../shared/rpc.js';
import { SERVICE_METHODS } from '../../shared/schemas.js';
import type { MeowService } from '../../shared/service.js';
import { loadOrCreateIdentity } from '../../server/identity.js';
import { befriend, createBlankDevice, createProfile, startEnv, type Env } from '../core/harness.js';
import { seeded } from './faultProxy.js';
import { record } from './report.js';
import { scale } from './scale.js';

const N = scale(300, 3000); // inputs per decoder and kind (random, mutated)
const rnd = seeded(4242);
const int = (n: number) => Math.floor(rnd() * n);

function randomBytes(max = 256): Uint8Array {
  const b = new Uint8Array(int(max));
  for (let i = 0; i < b.length; i++) b[i] = int(256);
  return b;
}

/** One of: flip bits, overwrite, insert, delete, truncate, extend, splice a varint of 0xff. */
function mutate(seed: Uint8Array): Uint8Array {
  const b = Array.from(seed);
  const times = 1 + int(4);
  for (let t = 0; t < times; t++) {
    const at = b.length ? int(b.length) : 0;
    switch (int(7)) {
      case 0:
        if (b.length) b[at] = b[at]! ^ (1 << int(8));
        break;
      case 1:
        if (b.length) b[at] = int(256);
        break;
      case 2:
        b.splice(at, 0, int(256));
        break;
      case 3:
        b.splice(at, 1 + int(8));
        break;
      case 4:
        b.length = int(b.length + 1);
        break;
      case 5:
        for (let i = int(16); i > 0; i--) b.push(int(256));
        break;
      case 6:
        b.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0x0f); // a huge length prefix
        break;
    }
  }
  return Uint8Array.from(b);
}

function mutateText(seed: string): string {
  const c = [...seed];
  for (let t = 1 + int(3); t > 0; t--) {
    const at = int(c.length + 1);
    const op = int(3);
    if (op === 0) c[at] = String.fromCharCode(int(0x3000));
    else if (op === 1) c.splice(at, 1 + int(10));
    else c.length = at;
  }
  return c.join('');
}

/** Error classes a decoder may answer with: its own, never an accident from inside. */
const EXPECTED = [
  'WireError',
  'MeowError',
  'ServiceError',
  'UnpackError',
  'ProtocolError',
  'CryptoError',
  'RatchetError',
  'PaddingError',
];

interface Tally {
  tried: number;
  refused: number;
  accepted: number;
  unexpected: string[];
}

function feed(t: Tally, fn: () => unknown): void {
  t.tried++;
  try {
    fn();
    t.accepted++;
  } catch (e) {
    const name = e instanceof Error ? e.constructor.name : typeof e;
    if (EXPECTED.includes(name) || e instanceof MeowError || e instanceof ServiceError) t.refused++;
    else if (t.unexpected.length < 10) t.unexpected.push(`${name}: ${(e as Error).message}`);
  }
}

function tally(): Tally {
  return { tried: 0, refused: 0, accepted: 0, unexpected: [] };
}

describe('random and mutated bytes into every decoder', () => {
  let env: Env;
  let alice: Messenger;
  let bob: Messenger;
  let blank: Messenger;
  const totals = new Map<string, Tally>();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sample = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));

  beforeAll(async () => {
    env = await startEnv('embedded');
    alice = await createProfile(env, 'fz-a');
    bob = await createProfile(env, 'fz-b');
    blank = await createBlankDevice(env, 'fz-new');
    await befriend(alice, bob);
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close(), blank?.close()]);
    await env?.close();
    const all = [...totals.values()];
    record({
      case: 'decoders: random and mutated input',
      faults: {},
      badInputs: all.reduce((n, t) => n + t.tried, 0),
      lost: 0,
      shownTwice: 0,
      notes: `${totals.size} decoders; ${all.reduce((n, t) => n + t.unexpected.length, 0)} unexpected errors; rss grew ${Math.round((rssPeak - rssBefore) / 2 ** 20)} MiB at most`,
    });
  });

  function run(name: string, seeds: Uint8Array[], fn: (b: Uint8Array) => unknown): Tally {
    const t = tally();
    for (let i = 0; i < N; i++) feed(t, () => fn(randomBytes()));
    for (let i = 0; i < N; i++) feed(t, () => fn(mutate(seeds[i % seeds.length]!)));
    sample();
    totals.set(name, t);
    return t;
  }

  it('every protobuf message type of the schema', () => {
    const types = Object.entries(meow).filter(
      ([, v]) => typeof v === 'function' && typeof (v as { decode?: unknown }).decode === 'function',
    ) as [
      string,
      {
        decode(b: Uint8Array): unknown;
        encode(m: unknown): { finish(): Uint8Array };
        fromObject(o: object): unknown;
      },
    ][];
    expect(types.length).toBeGreaterThan(20);
    for (const [name, type] of types) {
      const seed = type.encode(type.fromObject({})).finish();
      const t = run(`proto ${name}`, [seed, randomBytes(64)], (b) => decodeStrict(type as never, name, b));
      expect(t.unexpected, name).toEqual([]);
    }
  });

  it('relay requests (server side) and replies (client side)', () => {
    const dir = env.dir;
    const server = loadOrCreateIdentity(join(dir, 'fuzz-server-key.json')).box;
    const device = ed25519KeyPair();
    const sealed = sealRequest(server.publicKey, device, () => ({
      messages: [
        {
          destination: new Uint8Array(32).fill(7),
          payload: new Uint8Array(100),
          signature: new Uint8Array(64),
        },
      ],
    }));
    const req = run('relay request', [sealed.body], (b) => openRequest(server, b));
    expect(req.unexpected).toEqual([]);
    const reply = sealReply(sealed.replyKey.publicKey, sealed.nonce, { posted: [{ id: 'x' }] });
    const rep = run(
      'relay reply',
      [reply, encode(meow.ServerReply, { error: { code: 3, message: 'm' } })],
      (b) => openReply(sealed, b),
    );
    expect(rep.unexpected).toEqual([]);
  });

  it('packed user messages through a real channel', () => {
    const peerA = alice.peers.get(alice.peers.all().find((p) => p.type === 'contact')!.uid)!;
    const peerB = bob.peers.all().find((p) => p.type === 'contact')!;
    // Bob's keys and ratchet as stored; messages packed from a copy of Alice's channel.
    const keysA: ChannelKeys = channelKeys(peerA);
    const keysB: ChannelKeys = channelKeys(peerB);
    const packed = packUserMessage(keysA, decodeRatchetState(peerA.drState!), {
      type: 'text',
      text: 'hello',
      status: { uuid: 'u', sent: 1 },
    });
    const t = run('packed user message', [packed.bytes], (b) =>
      unpackUserMessage(
        keysB,
        decodeRatchetState(peerB.drState!),
        decodeStrict(meow.PackedUserMessage, 'PackedUserMessage', b),
      ),
    );
    expect(t.unexpected).toEqual([]);
  });

  it('links and cards (invitations, pairing)', async () => {
    const { link: long } = await alice.invite('someone', { long: true });
    const { link: short } = await alice.invite('someone else');
    const { link: pair } = await blank.pairing.init();
    const links = [long, short, pair];
    const t = tally();
    for (let i = 0; i < N; i++) feed(t, () => parseLink(mutateText(links[i % links.length]!)));
    for (let i = 0; i < N; i++) feed(t, () => parseLink(String.fromCharCode(...randomBytes(200))));
    totals.set('links', t);
    expect(t.unexpected).toEqual([]);
    const parsed = parseLink(long);
    expect(parsed.form).toBe('long');
    const { blob, key } = sealCardBlob((parsed as { card: meow.ContactCard }).card);
    const c = run('card blob', [blob], (b) => openCardBlob(b, key));
    expect(c.unexpected).toEqual([]);
  });

  it('device-sync payloads', () => {
    const contact = alice.peers.all().find((p) => p.type === 'contact')!;
    const version = { counter: 1, device: 'd' };
    const seeds: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
      ['peer data', encodePeerData(contact, 'dev'), decodePeerData],
      ['full peer', encodeFullPeer(contact), (b) => decodeFullPeer(b, 'handover')],
      ['profile', encodeProfile({ nickname: 'A', avatar: '', status: 's', version }), decodeProfile],
      ['device name', encodeDeviceName({ deviceId: 'd', name: 'laptop', version }), decodeDeviceName],
      ['servers', encodeServers([alice.identity.servers[0]!], version), decodeServers],
      [
        'sync payload',
        encode(meow.UserMessage, {
          type: 'device_sync',
          appdata: encode(meow.DeviceSyncPayload, { dedupId: 'x' }),
        }),
        (b) => decodePayload(decodeStrict(meow.UserMessage, 'UserMessage', b)),
      ],
    ];
    for (const [name, seed, fn] of seeds) {
      const t = run(`sync ${name}`, [seed], fn);
      expect(t.unexpected, name).toEqual([]);
    }
  });

  it('RPC frames: junk and wrong arguments get an error result, never reach the service', async () => {
    let reached = 0;
    const service = new Proxy({} as MeowService, {
      get: (_t, prop) => (prop === 'on' ? () => () => undefined : async () => (reached++, null)),
    });
    let listener: (f: unknown) => void = () => undefined;
    const sent: RpcFrame[] = [];
    serveRpc(service, { send: (f) => sent.push(f), onFrame: (l) => (listener = l) });
    const values = (): unknown => {
      const k = int(9);
      if (k === 0) return null;
      if (k === 1) return int(2 ** 31) - 2 ** 30;
      if (k === 2) return String.fromCharCode(...randomBytes(40));
      if (k === 3) return [values(), values()];
      if (k === 4) return { password: values(), nickname: values() };
      if (k === 5) return 'x'.repeat(int(200_000));
      if (k === 6) return undefined;
      if (k === 7) return { __proto__: { polluted: true } };
      return randomBytes(16);
    };
    const t = tally();
    let calls = 0;
    for (let i = 0; i < N; i++) {
      const method = rnd() < 0.7 ? SERVICE_METHODS[int(SERVICE_METHODS.length)]! : String(values());
      const frame =
        rnd() < 0.2
          ? values()
          : { t: 'call', id: i, method, args: rnd() < 0.2 ? values() : [values(), values(), values()] };
      // Every frame that says it is a call is answered, a malformed one with an error; other frames are ignored.
      if (typeof frame === 'object' && frame && (frame as { t?: unknown }).t === 'call') calls++;
      feed(t, () => listener(frame));
    }
    await new Promise((r) => setTimeout(r, 50));
    totals.set('rpc frames', t);
    expect(t.unexpected).toEqual([]);
    const results = sent.filter((f) => f.t === 'result');
    expect(results).toHaveLength(calls);
    // Only calls whose arguments pass the schema reach the service (argument-less ones can).
    expect(reached).toBe(results.filter((r) => r.t === 'result' && r.result.ok).length);
    sample();
    // ~56 MiB seen at full scale (garbage the GC has not returned yet); a decoder that trusted a
    // length field and allocated by it (up to 4 GiB) would blow through this.
    expect(rssPeak - rssBefore).toBeLessThan(256 * 2 ** 20);
  });
});
