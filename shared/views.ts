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
}

export interface ConversationView {
  contact: ContactView;
  unread: number;
  lastMessage: MessageView | null;
  messageCount: number;
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
