/**
 * The messages of a conversation, virtualised (only what is on screen is in the DOM) and
 * paged from the service: scrolling near the top loads the previous page, keeping what
 * the person was reading in place. New messages scroll into view when the list is at
 * the bottom (or when I wrote them).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { buildRows } from '../lib/rows.js';
import { useMessageActions } from '../stores/actionStore.js';
import { type Thread, useChats } from '../stores/chatStore.js';
import { DaySeparator } from './DaySeparator.js';
import { MessageRow } from './MessageRow.js';

const NEAR_TOP = 400;

export function MessageList({ contactId, thread }: { contactId: string; thread: Thread | undefined }) {
  const items = useMemo(() => thread?.items ?? [], [thread?.items]);
  const rows = useMemo(() => buildRows(items), [items]);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ key: string; offset: number } | null>(null);
  const lastKey = useRef<string | null>(null);
  const firstKey = useRef<string | null>(null);

  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.kind === 'day' ? 44 : 64),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 12,
    paddingStart: 12,
    paddingEnd: 12,
  });

  const loadOlder = useCallback(() => {
    const t = useChats.getState().threads[contactId];
    if (!t || t.loading || !t.hasMore) return;
    const el = scroller.current;
    const first = v.getVirtualItems()[0];
    if (el && first) anchor.current = { key: String(first.key), offset: el.scrollTop - first.start };
    void useChats.getState().loadOlder(contactId);
  }, [contactId, v]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (el.scrollTop < NEAR_TOP) loadOlder();
  };

  // Older page prepended: the row that was on top stays where it was.
  useLayoutEffect(() => {
    const first = rows[0]?.key ?? null;
    if (first !== firstKey.current && anchor.current) {
      const i = rows.findIndex((r) => r.key === anchor.current!.key);
      const start = i >= 0 ? v.getOffsetForIndex(i, 'start')?.[0] : undefined;
      if (start !== undefined) v.scrollToOffset(start + anchor.current.offset);
      anchor.current = null;
    }
    firstKey.current = first;
  }, [rows, v]);

  // Appended: follow when at the bottom, or when the new message is mine.
  useEffect(() => {
    const last = rows[rows.length - 1];
    const key = last?.key ?? null;
    if (key && key !== lastKey.current) {
      const mine = last?.kind === 'message' && last.message.outbound;
      if (lastKey.current === null || atBottom.current || mine) {
        v.scrollToIndex(rows.length - 1, { align: 'end' });
        atBottom.current = true;
      }
    }
    lastKey.current = key;
  }, [rows, v]);

  // A quote was clicked: bring its message into view, loading older pages until it is found.
  const jump = useMessageActions((s) => s.jump);
  useEffect(() => {
    if (!jump || jump.contactId !== contactId || !thread || thread.loading) return;
    const i = rows.findIndex((r) => r.kind === 'message' && r.message.id === jump.id);
    if (i >= 0) {
      v.scrollToIndex(i, { align: 'center' });
      useMessageActions.getState().jumped(jump.id);
    } else if (thread?.hasMore) loadOlder();
    else useMessageActions.getState().jumped(null);
  }, [jump, rows, contactId, thread, loadOlder, v]);

  // A short first page that does not fill the screen: fetch more until it does.
  useEffect(() => {
    const el = scroller.current;
    if (el && thread?.hasMore && !thread.loading && el.scrollHeight <= el.clientHeight + NEAR_TOP)
      loadOlder();
  }, [thread?.hasMore, thread?.loading, loadOlder]);

  return (
    <div
      ref={scroller}
      className="messages"
      onScroll={onScroll}
      role="log"
      aria-label="Messages"
      tabIndex={0}
      data-testid="message-list"
      data-count={items.length}
    >
      {thread?.loading && items.length > 0 && (
        <div className="loading-older" aria-live="polite">
          Loading earlier messages…
        </div>
      )}
      {thread && !thread.loading && items.length === 0 && (
        <p className="messages-empty muted">No messages yet. Say hello!</p>
      )}
      <div className="messages-inner" style={{ height: v.getTotalSize() }}>
        {v.getVirtualItems().map((vi) => {
          const row = rows[vi.index]!;
          return (
            <div
              key={vi.key}
              data-index={vi.index}
              ref={v.measureElement}
              className="row"
              style={{ transform: `translateY(${vi.start}px)` }}
            >
              {row.kind === 'day' ? <DaySeparator at={row.at} /> : <MessageRow message={row.message} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}
