/**
 * Who an invitation is from, before accepting it: the name on it, its message, when it
 * expires, and the contacts I already have by that name (accepting a second invitation
 * from the same person makes a second, separate contact — the person is told first).
 * Reading a link does not use it up: the relay hands the card out until it is answered.
 */
import { ServiceError } from '../../../shared/errors.js';
import { foldName as fold } from '../../../shared/text.js';
import type { InvitePreviewView } from '../../../shared/views.js';
import { parseLink } from '../peers/invitation.js';
import type { ServiceSession } from './session.js';

export function previewInvite(s: ServiceSession, args: { link: string }): Promise<InvitePreviewView> {
  return s.guard('previewInvite', async () => {
    const m = s.open();
    const link = args.link.trim();
    const peers = m.core.peers.all();
    // A short link I answered is gone from its server: recognised here first, as accept does.
    const parsed = parseLink(link);
    const seen = parsed.form === 'short' ? peers.find((p) => p.shortLinkId === parsed.id) : undefined;
    if (seen && !seen.drInitiator) throw new ServiceError('ALREADY_ACCEPTED', { contact: seen.name });
    const card = await m.readLink(link, 'invite');
    const mine = peers.find((p) => p.invitationId === card.invitationId);
    if (mine?.drInitiator) throw new ServiceError('OWN_LINK', { kind: 'invite' });
    if (mine) throw new ServiceError('ALREADY_ACCEPTED', { contact: mine.name });
    const theirs = fold(card.name);
    const sameName = peers
      .filter((p) => fold(p.name) === theirs || (p.contactName && fold(p.contactName) === theirs))
      .map((p) => ({ id: p.uid, name: p.name }));
    return {
      name: card.name,
      message: card.invitationMessage,
      expiresAt: Number(card.expiresAt),
      sameName,
    };
  });
}
