/**
 * My profile (name, status, avatar), my message servers and this device's name: every
 * change is saved with what it owes — the sync to my other devices, the profile notice to
 * my contacts — and those rows are queued right after (IdentityRepository).
 */
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import type { Identity, Owed } from '../identity/identity.js';
import type { IdentityRepository } from '../identity/repository.js';
import { nextVersion, type ServerRef } from '../records.js';
import type { RelayFactory } from '../relay.js';
import type { OutboxItem } from '../storage/messageDb.js';
import { profileNotices, renameMeForContacts } from './profileBroadcast.js';
import { pinServer } from './servers.js';
import { hasVisibleCharacter } from '../../../shared/text.js';

export class Profile {
  constructor(
    private readonly core: Core,
    private readonly identities: IdentityRepository,
    private readonly relays: RelayFactory,
    private readonly devices: { ownNameItems(): OutboxItem[]; capsItems(): OutboxItem[] },
  ) {}

  async updateProfile(change: { nickname?: string; status?: string; avatar?: string }): Promise<Identity> {
    const nickname = change.nickname?.trim();
    if (nickname !== undefined && !hasVisibleCharacter(nickname)) throw new MeowError('EMPTY_NAME', {});
    const before = this.core.identity.nickname;
    // Contacts see the new name and status (those I had not given another name).
    if (nickname !== undefined) await renameMeForContacts(this.core, before, nickname);
    await this.change(
      (id) => ({
        nickname: nickname ?? id.nickname,
        status: change.status ?? id.status,
        avatar: change.avatar ?? id.avatar,
        profileVersion: nextVersion(id.profileVersion, id.uid),
      }),
      ['identity_update', 'contacts_profile'],
    );
    return this.core.identity;
  }

  /** Adds a message server (pinned from its card); my other devices learn it (server_add). */
  async addServer(url: string): Promise<ServerRef> {
    const ref = await pinServer(this.relays, url);
    if (this.core.identity.servers.some((s) => s.url === ref.url))
      throw new MeowError('SERVER_EXISTS', { url: ref.url });
    await this.change(
      (id) => ({ servers: [...id.servers, ref], serversVersion: nextVersion(id.serversVersion, id.uid) }),
      ['server_add'],
    );
    this.core.kickPoll();
    return ref;
  }

  /**
   * Every identity change goes through here (IdentityRepository): saved whole, with what it
   * owes my other devices and contacts; those rows are queued right after, and the debt
   * settled. A crash in between is made good by queueOwed() when the profile opens.
   */
  async change(
    change: (current: Readonly<Identity>) => Partial<Identity> | null,
    owes: Owed[] = [],
  ): Promise<boolean> {
    const next = await this.identities.update(change, owes);
    if (!next) return false;
    await this.queueOwed(owes);
    this.core.emit('profile');
    return true;
  }

  /** Queues what the identity owes (all of it, or `only`), then marks it paid. */
  async queueOwed(only?: Owed[]): Promise<void> {
    const owed = this.core.identity.owed.filter((o) => !only || only.includes(o));
    if (owed.length === 0) return;
    const items: OutboxItem[] = [];
    for (const o of owed) {
      if (o === 'identity_update') items.push(...this.core.fanOut({ type: 'identity_update' }));
      else if (o === 'server_add') items.push(...this.core.fanOut({ type: 'server_add' }));
      else if (o === 'device_name') items.push(...this.devices.ownNameItems());
      else if (o === 'device_caps') items.push(...this.devices.capsItems());
      else items.push(...profileNotices(this.core));
    }
    this.core.db.outbox.enqueue(items);
    await this.identities.settle(owed);
    this.core.kickSend();
  }
}
