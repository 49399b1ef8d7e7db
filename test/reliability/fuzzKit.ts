/**
 * Pieces of the fuzzed-interaction cases: a relay factory whose posts are lost before or
 * after reaching the relay (the real client underneath, every ciphertext it carried kept),
 * and a ledger that opens those ciphertexts with every key a channel ever had, to find two
 * different ciphertexts under one (ratchet key, message number).
 */
import { aeadDecrypt } from '../../protocol/crypto/aead.js';
import { encodeFields, toHex } from '../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { open } from '../../protocol/crypto/sealedBox.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { Relay, RelayFactory } from '../../main/core/relay.js';
import { fetchServerCard, RelayClient, RelayError } from '../../main/net/relayClient.js';
import { decodeHeader } from '../../protocol/ratchet/header.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';

export interface PostFaults {
  lostBeforeRelay: number;
  lostReply: number;
}

/** Posts fail at `rate` before and after reaching the relay while `faulty()`; all carried bytes land in `posted`. */
export function lossyRelays(
  rnd: () => number,
  posted: meow.IPackedUserMessage[],
  faults: PostFaults,
  faulty: () => boolean,
  rate = 0.1,
): RelayFactory {
  return {
    connect(url, key, device): Relay {
      const real = new RelayClient({ url, serverKey: key, device });
      return Object.assign(Object.create(real) as Relay, {
        async post(messages: meow.IPackedUserMessage[], opts?: { signal?: AbortSignal }) {
          if (faulty() && rnd() < rate) {
            faults.lostBeforeRelay++;
            throw new RelayError('UNREACHABLE', 'lost on the way (fuzz)');
          }
          const ids = await real.post(messages, opts);
          posted.push(...messages);
          if (faulty() && rnd() < rate) {
            faults.lostReply++;
            throw new RelayError('UNREACHABLE', 'reply lost (fuzz)');
          }
          return ids;
        },
      });
    },
    fetchCard: (url) => fetchServerCard(url),
  };
}

interface QueueKeys {
  encryption: KeyPair;
  symKey: Uint8Array;
}

/** Every receiving key of every channel seen, by lookup key: rotations and handovers keep old ones here. */
export class SlotLedger {
  private keys = new Map<string, Map<string, QueueKeys>>();

  /** Notes the keys of every channel `m` holds now (call it as often as keys may change). */
  learn(m: Messenger): void {
    for (const p of [...m.peers.all(), ...m.devices.all()]) {
      const sets = [
        { lookup: p.myLookup, encryption: p.myEncryption, symKey: p.symKey },
        ...p.retired,
        ...(p.rotation ? [p.rotation] : []),
      ];
      for (const s of sets) {
        if (!s.lookup?.publicKey || !s.symKey || s.symKey.length === 0) continue;
        const at = toHex(s.lookup.publicKey);
        const known = this.keys.get(at) ?? new Map<string, QueueKeys>();
        known.set(toHex(s.encryption.publicKey) + toHex(s.symKey), {
          encryption: s.encryption,
          symKey: s.symKey,
        });
        this.keys.set(at, known);
      }
    }
  }

  /** Opens every distinct posted ciphertext it can; counts (ratchet key, n) slots holding two different ones. */
  check(posted: meow.IPackedUserMessage[]): {
    distinct: number;
    opened: number;
    reused: number;
    /** Posted to a queue whose keys were never seen (keys that came and went between two looks). */
    unknownQueue: number;
    /** Session resets seen (docs/sessions.md): a fuzz without restores should start none. */
    resets: number;
  } {
    const seen = new Map<string, string>();
    let reused = 0;
    let opened = 0;
    let unknownQueue = 0;
    let resets = 0;
    const distinct = new Map(posted.map((p) => [toHex(encode(meow.PackedUserMessage, p)), p]));
    for (const p of distinct.values()) {
      const dest = toHex(p.destination!);
      if (!this.keys.has(dest)) unknownQueue++;
      for (const k of this.keys.get(dest)?.values() ?? []) {
        let rm: meow.RatchetMessage;
        try {
          const sym = open(k.encryption, p.payload!, p.destination!);
          rm = decodeStrict(
            meow.RatchetMessage,
            'RatchetMessage',
            aeadDecrypt(k.symKey, sym, encodeFields('meow/sym/v1')),
          );
        } catch {
          continue; // another key of this queue, or an invitation-era message: not a ratchet slot
        }
        if (rm.reset) {
          resets++; // a session reset (docs/sessions.md) travels without the ratchet: no slot
          break;
        }
        const h = decodeHeader(rm.header);
        // Ratchet keys are fresh per chain, so the slot needs no channel: a rotation or handover keeps the ratchet.
        const slot = `${toHex(h.dh)}/${h.n}`;
        const ct = toHex(rm.ciphertext);
        if (seen.has(slot) && seen.get(slot) !== ct) reused++;
        seen.set(slot, ct);
        opened++;
        break;
      }
    }
    return { distinct: distinct.size, opened, reused, unknownQueue, resets };
  }
}

/**
 * Posts an old ciphertext again (a relay or network replaying it); true when it was.
 * Every party of a test shares one address: a replay the relay rate-limits did not happen.
 */
export function replay(injector: RelayClient, message: meow.IPackedUserMessage): Promise<boolean> {
  return injector.post([message]).then(
    () => true,
    (e: unknown) => {
      // Rate-limited, or refused since a rotation (its queue closed: GONE; its signing key no
      // longer registered: NOT_AUTHORIZED): not replayed.
      if (e instanceof RelayError && ['RATE_LIMITED', 'GONE', 'NOT_AUTHORIZED'].includes(e.code))
        return false;
      throw e;
    },
  );
}
