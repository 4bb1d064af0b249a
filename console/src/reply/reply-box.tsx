import { useEffect, useEffectEvent, useId, useRef, useState, type RefObject } from 'react';
import type { SendResult } from '../../../client/src/index.js';
import { useShortcut } from '../ui/shortcuts.js';
import { useDraft } from './drafts.js';
import { matchingReplies, savedReplyQuery, type SavedReply } from './saved-reply-matches.js';
import { SavedRepliesDialog } from './saved-replies-dialog.js';
import { useSavedReplies } from './use-saved-replies.js';

/**
 * Where the agent writes: Enter sends, Shift+Enter is a new line, `/` and a few letters
 * offer saved replies (arrows and Enter pick one). The note switch makes it a private note,
 * styled apart so nobody mistakes one for the other. `r` from anywhere focuses it.
 * Files (the attach button, a paste, a drop on `dropZone`) go at once as one file message,
 * with what is typed as its caption; what is refused before any byte goes is said here.
 */
export function ReplyBox({
  conversationId,
  disabled,
  onSend,
  onNote,
  onInput,
  dropZone,
}: {
  conversationId: string;
  disabled: boolean;
  /** A reply, or files with a caption; undefined while there is no session to take it. */
  onSend: (text: string, files?: File[]) => SendResult | undefined;
  onNote: (text: string) => Promise<unknown>;
  /** Every change of the text (empty for a note): the core tells the customer the agent is typing. */
  onInput: (text: string) => void;
  /** Where files may be dropped (the conversation pane). */
  dropZone: RefObject<HTMLElement | null>;
}) {
  const [draft, setDraft] = useDraft(conversationId);
  const [asNote, setAsNote] = useState(false);
  const [picked, setPicked] = useState(0);
  const [managing, setManaging] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
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

  function send(files?: File[]) {
    const result = onSend(draft, files);
    if (!result) return;
    setError(result.ok ? null : result.message);
    if (result.ok) setDraft('');
  }

  function submit() {
    const text = draft.trim();
    if (!text || disabled) return;
    if (asNote) {
      setError(null);
      onNote(text).then(
        () => setDraft(''),
        (failure: Error) => setError(failure.message),
      );
      return;
    }
    send();
  }

  function attach(files: File[]) {
    if (files.length === 0 || disabled) return;
    if (asNote) setError('A private note cannot carry files: switch it off to send them.');
    else send(files);
  }
  const dropped = useEffectEvent(attach);

  useEffect(() => {
    const zone = dropZone.current;
    if (!zone) return;
    const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      zone.classList.add('drop-target');
    };
    const leave = (e: DragEvent) => !zone.contains(e.relatedTarget as Node | null) && zone.classList.remove('drop-target');
    const drop = (e: DragEvent) => {
      zone.classList.remove('drop-target');
      if (!carriesFiles(e)) return;
      e.preventDefault();
      dropped([...(e.dataTransfer?.files ?? [])]);
    };
    zone.addEventListener('dragover', over);
    zone.addEventListener('dragleave', leave);
    zone.addEventListener('drop', drop);
    return () => {
      zone.removeEventListener('dragover', over);
      zone.removeEventListener('dragleave', leave);
      zone.removeEventListener('drop', drop);
    };
  }, [dropZone]);

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
        onPaste={(e) => {
          // A screenshot pasted goes as a file; pasted text stays text.
          const files = [...e.clipboardData.files];
          if (files.length === 0) return;
          e.preventDefault();
          attach(files);
        }}
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
        <button type="button" className="attach" aria-label="Attach files" title="Attach files (or drop or paste them)" disabled={disabled || asNote} onClick={() => picker.current?.click()}>
          Attach
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            attach([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
        {error && (
          <span role="alert" className="error">
            {error}
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
