/**
 * The readable page of an export: one self-contained HTML file (no script, no remote
 * resource), every piece of text a person or a contact wrote escaped, files linked by their
 * relative path in the export folder.
 */
import type { ExportedConversation } from './exportConversations.js';

/** Text as HTML text or attribute value: nothing of it is markup. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`,
  );
}

const IMAGE = /^image\/(png|jpeg|gif|webp)$/;

/** A relative path inside the export, as a link (each segment escaped for a URL, then for HTML). */
const href = (path: string) => escapeHtml(path.split('/').map(encodeURIComponent).join('/'));

export function exportPage(title: string, exportedAt: number, conversations: ExportedConversation[]): string {
  const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const sections = conversations.map((c) => {
    const rows = c.messages.map((m) => {
      const who = m.from === 'me' ? 'Me' : c.contact.name;
      const body = m.deleted
        ? '<em>message deleted</em>'
        : escapeHtml(m.text).replace(/\n/g, '<br>') + (m.editedAt ? ' <small>(edited)</small>' : '');
      const quote = m.quote ? `<blockquote>${escapeHtml(m.quote.firstLine || '…')}</blockquote>` : '';
      const files = m.attachments
        .map((f) =>
          f.file
            ? IMAGE.test(f.mime)
              ? `<a href="${href(f.file)}"><img src="${href(f.file)}" alt="${escapeHtml(f.name)}"></a>`
              : `<a href="${href(f.file)}">${escapeHtml(f.name)}</a>`
            : `<span class="missing">${escapeHtml(f.name)} (not on this device)</span>`,
        )
        .map((x) => `<div class="file">${x}</div>`)
        .join('');
      const reactions = m.reactions.length
        ? `<div class="reactions">${m.reactions.map((r) => escapeHtml(`${r.emoji} ${r.count}`)).join(' ')}</div>`
        : '';
      return `<li class="${m.from}"><div class="meta">${escapeHtml(who)} · ${when(m.sentAt)}</div>${quote}<div class="text">${body}</div>${files}${reactions}</li>`;
    });
    return `<section><h2>${escapeHtml(c.contact.name)}</h2><ol>${rows.join('\n')}</ol></section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{border-bottom:1px solid #ddd;padding-bottom:.3rem}
ol{list-style:none;padding:0}li{margin:.6rem 0;padding:.5rem .7rem;border-radius:.6rem;background:#f2f2f5;max-width:80%}
li.me{margin-left:auto;background:#e6e0ff}.meta{font-size:.8rem;color:#666}
blockquote{margin:.2rem 0;padding-left:.5rem;border-left:3px solid #aaa;color:#555}
img{max-width:100%;max-height:20rem;border-radius:.4rem}.reactions{font-size:.85rem}.missing{color:#888}
</style></head><body>
<h1>${escapeHtml(title)}</h1><p>Exported ${when(exportedAt)}.</p>
${sections.join('\n')}
</body></html>
`;
}
