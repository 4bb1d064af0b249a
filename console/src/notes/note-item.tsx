import { useState } from 'react';
import { useAgent } from '../auth/agent-context.js';
import { RelativeTime } from '../ui/relative-time.js';
import type { Note } from './note-cache.js';
import { useNotes } from './use-notes.js';

/** A private note among the messages, marked as one; its author may edit or delete it. */
export function NoteItem({ note }: { note: Note }) {
  const me = useAgent().id;
  const notes = useNotes(note.conversationId);
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <li className="msg msg-note" data-note={note.id}>
      <div className="msg-meta">
        <span className="who">📝 Private note · {note.authorName ?? 'Agent'}</span>
        <RelativeTime iso={note.createdAt} />
        {note.authorId === me && editing === null && (
          <>
            <button type="button" onClick={() => setEditing(note.text)} aria-label="Edit note">
              Edit
            </button>
            <button type="button" onClick={() => notes.remove(note)} aria-label="Delete note">
              Delete
            </button>
          </>
        )}
      </div>
      {editing === null ? (
        <div className="msg-text">{note.text}</div>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            notes.update.mutate({ noteId: note.id, text: editing }, { onSuccess: () => setEditing(null) });
          }}
        >
          <textarea aria-label="Note text" rows={2} value={editing} onChange={(e) => setEditing(e.target.value)} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}
