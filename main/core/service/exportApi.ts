/** Export of a conversation or of the whole profile to a folder (core/export). */
import type { ExportResultView } from '../../../shared/views.js';
import { exportConversations } from '../export/exportConversations.js';
import { downloadsFolder } from './filesApi.js';
import type { ServiceSession } from './session.js';

/** Into `folder` (default: Downloads), one conversation (`contactId`) or all of them. */
export function exportData(
  s: ServiceSession,
  opts: { folder?: string; contactId?: string } = {},
): Promise<ExportResultView> {
  return s.guard('exportData', async () => {
    const m = s.open();
    if (opts.contactId) s.contact(m, opts.contactId);
    return exportConversations(m, opts.folder ?? downloadsFolder(), { contactId: opts.contactId });
  });
}
