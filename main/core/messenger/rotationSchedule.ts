/**
 * When my keys of a channel rotate: on demand (an unlink), every ROTATE_EVERY_MS for the
 * channels this device drives (so that a rotation tells nothing), the retired queues dropped
 * once drained, and a rotation interrupted by a crash finished at open (peers/rotation.ts).
 */
import { wipePrivateKey } from '../../../protocol/crypto/curves.js';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { channelLock } from '../locks.js';
import { drivenHere } from '../peers/peer.js';
import { switchRekeyed } from '../peers/rekey.js';
import { liveRetired, ROTATE_EVERY_MS, switchKeys } from '../peers/rotation.js';

export class RotationSchedule {
  constructor(private readonly core: Core) {}

  /**
   * Queues a rotation of my keys of one channel (peers/rotation.ts); the outbox performs it
   * in order, after what is queued before. A channel has at most one rotation waiting.
   */
  rotateChannel(kind: 'peer' | 'device', uid: string): boolean {
    const waiting = this.core.db.outbox.forPeer(kind, uid).some((r) => r.kind === 'rotate' && !r.packed);
    if (waiting) return false;
    const plain = encode(meow.UserMessage, { type: 'key_update' }); // built for real when packed
    this.core.db.outbox.enqueue([{ channel: kind, peerUid: uid, plain, kind: 'rotate' }]);
    this.core.kickSend();
    return true;
  }

  /** Channels I drive whose keys are older than ROTATE_EVERY_MS rotate (so that rotations show nothing). */
  rotateDue(now = Date.now()): number {
    let n = 0;
    for (const p of [...this.core.peers.all(), ...this.core.devices.all()]) {
      if (!drivenHere(p) || p.state === 'invited' || !p.drState) continue;
      if (
        now - p.rotatedAt > ROTATE_EVERY_MS &&
        this.rotateChannel(p.type === 'device' ? 'device' : 'peer', p.uid)
      )
        n++;
    }
    return n;
  }

  /** Retired queues past their drain time: no longer pulled, and now their keys are erased too. */
  async dropDrainedQueues(now = Date.now()): Promise<number> {
    let n = 0;
    for (const p of [...this.core.peers.all(), ...this.core.devices.all()]) {
      if (!p.retired.some((r) => r.until <= now)) continue;
      const kind = p.type === 'device' ? 'device' : 'peer';
      await this.core.locks.run(channelLock(kind, p.uid), async () => {
        const cur = this.core.storeOf(p).get(p.uid);
        if (!cur) return;
        const gone = cur.retired.filter((r) => r.until <= now);
        await this.core.storeOf(cur).putRecord({ ...cur, retired: liveRetired(cur, now) });
        for (const r of gone) for (const k of [r.lookup, r.encryption]) wipePrivateKey(k);
        n += gone.length;
      });
    }
    return n;
  }

  /** A rotation whose key_update was packed before a crash switches to its new keys now. */
  async finishRotations(): Promise<void> {
    for (const p of [...this.core.peers.all(), ...this.core.devices.all()]) {
      if (!p.rotation) continue;
      const kind = p.type === 'device' ? 'device' : 'peer';
      await this.core.locks.run(channelLock(kind, p.uid), async () => {
        const cur = this.core.storeOf(p).get(p.uid);
        const waiting = this.core.db.outbox
          .forPeer(kind, p.uid)
          .some((r) => r.kind === 'rotate' && !r.packed);
        if (!cur?.rotation || waiting) return;
        // A contact's: the same session its packed reset starts (peers/rekey.ts), ratchet and record.
        if (cur.type === 'contact') await this.core.peers.put(switchRekeyed(cur));
        else await this.core.storeOf(cur).putRecord(switchKeys(cur));
      });
    }
  }
}
