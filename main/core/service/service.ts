/**
 * CoreService: MeowService (shared/service.ts) over the messenger core of one profile
 * folder. Hosts get ids in, views and events out, and ServiceErrors; the Messenger and
 * its records stay behind this class. Rules every host needs live here: refusing to
 * unlink a device that is still primary, unread counts, sending right after a change,
 * pairing progress as events. Each group of methods lives in a file of its own, over the
 * profile's ServiceSession (session.ts).
 *
 * @example
 *   const service = createService({ profile: '/home/me/.meow' });
 *   await service.unlock({ password });
 *   await service.setOnline(true);
 */
import type { MeowService, ServiceEventName, ServiceEvents, Unsubscribe } from '../../../shared/service.js';
import * as contactsApi from './contactsApi.js';
import * as groupsApi from './groupsApi.js';
import * as conversationsApi from './conversationsApi.js';
import * as exportApi from './exportApi.js';
import * as devicesApi from './devicesApi.js';
import * as filesApi from './filesApi.js';
import { previewInvite } from './invitePreview.js';
import { startOver } from './startOver.js';
import { changePassword } from './passwordApi.js';
import * as invitationsApi from './invitationsApi.js';
import { deleteContact, deleteConversation } from './deleteApi.js';
import * as lifecycle from './lifecycle.js';
import * as pairingApi from './pairingApi.js';
import { ServiceSession, type ServiceOptions } from './session.js';

export type { ServiceOptions } from './session.js';
export type { LocalRelayStarter } from './localRelay.js';
export type LocalService = MeowService & { close(): Promise<void> };

export function createService(opts: ServiceOptions): LocalService {
  return new CoreService(opts);
}

/** A method's parameters after the session. */
type Rest<F> = F extends (s: ServiceSession, ...a: infer A) => infer R ? (...a: A) => R : never;

export class CoreService implements MeowService {
  private readonly s: ServiceSession;

  constructor(opts: ServiceOptions) {
    this.s = new ServiceSession(opts);
  }

  on<K extends ServiceEventName>(event: K, listener: (payload: ServiceEvents[K]) => void): Unsubscribe {
    return this.s.on(event, listener);
  }

  readonly appState: Rest<typeof lifecycle.appState> = (...a) => lifecycle.appState(this.s, ...a);
  readonly createIdentity: Rest<typeof lifecycle.createIdentity> = (...a) =>
    lifecycle.createIdentity(this.s, ...a);
  readonly unlock: Rest<typeof lifecycle.unlock> = (...a) => lifecycle.unlock(this.s, ...a);
  readonly unlockRemembered: Rest<typeof lifecycle.unlockRemembered> = (...a) =>
    lifecycle.unlockRemembered(this.s, ...a);
  readonly lock: Rest<typeof lifecycle.lock> = (...a) => lifecycle.lock(this.s, ...a);
  readonly close: Rest<typeof lifecycle.close> = (...a) => lifecycle.close(this.s, ...a);
  readonly setOnline: Rest<typeof lifecycle.setOnline> = (...a) => lifecycle.setOnline(this.s, ...a);
  readonly sync: Rest<typeof lifecycle.sync> = (...a) => lifecycle.sync(this.s, ...a);
  readonly connections: Rest<typeof lifecycle.connections> = (...a) => lifecycle.connections(this.s, ...a);
  readonly retryConnections: Rest<typeof lifecycle.retryConnections> = (...a) =>
    lifecycle.retryConnections(this.s, ...a);
  readonly hostLocalRelay: Rest<typeof lifecycle.hostLocalRelay> = (...a) =>
    lifecycle.hostLocalRelay(this.s, ...a);
  readonly profile: Rest<typeof lifecycle.profile> = (...a) => lifecycle.profile(this.s, ...a);
  readonly updateProfile: Rest<typeof lifecycle.updateProfile> = (...a) =>
    lifecycle.updateProfile(this.s, ...a);
  readonly addServer: Rest<typeof lifecycle.addServer> = (...a) => lifecycle.addServer(this.s, ...a);
  readonly contacts: Rest<typeof contactsApi.contacts> = (...a) => contactsApi.contacts(this.s, ...a);
  readonly invite: Rest<typeof contactsApi.invite> = (...a) => contactsApi.invite(this.s, ...a);
  readonly reinvite: Rest<typeof contactsApi.reinvite> = (...a) => contactsApi.reinvite(this.s, ...a);
  readonly startOver: Rest<typeof startOver> = (...a) => startOver(this.s, ...a);
  readonly changePassword: Rest<typeof changePassword> = (...a) => changePassword(this.s, ...a);
  readonly previewInvite: Rest<typeof previewInvite> = (...a) => previewInvite(this.s, ...a);
  readonly acceptInvite: Rest<typeof contactsApi.acceptInvite> = (...a) =>
    contactsApi.acceptInvite(this.s, ...a);
  readonly deleteConversation: Rest<typeof deleteConversation> = (...a) => deleteConversation(this.s, ...a);
  readonly deleteContact: Rest<typeof deleteContact> = (...a) => deleteContact(this.s, ...a);
  readonly invitation: Rest<typeof invitationsApi.invitation> = (...a) =>
    invitationsApi.invitation(this.s, ...a);
  readonly cancelInvitation: Rest<typeof invitationsApi.cancelInvitation> = (...a) =>
    invitationsApi.cancelInvitation(this.s, ...a);
  readonly updateContact: Rest<typeof contactsApi.updateContact> = (...a) =>
    contactsApi.updateContact(this.s, ...a);
  readonly contactSafety: Rest<typeof contactsApi.contactSafety> = (...a) =>
    contactsApi.contactSafety(this.s, ...a);
  readonly verifyContact: Rest<typeof contactsApi.verifyContact> = (...a) =>
    contactsApi.verifyContact(this.s, ...a);
  readonly groups: Rest<typeof groupsApi.groups> = (...a) => groupsApi.groups(this.s, ...a);
  readonly groupInfo: Rest<typeof groupsApi.groupInfo> = (...a) => groupsApi.groupInfo(this.s, ...a);
  readonly createGroup: Rest<typeof groupsApi.createGroup> = (...a) => groupsApi.createGroup(this.s, ...a);
  readonly addGroupMember: Rest<typeof groupsApi.addGroupMember> = (...a) =>
    groupsApi.addGroupMember(this.s, ...a);
  readonly removeGroupMember: Rest<typeof groupsApi.removeGroupMember> = (...a) =>
    groupsApi.removeGroupMember(this.s, ...a);
  readonly leaveGroup: Rest<typeof groupsApi.leaveGroup> = (...a) => groupsApi.leaveGroup(this.s, ...a);
  readonly renameGroup: Rest<typeof groupsApi.renameGroup> = (...a) => groupsApi.renameGroup(this.s, ...a);
  readonly promoteGroupMember: Rest<typeof groupsApi.promoteGroupMember> = (...a) =>
    groupsApi.promoteGroupMember(this.s, ...a);
  readonly sendGroup: Rest<typeof groupsApi.sendGroup> = (...a) => groupsApi.sendGroup(this.s, ...a);
  readonly groupMessages: Rest<typeof groupsApi.groupMessages> = (...a) =>
    groupsApi.groupMessages(this.s, ...a);
  readonly conversations: Rest<typeof conversationsApi.conversations> = (...a) =>
    conversationsApi.conversations(this.s, ...a);
  readonly messages: Rest<typeof conversationsApi.messages> = (...a) =>
    conversationsApi.messages(this.s, ...a);
  readonly send: Rest<typeof conversationsApi.send> = (...a) => conversationsApi.send(this.s, ...a);
  readonly react: Rest<typeof conversationsApi.react> = (...a) => conversationsApi.react(this.s, ...a);
  readonly editMessage: Rest<typeof conversationsApi.editMessage> = (...a) =>
    conversationsApi.editMessage(this.s, ...a);
  readonly deleteMessage: Rest<typeof conversationsApi.deleteMessage> = (...a) =>
    conversationsApi.deleteMessage(this.s, ...a);
  readonly updateConversation: Rest<typeof conversationsApi.updateConversation> = (...a) =>
    conversationsApi.updateConversation(this.s, ...a);
  readonly setDisappearing: Rest<typeof conversationsApi.setDisappearing> = (...a) =>
    conversationsApi.setDisappearing(this.s, ...a);
  readonly exportData: Rest<typeof exportApi.exportData> = (...a) => exportApi.exportData(this.s, ...a);
  readonly typing: Rest<typeof conversationsApi.typing> = (...a) => conversationsApi.typing(this.s, ...a);
  readonly search: Rest<typeof conversationsApi.search> = (...a) => conversationsApi.search(this.s, ...a);
  readonly markRead: Rest<typeof conversationsApi.markRead> = (...a) =>
    conversationsApi.markRead(this.s, ...a);
  readonly retryMessage: Rest<typeof conversationsApi.retryMessage> = (...a) =>
    conversationsApi.retryMessage(this.s, ...a);
  readonly sendFiles: Rest<typeof filesApi.sendFiles> = (...a) => filesApi.sendFiles(this.s, ...a);
  readonly stageFile: Rest<typeof filesApi.stageFile> = (...a) => filesApi.stageFile(this.s, ...a);
  readonly appendStagedFile: Rest<typeof filesApi.appendStagedFile> = (...a) =>
    filesApi.appendStagedFile(this.s, ...a);
  readonly downloadFile: Rest<typeof filesApi.downloadFile> = (...a) => filesApi.downloadFile(this.s, ...a);
  readonly saveFile: Rest<typeof filesApi.saveFile> = (...a) => filesApi.saveFile(this.s, ...a);
  readonly fileData: Rest<typeof filesApi.fileData> = (...a) => filesApi.fileData(this.s, ...a);
  readonly fileSettings: Rest<typeof filesApi.fileSettings> = (...a) => filesApi.fileSettings(this.s, ...a);
  readonly cancelFile: Rest<typeof filesApi.cancelFile> = (...a) => filesApi.cancelFile(this.s, ...a);
  readonly fileUsage: Rest<typeof filesApi.fileUsage> = (...a) => filesApi.fileUsage(this.s, ...a);
  readonly clearMedia: Rest<typeof filesApi.clearMedia> = (...a) => filesApi.clearMedia(this.s, ...a);
  readonly setFileSettings: Rest<typeof filesApi.setFileSettings> = (...a) =>
    filesApi.setFileSettings(this.s, ...a);
  readonly devices: Rest<typeof devicesApi.devices> = (...a) => devicesApi.devices(this.s, ...a);
  readonly renameDevice: Rest<typeof devicesApi.renameDevice> = (...a) =>
    devicesApi.renameDevice(this.s, ...a);
  readonly unlinkDevice: Rest<typeof devicesApi.unlinkDevice> = (...a) =>
    devicesApi.unlinkDevice(this.s, ...a);
  readonly makePrimary: Rest<typeof devicesApi.makePrimary> = (...a) => devicesApi.makePrimary(this.s, ...a);
  readonly pairNew: Rest<typeof pairingApi.pairNew> = (...a) => pairingApi.pairNew(this.s, ...a);
  readonly pairAccept: Rest<typeof pairingApi.pairAccept> = (...a) => pairingApi.pairAccept(this.s, ...a);
  readonly pairConfirm: Rest<typeof pairingApi.pairConfirm> = (...a) => pairingApi.pairConfirm(this.s, ...a);
  readonly pairRefuse: Rest<typeof pairingApi.pairRefuse> = (...a) => pairingApi.pairRefuse(this.s, ...a);
  readonly pairings: Rest<typeof pairingApi.pairings> = (...a) => pairingApi.pairings(this.s, ...a);
}
