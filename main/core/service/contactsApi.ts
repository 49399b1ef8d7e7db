/** Contacts: list, invite, accept, change, safety numbers and verification. */
import { ServiceError } from '../../../shared/errors.js';
import type { ContactChange } from '../../../shared/service.js';
import type { ContactView, InviteView, SafetyView } from '../../../shared/views.js';
import { contactSafetyNumber, isVerified, matchesSafety, safetyQr } from '../peers/safetyNumber.js';
import { contactView } from './views.js';

import type { ServiceSession } from './session.js';
import { hasVisibleCharacter } from '../../../shared/text.js';

export function contacts(s: ServiceSession): Promise<ContactView[]> {
  return s.guard('contacts', async () => {
    const m = s.open();
    return m.contacts().map((p) => contactView(m, p));
  });
}

export function invite(s: ServiceSession, args: { name: string; long?: boolean }): Promise<InviteView> {
  return s.guard('invite', async () => {
    const m = s.open();
    const { link, peer } = await m.invite(args.name, { long: args.long });
    return { link, contactId: peer.uid, expiresAt: peer.invitationExpiresAt };
  });
}

export function reinvite(
  s: ServiceSession,
  contactId: string,
  opts: { long?: boolean } = {},
): Promise<InviteView> {
  return s.guard('reinvite', async () => {
    const m = s.open();
    s.contact(m, contactId);
    const { link, peer } = await m.reinvite(contactId, opts);
    return { link, contactId: peer.uid, expiresAt: peer.invitationExpiresAt };
  });
}

export function acceptInvite(s: ServiceSession, args: { link: string; name?: string }): Promise<ContactView> {
  return s.guard('acceptInvite', async () => {
    const m = s.open();
    const peer = await m.accept(args.link, args.name ?? '');
    await s.flushSoon(m); // the answer goes now if the relay is there
    return contactView(m, m.peers.get(peer.uid) ?? peer);
  });
}

export function updateContact(
  s: ServiceSession,
  contactId: string,
  change: ContactChange,
): Promise<ContactView> {
  return s.guard('updateContact', async () => {
    const m = s.open();
    s.contact(m, contactId);
    if (change.name !== undefined && !hasVisibleCharacter(change.name))
      throw new ServiceError('EMPTY_NAME', {});
    const defined = Object.fromEntries(
      Object.entries({
        name: change.name?.trim(),
        blocked: change.blocked,
        sendDeliveryAck: change.deliveryReceipts,
        sendProcessingAck: change.readReceipts,
      }).filter(([, v]) => v !== undefined),
    );
    const next = Object.keys(defined).length
      ? await m.updateContact(contactId, defined)
      : s.contact(m, contactId);
    await s.flushSoon(m); // my other devices learn the change
    return contactView(m, next);
  });
}

export function contactSafety(s: ServiceSession, contactId: string): Promise<SafetyView> {
  return s.guard('contactSafety', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    const number = contactSafetyNumber(p);
    if (!number) throw new ServiceError('CONTACT_NOT_READY', { contact: p.name });
    return { contactId, number, qr: safetyQr(number), verified: isVerified(p) };
  });
}

export function verifyContact(
  s: ServiceSession,
  contactId: string,
  args: { verified: boolean; scanned?: string },
): Promise<ContactView> {
  return s.guard('verifyContact', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    const number = contactSafetyNumber(p);
    if (!number) throw new ServiceError('CONTACT_NOT_READY', { contact: p.name });
    if (args.verified && args.scanned !== undefined && !matchesSafety(number, args.scanned))
      throw new ServiceError('SAFETY_MISMATCH', { contact: p.name });
    const next = await m.setVerified(contactId, args.verified);
    await s.flushSoon(m); // my other devices learn it
    return contactView(m, next);
  });
}
