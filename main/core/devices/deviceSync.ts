/**
 * Multi-device sync, as the messenger and the service use it: my device channels, the
 * fan-out of every change to my other devices, the decision for what they send
 * (decide.ts, handlers.ts), the primary relay (routing.ts), handover, unlink and pairing.
 * Built over narrow ports (context.ts) that Messenger wires; it never sees the Messenger.
 */
import { join } from 'node:path';
import type { meow } from '../../../protocol/wire/proto.js';
import type { ContactChannel, DeviceChannel } from '../peers/peer.js';
import type { ChannelStep, Decision, DeviceDecider } from '../receive/decision.js';
import type { OutboxItem } from '../storage/messageDb.js';
import { myAnnouncement } from './capabilities.js';
import { DeviceContext, type DevicePorts } from './context.js';
import { decideDevice } from './decide.js';
import { DedupStore } from './dedupStore.js';
import { applyDeferred } from './deferred.js';
import { adoptPrimaries, requestPrimary, resumeHandovers } from './handover.js';
import type { DeviceModules } from './handlers.js';
import { ownNameItems, renameDevice } from './merge.js';
import { Pairing } from './pairing.js';
import type { SyncType } from './payloads.js';
import { forwardItem, pulls, rerouteQueued, routeFor, sendRouting } from './routing.js';
import type { SyncChange } from './syncChange.js';
import { afterUnlink, findDevice, tombstone, unlinkDevice } from './unlink.js';

export class DeviceSync implements DeviceDecider {
  readonly dedup: DedupStore;
  readonly ctx: DeviceContext;
  readonly pairing: Pairing;
  private readonly modules: DeviceModules;

  constructor(ports: Omit<DevicePorts, 'dedup'>) {
    this.dedup = new DedupStore(join(ports.core.dir, 'devicesync.db'));
    this.ctx = new DeviceContext({ ...ports, dedup: this.dedup });
    this.pairing = new Pairing(this.ctx);
    this.modules = { ctx: this.ctx, pairing: this.pairing };
  }

  // ------------------------------------------------------------ receive

  decide(device: DeviceChannel, message: meow.UserMessage, serverId: string, step: ChannelStep): Decision {
    return decideDevice(this.modules, device, message, serverId, step);
  }

  markSeen(dedupIds: string[]): void {
    this.dedup.markAllSeen(dedupIds);
  }

  /** Changes kept for a newer build that this one now applies (at open). */
  applyDeferred(): Promise<number> {
    return applyDeferred(this.ctx, this);
  }

  // ------------------------------------------------------------ who is who, fan-out

  siblings(): DeviceChannel[] {
    return this.ctx.siblings();
  }

  deviceById(deviceId: string): DeviceChannel | undefined {
    return this.ctx.deviceById(deviceId);
  }

  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[] {
    return this.ctx.fanOut(change, exceptDevice);
  }

  send(device: DeviceChannel, syncType: SyncType, payload: meow.IDeviceSyncPayload = {}): OutboxItem {
    return this.ctx.send(device, syncType, payload);
  }

  /** A new device's initial sync progress, as the latest history message said. */
  progressOf(deviceUid: string): { done: number; total: number } | undefined {
    return this.ctx.progress.get(deviceUid);
  }

  canSendTo(d: DeviceChannel): boolean {
    return this.ctx.canSendTo(d);
  }

  // ------------------------------------------------------------ primary relay

  readonly pulls = pulls;
  readonly routing = sendRouting;

  routeFor(contact: ContactChannel): DeviceChannel | null {
    return routeFor(this.ctx, contact);
  }

  forwardItem(primary: DeviceChannel, contact: ContactChannel, plain: Uint8Array, hops = 0): OutboxItem {
    return forwardItem(this.ctx, primary, contact, plain, hops);
  }

  rerouteQueued(contact: ContactChannel, to: DeviceChannel): void {
    rerouteQueued(this.ctx, contact, to);
  }

  requestPrimary(contactRef?: string): Promise<{ contacts: number; devices: string[] }> {
    return requestPrimary(this.ctx, contactRef);
  }

  resumeHandovers(): Promise<number> {
    return resumeHandovers(this.ctx);
  }

  adoptPrimaries(device: DeviceChannel): Promise<void> {
    return adoptPrimaries(this.ctx, device);
  }

  // ------------------------------------------------------------ names, unlink

  renameDevice(deviceId: string, name: string): Promise<void> {
    return renameDevice(this.ctx, deviceId, name);
  }

  ownNameItems(): OutboxItem[] {
    return ownNameItems(this.ctx);
  }

  /** What this build applies, for every sibling (after an update changed it). */
  capsItems(): OutboxItem[] {
    const a = myAnnouncement();
    return this.ctx
      .siblings()
      .map((d) =>
        this.ctx.send(d, 'device_caps', { deviceProtocol: a.version, deviceCapabilities: a.capabilities }),
      );
  }

  findDevice(ref: string): DeviceChannel {
    return findDevice(this.ctx, ref);
  }

  unlink(ref: string): Promise<{ device: DeviceChannel; primaryFor: number }> {
    return unlinkDevice(this.ctx, ref);
  }

  tombstone(uid: string, lockHeld = false): Promise<void> {
    return tombstone(this.ctx, uid, lockHeld);
  }

  afterUnlink(device: DeviceChannel): void {
    afterUnlink(this.ctx, device);
  }

  close(): void {
    this.dedup.close();
  }
}
