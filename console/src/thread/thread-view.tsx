import { useLayoutEffect, useRef } from 'react';
import type { AttachmentFiles, ConversationSession, ConversationState } from '../../../client/src/index.js';
import type { Note } from '../notes/note-cache.js';
import { NoteItem } from '../notes/note-item.js';
import { MessageItem, OutgoingItem } from './message-item.js';
import { threadItems } from './thread-items.js';

/**
 * The conversation's messages and notes, newest at the bottom: a polite live region, so a
 * screen reader hears each new one. Scrolling to the top (or the button there) loads the page
 * before; a new message keeps the view at the bottom when it was there.
 */
export function ThreadView({
  session,
  files,
  state,
  notes,
  customer,
}: {
  session: ConversationSession;
  files: AttachmentFiles;
  state: ConversationState;
  notes: readonly Note[];
  customer: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previousHeight = useRef(0);
  const items = threadItems(state, notes);
  const firstKey = items[0]?.key;
  const lastKey = items.at(-1)?.key;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (atBottom.current) el.scrollTop = el.scrollHeight;
    previousHeight.current = el.scrollHeight;
  }, [lastKey, items.length]);
  // Older messages grow the list above: the agent keeps seeing what they saw.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && !atBottom.current) el.scrollTop += el.scrollHeight - previousHeight.current;
  }, [firstKey]);

  return (
    <div
      className="thread-scroll"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        if (el.scrollTop < 40 && state.hasOlder) void session.loadOlder();
      }}
    >
      {state.hasOlder && (
        <button type="button" className="older" disabled={state.loadingOlder} onClick={() => void session.loadOlder()}>
          {state.loadingOlder ? 'Loading…' : 'Show earlier messages'}
        </button>
      )}
      <ol className="thread" role="log" aria-live="polite" aria-label="Messages">
        {items.map((item) =>
          item.kind === 'message' ? (
            <MessageItem key={item.key} message={item.message} customer={customer} files={files} />
          ) : item.kind === 'outgoing' ? (
            <OutgoingItem
              key={item.key}
              item={item.item}
              onRetry={() => session.retry(item.item.clientMessageId)}
              onCancel={() => session.cancel(item.item.clientMessageId)}
            />
          ) : (
            <NoteItem key={item.key} note={item.note} />
          ),
        )}
      </ol>
      {state.theirTyping && (
        <p className="typing" role="status">
          {customer} is typing…
        </p>
      )}
    </div>
  );
}
