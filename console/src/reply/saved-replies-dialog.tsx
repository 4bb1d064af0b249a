import { useEffect, useRef, useState } from 'react';
import type { SavedReply } from './saved-reply-matches.js';
import { useSavedReplies } from './use-saved-replies.js';

/**
 * Pick, create, edit and delete saved replies. A native modal <dialog>: it traps focus,
 * closes on Escape and gives focus back, with nothing hand-made.
 */
export function SavedRepliesDialog({ onInsert, onClose }: { onInsert: (reply: SavedReply) => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const replies = useSavedReplies();
  const [editing, setEditing] = useState<{ id: string | null; title: string; text: string } | null>(null);
  useEffect(() => dialog.current?.showModal(), []);
  const failed = [replies.create, replies.update, replies.remove].find((m) => m.isError);

  async function save() {
    if (!editing) return;
    const { id, title, text } = editing;
    if (id) await replies.update.mutateAsync({ id, title, text });
    else await replies.create.mutateAsync({ title, text });
    setEditing(null);
  }

  return (
    <dialog ref={dialog} className="saved-dialog" aria-labelledby="saved-title" onClose={onClose}>
      <h2 id="saved-title">Saved replies</h2>
      <ul className="saved-list" aria-label="Saved replies">
        {(replies.list.data?.savedReplies ?? []).map((reply) => (
          <li key={reply.id}>
            <div className="saved-text">
              <strong>{reply.title}</strong>
              <span className="muted">{reply.text}</span>
            </div>
            <button type="button" onClick={() => onInsert(reply)}>
              Insert
            </button>
            <button type="button" onClick={() => setEditing({ id: reply.id, title: reply.title, text: reply.text })} aria-label={`Edit ${reply.title}`}>
              Edit
            </button>
            <button type="button" onClick={() => replies.remove.mutate({ id: reply.id })} aria-label={`Delete ${reply.title}`}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {editing ? (
        <form
          className="saved-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save().catch(() => undefined);
          }}
        >
          <label>
            Title <input value={editing.title} onChange={(e) => setEditing({ ...editing, title: e.target.value })} />
          </label>
          <label>
            Text <textarea rows={3} value={editing.text} onChange={(e) => setEditing({ ...editing, text: e.target.value })} />
          </label>
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" onClick={() => setEditing({ id: null, title: '', text: '' })}>
          New saved reply
        </button>
      )}
      {failed && (
        <p role="alert" className="error">
          {failed.error?.message}
        </p>
      )}
      <button type="button" className="close" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}
