/**
 * "A new device was linked": when the desktop links a third computer, the laptop — which
 * learns of it by introduction — says so, naming it, when, and the device's id; and "This
 * wasn't me" (unlinking that id from the laptop) takes it out on every device of mine.
 */
import { describe, expect, it } from 'vitest';
import type { MessengerEvents } from '../../main/core/events.js';
import { noticeText } from '../../shared/notices.js';
import {
  aliceWithLaptopAndBob,
  createBlankDevice,
  pairDevices,
  settle,
  useEnv,
  useOpen,
} from '../core/harness.js';

describe('a new device is announced on my other devices', () => {
  const env = useEnv('embedded');
  const open = useOpen();

  it('names it, says when, and one unlink from there takes it out everywhere', async () => {
    const { a, s } = await aliceWithLaptopAndBob(env, open, 'added');
    const heard: MessengerEvents['notice'][0][] = [];
    s.on('notice', (n) => heard.push(n));
    const t = await createBlankDevice(env, 'Intruder-added');
    open.push(t);
    const before = Date.now();
    await pairDevices(a, t);
    await settle(a, t, s, a, s, t);
    const added = heard.find((n) => n.code === 'DEVICE_ADDED');
    expect(added?.params).toMatchObject({ device: 'Intruder-added', deviceId: t.identity.uid });
    expect(Number(added!.params['at'])).toBeGreaterThanOrEqual(before);
    expect(noticeText('DEVICE_ADDED', added!.params)).toMatch(
      /^A new device, "Intruder-added", was linked at .+ by "/,
    );

    // "This wasn't me", on the laptop: the device id from the notice.
    const id = String(added!.params['deviceId']);
    await s.deviceSync.unlink(s.deviceSync.deviceById(id)!.uid);
    await settle(s, a, s, a);
    await settle(t);
    expect(t.identity.unlinked).not.toBeNull();
    expect(a.deviceSync.siblings().map((d) => d.deviceId)).toEqual([s.identity.uid]);
    expect(s.deviceSync.siblings().map((d) => d.deviceId)).toEqual([a.identity.uid]);
  });
});
