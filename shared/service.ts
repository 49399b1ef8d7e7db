/**
 * MeowService: the one API of the messenger core. Every host — the `meow` CLI and
 * its `meow run` control socket, the Electron main process, the browser host, the
 * tests — talks to a profile through it: ids in, views and events out, errors as
 * `ServiceError` codes with parameters. It runs in-process (tests, CLI) or behind
 * the typed RPC of shared/rpc.ts (a worker thread, a socket, Electron IPC), with the
 * same method table and the same argument schemas (shared/schemas.ts).
 *
 * @example
 *   await service.unlock({ password });
 *   const off = service.on('message:stored', (m) => console.log(m.text));
 *   const [c] = await service.contacts();
 *   await service.send(c.id, 'hello');
 *   off();
 */
import type {
  AppStateView,
  FileProgressView,
  FileSettingsView,
  FileUsageView,
  ConnectionView,
  ContactView,
  ConversationChange,
  SearchResultView,
  ConversationView,
  GroupMessageView,
  GroupView,
  ExportResultView,
  DeviceView,
  InvitePreviewView,
  InviteView,
  LocalRelayView,
  MakePrimaryView,
  MessageView,
  NoticeView,
  PairingView,
  ProfileView,
  SafetyView,
  SyncView,
} from './views.js';

export interface ServiceEvents {
  /** A message was stored (written here, received, or synced from another device). */
  'message:stored': MessageView;
  /** A message's status moved forward (sent, delivered, read, forwarded…). */
  'message:status': MessageView;
  /** Many messages of one conversation were stored or changed at once (history, a backlog): reload it. */
  'messages:bulk': { contactId: string; count: number };
  /** A conversation's unread count or last message changed. */
  'conversation:changed': ConversationView;
  'contact:changed': ContactView;
  /** A contact is gone from this device (deleted here or on another of my devices, an invitation cancelled). */
  'contact:removed': { contactId: string };
  'device:changed': DeviceView;
  'profile:changed': ProfileView;
  /** Pairing progress, on both devices, as it happens. */
  'pairing:progress': PairingView;
  connection: ConnectionView;
  /** Something the person should know (a device was added, this device was unlinked…). */
  notice: NoticeView;
  /** The profile was opened, locked, or went on/offline. */
  'app:state': AppStateView;
  /** A file going up or down. */
  'file:progress': FileProgressView;
  /** The contact is typing: show it for a few seconds (it comes again while they go on). */
  'contact:typing': { contactId: string };
  /** A group changed (membership, name) or has a new or changed message: read it again. */
  'group:changed': { groupId: string };
}

export type ServiceEventName = keyof ServiceEvents;
export type Unsubscribe = () => void;

export interface CreateIdentityArgs {
  nickname: string;
  password: string;
  serverUrl: string;
  /** This device's name (default: the machine's host name). */
  deviceName?: string;
}

export interface PairNewArgs {
  /** Needed when the profile is new: the password of the blank profile. */
  password?: string;
  /** Needed when the profile is new: where this device receives. */
  serverUrl?: string;
  deviceName?: string;
}

export interface ContactChange {
  name?: string;
  blocked?: boolean;
  deliveryReceipts?: boolean;
  readReceipts?: boolean;
}

/** The request/response methods (everything but `on`). Each takes positional, JSON-safe arguments. */
export interface ServiceMethods {
  // -------------------------------------------------------------- the profile itself
  appState(): Promise<AppStateView>;
  /** A new identity in an empty profile. */
  createIdentity(args: CreateIdentityArgs): Promise<ProfileView>;
  /**
   * Opens the profile; on an open profile, checks the password (a remote host authenticates
   * this way). `remember`: keep the password-derived key in the OS keychain (when the host
   * has one) so that unlockRemembered() opens without asking; false forgets a kept key.
   */
  unlock(args: { password: string; remember?: boolean }): Promise<ProfileView>;
  /** Opens the profile with the key kept in the OS keychain (NO_PASSWORD when none is kept). */
  unlockRemembered(): Promise<ProfileView>;
  /** Closes the stores; the service answers NOT_OPEN until unlocked again. */
  lock(): Promise<AppStateView>;
  /** An unlinked computer, or one still waiting to be linked: empties the profile, back to the first screen. */
  startOver(): Promise<AppStateView>;
  /**
   * A new password for this device (WRONG_PASSWORD when the old one is not it): the profile's
   * storage key is re-wrapped, not replaced; my other devices keep their own passwords.
   */
  changePassword(args: { oldPassword: string; newPassword: string }): Promise<AppStateView>;
  /** Runs (true) or stops (false) the send and long-poll loops. */
  setOnline(online: boolean): Promise<AppStateView>;
  /** One round trip: send what is queued, pull, process, acknowledge, until nothing moves (`waitMs`: long-poll first). */
  sync(opts?: { waitMs?: number }): Promise<SyncView>;
  connections(): Promise<ConnectionView[]>;
  /** Retry now: every server not answering is tried again at once, instead of after its back-off. */
  retryConnections(): Promise<ConnectionView[]>;
  /**
   * Runs a relay (`meow-server`, embedded store, data in the profile folder) inside this
   * process, now and whenever the profile opens: loopback only, or reachable on the LAN.
   * Allowed before an identity exists, so that createIdentity can use its URL.
   */
  hostLocalRelay(args: { lan?: boolean; port?: number }): Promise<LocalRelayView>;

  profile(): Promise<ProfileView>;
  /** `avatar`: a square PNG or JPEG, base64, at most 16 KiB (shared/avatar.ts); '' removes it. */
  updateProfile(change: { nickname?: string; status?: string; avatar?: string }): Promise<ProfileView>;
  /** Adds a message server (pinned from its card); my other devices learn it. */
  addServer(url: string): Promise<ProfileView>;

  // -------------------------------------------------------------- contacts
  contacts(): Promise<ContactView[]>;
  invite(args: { name: string; long?: boolean }): Promise<InviteView>;
  /**
   * A new invitation for a contact nobody of mine can reach any more (its device was unlinked:
   * `ContactView.orphaned`) or who never answered; its conversation is kept and goes on once the
   * contact answers the new link. CONTACT_REACHABLE otherwise.
   */
  reinvite(contactId: string, opts?: { long?: boolean }): Promise<InviteView>;
  /** Reads an invitation without accepting it: who it is from, and my contacts of that name. */
  previewInvite(args: { link: string }): Promise<InvitePreviewView>;
  acceptInvite(args: { link: string; name?: string }): Promise<ContactView>;
  /**
   * Deletes the conversation's messages, with their files and search entries, on all my devices
   * (the contact stays, and is not told); what arrives afterwards shows as usual.
   */
  deleteConversation(contactId: string): Promise<ConversationView>;
  /**
   * Deletes a contact on all my devices: its conversation, its channel keys, its queues on the
   * relay (what it still sends is refused). The contact is not told. `contact:removed` follows.
   */
  deleteContact(contactId: string): Promise<{ contactId: string }>;
  /** A pending invitation made on this device, shown again (INVITATION_NOT_PENDING otherwise). */
  invitation(contactId: string): Promise<InviteView>;
  /**
   * Cancels a pending invitation made on this device: its link is refused from now on (the
   * server deletes it). A contact invited again after an unlink keeps its conversation
   * (`removed: false`); a fresh invitation's contact goes (`contact:removed`).
   */
  cancelInvitation(contactId: string): Promise<{ removed: boolean }>;
  updateContact(contactId: string, change: ContactChange): Promise<ContactView>;
  /** The contact's safety number, to compare with theirs (read aloud, or by QR). */
  contactSafety(contactId: string): Promise<SafetyView>;
  /**
   * Marks the contact verified (the numbers matched; with `scanned`, the QR scanned from
   * their screen must be this number: SAFETY_MISMATCH otherwise) or not verified.
   */
  verifyContact(contactId: string, args: { verified: boolean; scanned?: string }): Promise<ContactView>;

  // -------------------------------------------------------------- groups (docs/groups.md)
  groups(): Promise<GroupView[]>;
  groupInfo(groupId: string): Promise<GroupView>;
  /** A new group with me (its admin) and these contacts (ids). */
  createGroup(args: { name: string; members: string[] }): Promise<GroupView>;
  addGroupMember(groupId: string, contactId: string): Promise<GroupView>;
  /** `member`: the member's key (GroupMemberView.key). */
  removeGroupMember(groupId: string, member: string): Promise<GroupView>;
  leaveGroup(groupId: string): Promise<GroupView>;
  /** Admins: a new name for the group. */
  renameGroup(groupId: string, name: string): Promise<GroupView>;
  /** Admins: `member` (its key) becomes an admin too. */
  promoteGroupMember(groupId: string, member: string): Promise<GroupView>;
  sendGroup(groupId: string, text: string): Promise<GroupMessageView>;
  /** The group's newest `limit` messages (default 50), oldest first. */
  groupMessages(groupId: string, opts?: { limit?: number }): Promise<GroupMessageView[]>;

  // -------------------------------------------------------------- conversations
  conversations(): Promise<ConversationView[]>;
  /** A page of a conversation, oldest first: the newest `limit` (default 50) before `before`. */
  messages(contactId: string, opts?: { before?: string; limit?: number }): Promise<MessageView[]>;
  /** Sends a message; `quote`: the id of a message of this conversation it replies to (UNKNOWN_MESSAGE otherwise). */
  send(contactId: string, text: string, opts?: { quote?: string }): Promise<MessageView>;
  /** Reacts with one emoji (NOT_ONE_EMOJI otherwise); the same emoji again takes the reaction back. */
  react(contactId: string, messageId: string, emoji: string): Promise<MessageView>;
  /** Edits my own message (NOT_YOUR_MESSAGE otherwise); the earlier text stays in its history. */
  editMessage(contactId: string, messageId: string, text: string): Promise<MessageView>;
  /**
   * Deletes a message on all my devices, or with `forEveryone` (my own messages, within 24 hours)
   * on the contact's devices too, where it shows as "message deleted".
   */
  deleteMessage(contactId: string, messageId: string, opts?: { forEveryone?: boolean }): Promise<MessageView>;
  /** Pins, archives, marks unread, mutes (until a time) or saves the draft of a conversation; my other devices follow. */
  updateConversation(contactId: string, change: ConversationChange): Promise<ConversationView>;
  /**
   * Sets the conversation's disappearing timer (ms: 0 off, 5 minutes, 1 hour, 1 day, 1 week;
   * BAD_INPUT otherwise) for both people and all their devices; new messages disappear that
   * long after they were read (sent, for my own).
   */
  setDisappearing(contactId: string, ms: number): Promise<ConversationView>;
  /**
   * Exports one conversation (`contactId`) or all of them into a new folder inside `folder`
   * (default: Downloads): messages.json, a readable index.html, the files. Written whole or
   * not at all (EXPORT_FAILED, DISK_FULL: nothing is left there).
   */
  exportData(opts?: { folder?: string; contactId?: string }): Promise<ExportResultView>;
  /** I am typing to the contact: they are told at most every few seconds (true: told now). */
  typing(contactId: string): Promise<boolean>;
  /**
   * Messages of every conversation (or one) whose current text holds every word of `query`
   * (ignoring case and accents), newest first. The index is built in memory on first use after
   * unlocking: nothing of it is written to disk.
   */
  search(query: string, opts?: { contactId?: string; limit?: number }): Promise<SearchResultView[]>;
  /** Marks a conversation read here (read receipts and my other devices follow); returns how many. */
  /** Marks read what came from the contact — all of it, or (`upTo`: a message's cursor) up to that message. */
  markRead(contactId: string, opts?: { upTo?: string }): Promise<number>;
  /**
   * Sends again a message whose sending failed for good (`failed` in its view: the relay
   * refused the message itself). A message that has not failed is left as it is.
   */
  retryMessage(contactId: string, messageId: string): Promise<MessageView>;
  /**
   * Sends files (paths on the machine the service runs on, or files staged with stageFile)
   * with an optional caption: each is checked against the relay's limit first, stripped of
   * its metadata (JPEG/PNG), encrypted and uploaded once; the message carries the reference.
   */
  sendFiles(contactId: string, args: SendFilesArgs): Promise<MessageView>;
  /** Starts a staged file (bytes from a host that has no path, the browser); returns its id. */
  stageFile(args: { name: string; size: number }): Promise<{ stageId: string }>;
  /** Appends base64 bytes to a staged file, in order. */
  appendStagedFile(stageId: string, base64: string): Promise<{ received: number }>;
  /** Fetches a file of a message from the relay (once), verifies it, keeps it here. */
  downloadFile(contactId: string, messageId: string, index: number): Promise<MessageView>;
  /** Decrypts a file into `dir` (default: the Downloads folder) under a safe, free name. */
  saveFile(contactId: string, messageId: string, index: number, dir?: string): Promise<{ path: string }>;
  /** A verified file's bytes, base64 (for a picture shown inline, or a browser download). */
  /** This device's file settings (not synced to my other devices). */
  fileSettings(): Promise<FileSettingsView>;
  setFileSettings(change: Partial<FileSettingsView>): Promise<FileSettingsView>;
  /**
   * Stops a transfer: with a message id, that file's download (the next download continues
   * where it stopped); with '' the files being sent to the contact (they are not sent).
   */
  cancelFile(contactId: string, messageId: string, index: number): Promise<{ cancelled: boolean }>;
  /** What each conversation's files take on this device, the largest first. */
  fileUsage(): Promise<FileUsageView[]>;
  /**
   * Removes this device's copies of files in messages older than `olderThanDays` (one
   * conversation, or all); the messages stay, and their files download again on request.
   */
  clearMedia(args: { olderThanDays: number; contactId?: string }): Promise<{ files: number; bytes: number }>;
  fileData(
    contactId: string,
    messageId: string,
    index: number,
  ): Promise<{ mime: string; name: string; base64: string }>;

  // -------------------------------------------------------------- devices and pairing
  devices(): Promise<DeviceView[]>;
  renameDevice(deviceId: string, name: string): Promise<DeviceView>;
  /** Refuses while the device is primary for contacts, unless `force`. */
  unlinkDevice(deviceId: string, opts?: { force?: boolean }): Promise<DeviceView>;
  /** On a sibling: ask the primaries to hand contacts over to this device (all, or one). */
  makePrimary(opts?: { contactId?: string }): Promise<MakePrimaryView>;
  /** On the new machine: a blank profile (if none) and the pairing link to open on the other device. */
  pairNew(args: PairNewArgs): Promise<PairingView>;
  /** On the machine with the contacts: answer a pairing link; the view carries the safety code. */
  pairAccept(args: { link: string; historyDays?: number }): Promise<PairingView>;
  /** The codes match: on the existing device, send everything; on the new device, accept it. */
  pairConfirm(pairingId: string, opts?: { historyDays?: number }): Promise<PairingView>;
  pairRefuse(pairingId: string): Promise<PairingView>;
  pairings(): Promise<PairingView[]>;
}

export interface SendFilesArgs {
  files: {
    path?: string;
    stageId?: string;
    name?: string;
    /** base64 of a small preview the host made (JPEG/PNG/WebP). */
    thumbnail?: string;
    width?: number;
    height?: number;
  }[];
  caption?: string;
}

export type ServiceMethodName = keyof ServiceMethods;

export interface MeowService extends ServiceMethods {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends ServiceEventName>(event: K, listener: (payload: ServiceEvents[K]) => void): Unsubscribe;
}
