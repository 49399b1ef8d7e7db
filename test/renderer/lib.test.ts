import { describe, expect, it } from 'vitest';
import { dayLabel, initials, listTime, progressText, SYNC_UNIT } from '../../renderer/lib/format.js';
import { searchEmoji } from '../../renderer/lib/emoji.js';
import { linkify } from '../../renderer/lib/linkify.js';
import { buildRows } from '../../renderer/lib/rows.js';
import type { MessageView } from '../../shared/views.js';

describe('renderer helpers', () => {
  it('finds https links and leaves everything else as text', () => {
    expect(linkify('see https://example.org/a, ok')).toEqual([
      { text: 'see ' },
      { text: 'https://example.org/a', href: 'https://example.org/a' },
      { text: ', ok' },
    ]);
    expect(linkify('javascript:alert(1) http://x.org <b>')).toEqual([
      { text: 'javascript:alert(1) http://x.org <b>' },
    ]);
    expect(linkify('<a href="https://x.org">x</a>').filter((p) => p.href)).toEqual([
      { text: 'https://x.org', href: 'https://x.org' },
    ]);
  });

  it('puts a day separator before each new day', () => {
    const day = 86_400_000;
    const base = new Date(2026, 0, 10, 12).getTime();
    const m = (id: string, at: number) => ({ id, sentAt: at }) as MessageView;
    const rows = buildRows([m('a', base), m('b', base + 60_000), m('c', base + day)]);
    expect(rows.map((r) => r.kind)).toEqual(['day', 'message', 'message', 'day', 'message']);
  });

  it('names days and initials as a person reads them', () => {
    const now = new Date(2026, 0, 10, 12).getTime();
    expect(dayLabel(now - 3_600_000, now)).toBe('Today');
    expect(dayLabel(now - 86_400_000, now)).toBe('Yesterday');
    expect(listTime(now - 86_400_000, now)).toBe('Yesterday');
    expect(initials('alice  cooper')).toBe('AC');
    expect(initials('  ')).toBe('?');
  });

  it('puts the new-messages line before the first unread, counting what came from them', () => {
    const at = new Date(2026, 0, 5, 10).getTime();
    const msg = (id: string, outbound: boolean, t: number) =>
      ({ id, outbound, sentAt: at + t, text: id }) as unknown as MessageView;
    const rows = buildRows(
      [msg('a', false, 0), msg('b', true, 1), msg('c', false, 2), msg('d', true, 3), msg('e', false, 4)],
      'c',
    );
    expect(rows.map((r) => (r.kind === 'message' ? r.message.id : r.kind))).toEqual([
      'day',
      'a',
      'b',
      'unread',
      'c',
      'd',
      'e',
    ]);
    expect(rows.find((r) => r.kind === 'unread')).toMatchObject({ count: 2 });
    expect(buildRows([msg('a', false, 0)], null).some((r) => r.kind === 'unread')).toBe(false);
  });

  it('finds emoji by the words they are known by', () => {
    expect(searchEmoji('cat').map(([e]) => e)).toContain('🐱');
    expect(searchEmoji('thumbs').map(([e]) => e)).toEqual(['👍', '👎']);
    expect(searchEmoji('').length).toBeGreaterThan(40);
    expect(searchEmoji('zzzz')).toEqual([]);
  });
});

describe('pairing progress', () => {
  it('does not read as a number of contacts (issue 24, finding 6)', () => {
    expect(progressText(3, 3, SYNC_UNIT)).toBe('Copied 3 of 3 items (contacts, messages, settings), 100%');
    expect(progressText(0, 0, SYNC_UNIT)).toBe('Starting…');
  });
});
