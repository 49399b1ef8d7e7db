/**
 * The messages of a conversation, virtualised (only what is on screen is in the DOM) and
 * paged from the service: scrolling near the top loads the previous page, keeping what
 * the person was reading in place. New messages scroll into view when the list is at
 * the bottom (or when I wrote them). A conversation opened with unread messages opens at
 * the "New messages" line, not at the bottom; what the person scrolls past is marked read
 * up to there (never all at once), and a button jumps back to the line.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MessageView } from '../../shared/views.js';
import { buildRows } from '../lib/rows.js';
import { useMessageActions } from '../stores/actionStore.js';
import { type Thread, useChats } from '../stores/chatStore.js';
import { DaySeparator } from './DaySeparator.js';
import { MessageRow } from './MessageRow.js';
import { useVisible } from './useVisible.js';

const NEAR_TOP = 400;

export function MessageList({ contactId, thread }: { contactId: string; thread: Thread | undefined }) {
  const items = useMemo(() => thread?.items ?? [], [thread?.items]);
  const unreadFrom = useChats((s) => s.unreadFrom[contactId]);
  const rows = useMemo(() => buildRows(items, unreadFrom ?? null), [items, unreadFrom]);
  const unreadIndex = rows.findIndex((r) => r.kind === 'unread');
  const visible = useVisible();
  const [lineAbove, setLineAbove] = useState(false);
  const placedLine = useRef(false);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ key: string; offset: number } | null>(null);
  const lastKey = useRef<string | null>(null);
  const firstKey = useRef<string | null>(null);

  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.kind === 'message' ? 64 : 44),
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

  /** Marks read up to the last message wholly on screen (once the line is placed, the window seen). */
  const reportSeen = useCallback(() => {
    const el = scroller.current;
    if (!el || unreadFrom === undefined || !visible) return;
    const bottom = el.scrollTop + el.clientHeight;
    let last: MessageView | null = null;
    for (const vi of v.getVirtualItems()) {
      const row = rows[vi.index];
      if (row?.kind === 'message' && vi.end <= bottom + 2) last = row.message;
    }
    if (last) useChats.getState().seenUpTo(contactId, last);
  }, [contactId, rows, unreadFrom, v, visible]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (el.scrollTop < NEAR_TOP) loadOlder();
    const line = unreadIndex >= 0 ? v.getOffsetForIndex(unreadIndex, 'start')?.[0] : undefined;
    setLineAbove(line !== undefined && line < el.scrollTop - 8);
    reportSeen();
  };

  // On screen (opened, or shown again: back to Chats, after an unlock): the unread count is
  // read afresh and the line placed anew; off screen, the line is forgotten.
  useEffect(() => {
    useChats.getState().show(contactId);
    return () => useChats.getState().hide(contactId);
  }, [contactId]);
  // Opened with unread messages: at the line, not at the bottom.
  useLayoutEffect(() => {
    if (unreadFrom === undefined) placedLine.current = false; // being placed (again)
    if (placedLine.current || unreadFrom === undefined) return;
    placedLine.current = true;
    if (unreadIndex >= 0) {
      v.scrollToIndex(unreadIndex, { align: 'start' });
      atBottom.current = false;
    }
  }, [unreadFrom, unreadIndex, v]);
  // What is on screen once placed (and when the window comes back into view, or the rows on
  // screen change) counts as seen.
  const range = v.getVirtualItems();
  const rangeKey = `${range[0]?.index ?? -1}:${range[range.length - 1]?.index ?? -1}`;
  useEffect(() => reportSeen(), [reportSeen, rangeKey]);

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
      if ((lastKey.current === null && !placedLine.current) || atBottom.current || mine) {
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

  const jumpToUnread = lineAbove && unreadIndex >= 0 && (
    <button
      className="jump-unread"
      onClick={() => v.scrollToIndex(unreadIndex, { align: 'start' })}
      data-testid="jump-unread"
    >
      ↑ First unread message
    </button>
  );

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
      <div className="jump-wrap">{jumpToUnread}</div>
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
              {row.kind === 'day' ? (
                <DaySeparator at={row.at} />
              ) : row.kind === 'unread' ? (
                <div className="unread-line" role="separator" data-testid="unread-line">
                  <span>{row.count === 1 ? '1 new message' : `${row.count} new messages`}</span>
                </div>
              ) : (
                <MessageRow message={row.message} />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
