import { useId, useRef, useState } from 'react';
import { useShortcut } from '../ui/shortcuts.js';
import { useDraft } from './drafts.js';
import { matchingReplies, savedReplyQuery, type SavedReply } from './saved-reply-matches.js';
import { SavedRepliesDialog } from './saved-replies-dialog.js';
import { useSavedReplies } from './use-saved-replies.js';

/**
 * Where the agent writes: Enter sends, Shift+Enter is a new line, `/` and a few letters
 * offer saved replies (arrows and Enter pick one). The note switch makes it a private note,
 * styled apart so nobody mistakes one for the other. `r` from anywhere focuses it.
 */
export function ReplyBox({
  conversationId,
  disabled,
  onSend,
  onNote,
  onInput,
}: {
  conversationId: string;
  disabled: boolean;
  onSend: (text: string) => void;
  onNote: (text: string) => Promise<unknown>;
  /** Every change of the text (empty for a note): the core tells the customer the agent is typing. */
  onInput: (text: string) => void;
}) {
  const [draft, setDraft] = useDraft(conversationId);
  const [asNote, setAsNote] = useState(false);
  const [picked, setPicked] = useState(0);
  const [managing, setManaging] = useState(false);
  const [noteError, setNoteError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const saved = useSavedReplies().list.data?.savedReplies ?? [];
  const query = savedReplyQuery(draft);
  const offers = query === null ? [] : matchingReplies(saved, query);
  useShortcut(['r'], () => box.current?.focus());

  function typed(text: string) {
    setDraft(text);
    setPicked(0);
    // A note is private: the customer must not see the agent typing one.
    onInput(asNote ? '' : text);
  }

  function insert(reply: SavedReply) {
    setDraft(reply.text);
    box.current?.focus();
  }

  function submit() {
    const text = draft.trim();
    if (!text || disabled) return;
    if (asNote) {
      setNoteError(null);
      onNote(text).then(
        () => setDraft(''),
        (error: Error) => setNoteError(error.message),
      );
      return;
    }
    onSend(text);
    setDraft('');
  }

  return (
    <div className={`reply${asNote ? ' reply-note' : ''}`}>
      {offers.length > 0 && (
        <ul role="listbox" aria-label="Saved replies" className="saved-offers" id={`${id}-offers`}>
          {offers.map((reply, i) => (
            <li key={reply.id} role="option" aria-selected={i === picked} onMouseDown={(e) => (e.preventDefault(), insert(reply))}>
              <strong>{reply.title}</strong> <span className="muted">{reply.text}</span>
            </li>
          ))}
        </ul>
      )}
      <label htmlFor={id} className="sr-only">
        {asNote ? 'Private note' : 'Reply'}
      </label>
      <textarea
        id={id}
        ref={box}
        rows={3}
        value={draft}
        disabled={disabled}
        placeholder={asNote ? 'Private note: only agents see it' : 'Reply…  (Enter sends, Shift+Enter new line, / saved replies)'}
        aria-keyshortcuts="r"
        aria-controls={offers.length ? `${id}-offers` : undefined}
        onChange={(e) => typed(e.target.value)}
        onKeyDown={(e) => {
          if (offers.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
            e.preventDefault();
            setPicked((p) => (p + (e.key === 'ArrowDown' ? 1 : offers.length - 1)) % offers.length);
          } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            if (offers.length) insert(offers[picked] ?? offers[0]!);
            else submit();
          } else if (e.key === 'Escape') {
            e.currentTarget.blur();
          }
        }}
      />
      <div className="reply-tools">
        <label className="note-switch">
          <input type="checkbox" checked={asNote} onChange={(e) => (setAsNote(e.target.checked), onInput(e.target.checked ? '' : draft))} /> Private note
        </label>
        <button type="button" onClick={() => setManaging(true)}>
          Saved replies
        </button>
        {noteError && (
          <span role="alert" className="error">
            {noteError}
          </span>
        )}
        <button type="button" className="send" disabled={disabled || !draft.trim()} onClick={submit}>
          {asNote ? 'Add note' : 'Send'}
        </button>
      </div>
      {managing && <SavedRepliesDialog onInsert={(reply) => (insert(reply), setManaging(false))} onClose={() => setManaging(false)} />}
    </div>
  );
}
