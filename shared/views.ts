/**
 * What the service shows its hosts: plain, JSON-safe data about one profile. A view
 * never carries key material (private, symmetric or ratchet keys); test/service/
 * keyMaterial.test.ts checks every view and event of a full scenario for them.
 * Ids: a contact is named by its contact id, a device by its device id (the same on
 * every device of the person), a pairing by its pairing id (local to this device).
 */

/** Where the service stands: no identity yet, identity locked behind its password, or open. */
export interface AppStateView {
  state: 'new' | 'locked' | 'open';
  profile: string;
  /** The send and receive loops are running (the app, `meow run`). */
  online: boolean;
  /** A password-derived key is kept in the OS keychain (unlockRemembered works). */
  remembered: boolean;
  /** The host has an OS keychain, so "remember me" can be offered. */
  keychain: boolean;
  /** The relay this process hosts for the profile, if any. */
  localRelay: LocalRelayView | null;
}

export interface LocalRelayView {
  url: string;
  /** Reachable from other machines on the network (else loopback only). */
  lan: boolean;
}

export interface ServerView {
  url: string;
  name: string;
}

export interface ProfileView {
  /** This device's id (its identity uid). */
  deviceId: string;
  nickname: string;
  status: string;
  deviceName: string;
  servers: ServerView[];
  /** A blank profile waiting to be filled by pairing with another device. */
  pairingPending: boolean;
  unlinked: { at: number; by: string } | null;
}

export type ContactState = 'invited' | 'answered' | 'active';

export interface ContactView {
  id: string;
  /** What I call them. */
  name: string;
  /** What they call themselves. */
  theirName: string;
  state: ContactState;
  status: string;
  blocked: boolean;
  deliveryReceipts: boolean;
  readReceipts: boolean;
  /** The device of mine that talks to this contact; null when it is this device. */
  primaryDevice: { id: string; name: string } | null;
  /** That device was unlinked with this contact's keys: only a new invitation (`reinvite`) reaches them. */
  orphaned: boolean;
  /** When an unanswered invitation stops being valid (0 once answered). */
  invitationExpiresAt: number;
  /** The person compared this contact's safety number, for the keys used now. */
  verified: boolean;
  createdAt: number;
}

export type MessageStatus = 'pending' | 'pending_forward' | 'sent' | 'delivered' | 'read' | 'received';

export interface MessageView {
  /** The message's uuid, the same on both sides and on every device. */
  id: string;
  contactId: string;
  outbound: boolean;
  text: string;
  status: MessageStatus;
  sentAt: number;
  receivedAt: number;
  readAt: number;
  /** Read on this device (inbound messages). */
  seen: boolean;
  /** A copy from another of my devices (not written or received here first). */
  synced: boolean;
  /** pending_forward: the device of mine this message waits for, and since when. */
  waitingFor: { deviceId: string; name: string; since: number } | null;
  /** Sending failed for good (the relay refused the message itself): why; retryMessage sends it again. */
  failed: { reason: string } | null;
  /** Position for paging: pass it as `before` to get older messages. */
  cursor: string;
  /** Files and pictures the message carries (its text is then their caption). */
  attachments: AttachmentView[];
  /** The message this one replies to (`present` false: it is not on this device). */
  quote: QuoteView | null;
  /** One per emoji: how many and who (a person has at most one reaction). */
  reactions: ReactionView[];
  /** Edited by its author: when (0: never); `history` holds the earlier texts, oldest first. */
  editedAt: number;
  history: { text: string; at: number }[];
  /** Deleted for everyone by its author: shown as "message deleted", no text. */
  deleted: boolean;
  /** Deleted on my devices ("for me"): a list drops it. */
  removed: boolean;
}

export interface QuoteView {
  id: string;
  present: boolean;
  outbound: boolean;
  /** The first line of the quoted message as it shows now ('' when deleted or absent). */
  firstLine: string;
  deleted: boolean;
}

export interface ReactionView {
  emoji: string;
  count: number;
  by: ('me' | 'contact')[];
}

/** One file of a message. */
export interface AttachmentView {
  index: number;
  /** Safe to show and to save under (no folders, no control characters). */
  name: string;
  size: number;
  /** Decided by content on the sending side. */
  mime: string;
  /** A raster picture (JPEG, PNG, GIF, WebP) that may be shown inline; never SVG or HTML. */
  image: boolean;
  /** A data: URL of the preview that came inside the message ('' when none). */
  thumbnail: string;
  width: number;
  height: number;
  /** remote: on the relay only; ready: here, verified; failed: see `error`. */
  state: 'remote' | 'downloading' | 'ready' | 'failed';
  error: string;
  /** Runs code when opened: ask before opening. */
  executable: boolean;
  /** EXIF/GPS was removed before sending. */
  metadataStripped: boolean;
}

/** This device's choices about files. */
export interface FileSettingsView {
  /** Files up to this size download as soon as their message arrives (0: none). */
  autoDownloadBytes: number;
}

/** Progress of a file going up (sending) or down (downloading). */
export interface FileProgressView {
  contactId: string;
  /** '' while sending (the message does not exist yet). */
  messageId: string;
  index: number;
  name: string;
  direction: 'up' | 'down';
  done: number;
  total: number;
}

export interface ConversationView {
  contact: ContactView;
  unread: number;
  lastMessage: MessageView | null;
  messageCount: number;
  /** The list state and draft, the same on all my devices (the latest change wins). */
  pinned: boolean;
  archived: boolean;
  /** Marked unread by the person (apart from `unread`, the count of unread messages). */
  markedUnread: boolean;
  /** Unix ms until which it is muted (no notifications); 0: not muted. */
  mutedUntil: number;
  /** The text being written, kept across switching, restarts and devices. */
  draft: string;
}

/** What `updateConversation` changes (only the fields given). */
export interface ConversationChange {
  pinned?: boolean;
  archived?: boolean;
  /** true: mark unread; false: clear the mark. */
  unread?: boolean;
  /** Unix ms until which to mute; 0 unmutes. */
  mutedUntil?: number;
  draft?: string;
}

export interface DeviceView {
  /** The device's own id: the same on every device of mine. */
  id: string;
  name: string;
  thisDevice: boolean;
  state: 'this device' | 'linked' | 'pairing' | 'unlinked';
  lastSeen: number;
  /** How many contacts this device talks to for me (their primary). */
  primaryFor: number;
  /** Messages written elsewhere that wait for this device to send them. */
  waitingForwards: number;
  /** Contacts handed over to this device that it has not confirmed taking yet. */
  handingOver: number;
}

export type PairingPhase = 'waiting' | 'code' | 'syncing' | 'done' | 'refused' | 'expired';

export interface PairingView {
  id: string;
  /** new: this device is the one being added. */
  role: 'new' | 'existing';
  phase: PairingPhase;
  /** The safety code both screens show ('' until both sides are known). */
  code: string;
  /** This side has confirmed that the codes match. */
  confirmed: boolean;
  /** The other side has confirmed (known on the new device once the existing one confirms). */
  otherConfirmed: boolean;
  /** The other device's name ('' while waiting). */
  deviceName: string;
  done: number;
  total: number;
  expiresAt: number;
  /** On the new device while waiting: the link (and QR content) to open on the other device. */
  link: string;
}

/** A contact's safety number: 60 digits both people see alike, and the QR code of them. */
export interface SafetyView {
  contactId: string;
  /** 12 groups of 5 digits. */
  number: string;
  /** What the QR code carries; scanning the other's QR and passing it to verifyContact compares them. */
  qr: string;
  verified: boolean;
}

export interface InviteView {
  link: string;
  contactId: string;
  expiresAt: number;
}

/** An invitation read before accepting it: who it says it is from, and my contacts of that name. */
export interface InvitePreviewView {
  name: string;
  message: string;
  expiresAt: number;
  sameName: { id: string; name: string }[];
}

export interface ConnectionView {
  server: string;
  online: boolean;
  since: number;
  error: string;
  /** How this device reaches the server: a relay session (WebSocket, pushed) or the HTTP long-poll fallback; '' before the first answer. */
  transport: 'session' | 'http' | '';
}

export interface NoticeView {
  level: 'info' | 'warning';
  code:
    | 'DEVICE_ADDED'
    | 'DEVICE_UNLINKED'
    | 'THIS_DEVICE_UNLINKED'
    | 'SEND_FAILED'
    | 'PAIRING_TAMPERED'
    | 'CONTACT_ORPHANED'
    | 'CONTACT_KEYS_CHANGED'
    | 'RELAY_REFUSING'
    | 'MESSAGE_STORE_REPLACED'
    | 'SESSION_RESET'
    | 'SYNC_KIND_UNKNOWN';
  params: Record<string, string | number>;
  text: string;
}

export interface SyncView {
  sent: number;
  received: number;
  /** Rows still in the outbox (waiting for a relay or for another device). */
  waiting: number;
}

export interface MakePrimaryView {
  /** How many contacts were asked for. */
  contacts: number;
  /** Names of the devices asked to hand them over. */
  devices: string[];
}

/** One message found by `search`, with where the first word matched (for the highlight). */
export interface SearchResultView {
  message: MessageView;
  contactName: string;
  /** [start, end) in `message.text`, or null when the match cannot be placed (accents). */
  match: [number, number] | null;
}

/** A member of a group, as this device names it. */
export interface GroupMemberView {
  /** The member's key in the group (hex): how a member is named to removeGroupMember. */
  key: string;
  name: string;
  admin: boolean;
  me: boolean;
}

/** A group conversation (docs/groups.md). */
export interface GroupView {
  id: string;
  name: string;
  /** false: I left or was removed (the history stays; nothing more is sent or read). */
  member: boolean;
  admin: boolean;
  members: GroupMemberView[];
  /** Every membership change in order: "Bob added Carol". */
  history: { actor: string; op: string; member: string; at: number }[];
  /** Changes refused here, with why (a non-admin's change, a removed member's). */
  refusals: { op: string; reason: string; at: number }[];
}

/** A message of a group. */
export interface GroupMessageView {
  id: string;
  groupId: string;
  outbound: boolean;
  /** Who wrote it, as this device names them. */
  author: string;
  text: string;
  /** pending_forward: waiting for my device that drives the group; sent: queued to every member. */
  status: MessageStatus;
  sentAt: number;
  receivedAt: number;
}
