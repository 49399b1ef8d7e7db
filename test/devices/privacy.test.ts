/**
 * Privacy (plan, "Privacy Properties"): what a contact can observe — its received
 * messages, the keys and lookup keys it talks to, the number of senders — is the
 * same whether I use one device or three.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/crypto/bytes.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

/** Everything X can see of its relationship with `name`. */
function observe(x: Messenger, name: string) {
  const peer = x.findContact(name);
  return {
    contacts: x.contacts().length,
    keys: [peer.contactPublicKey, peer.contactEncryption, peer.contactLookupKey].map((k) => toHex(k!)),
    servers: peer.contactPullServers.map((s) => s.url),
    messages: x.messages(name).map((m) => ({
      outbound: m.outbound,
      type: m.type,
      text: m.text,
      files: m.files.length,
      appdata: m.appdata.length,
      data: m.data.length,
      author: m.authorDevice === x.identity.uid ? 'x itself' : m.authorDevice, // inbound: must carry nothing
      answerTo: m.answerTo,
      state: m.state,
    })),
  };
}

describe('a contact cannot tell one device from three', () => {
  const env = useEnv('embedded');

  async function scenario(tag: string, devices: 1 | 3) {
    const a = await createProfile(env, `pa-${tag}`);
    const x = await createProfile(env, `px-${tag}`);
    await befriend(a, x);
    const all = [a];
    if (devices === 3) {
      const b = await createBlankDevice(env, `pb-${tag}`);
      const c = await createBlankDevice(env, `pc-${tag}`);
      await pairDevices(a, b);
      await pairDevices(a, c);
      all.push(b, c);
    }
    const keysBefore = observe(x, a.identity.nickname).keys;
    const writers = devices === 3 ? [all[1]!, all[2]!, all[0]!] : [a, a, a];
    const X = x.identity.nickname;
    await writers[0]!.send(X, 'first');
    await settle(...all, x, ...all);
    await x.send(a.identity.nickname, 'reply');
    await settle(x, ...all);
    await writers[1]!.send(X, 'second');
    await settle(...all, x, ...all);
    await writers[2]!.send(X, 'third');
    await settle(...all, x, ...all, x);
    const seen = observe(x, a.identity.nickname);
    expect(seen.keys).toEqual(keysBefore); // one identity, one queue, throughout
    await Promise.all([...all, x].map((m) => m.close()));
    return seen;
  }

  it('same messages, same shape, one sender with unchanging keys', async () => {
    const one = await scenario('one', 1);
    const three = await scenario('three', 3);
    expect(three.contacts).toBe(1);
    expect({ ...three, keys: three.keys.map((k) => k.length), servers: three.servers.length }).toEqual({
      ...one,
      keys: one.keys.map((k) => k.length),
      servers: one.servers.length,
    });
    expect(three.messages.filter((m) => !m.outbound).map((m) => m.text)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });
});
