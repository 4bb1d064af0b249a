import { useEffect, useRef, useState } from 'react';
import { formatBytes, type Attachment, type AttachmentFiles } from '../../../client/src/index.js';

type Variant = 'file' | 'thumbnail';

/** An attachment's object URL once fetched with the agent's token (null meanwhile), or its failure. */
function useObjectUrl(files: AttachmentFiles, attachment: Attachment, variant: Variant): { url: string | null; error: string | null } {
  const [loaded, setLoaded] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
  useEffect(() => {
    let current = true;
    files.url(attachment, variant).then(
      (url) => current && setLoaded({ url, error: null }),
      (error: Error) => current && setLoaded({ url: null, error: error.message || 'The file could not be loaded' }),
    );
    return () => {
      current = false;
    };
    // A refetched message carries fresh links for the same file: the cached URL still holds.
  }, [files, attachment.id, variant]);
  return loaded;
}

/**
 * A file message's files: images as thumbnails that open full size, anything else as a row
 * with its name and size that downloads it. Names are text nodes, never markup.
 */
export function AttachmentList({ attachments, files }: { attachments: readonly Attachment[]; files: AttachmentFiles }) {
  return (
    <ul className="attachments" aria-label="Files">
      {attachments.map((a) => (
        <li key={a.id}>{a.thumbnailUrl ? <Thumbnail attachment={a} files={files} /> : <FileRow attachment={a} files={files} />}</li>
      ))}
    </ul>
  );
}

function Thumbnail({ attachment, files }: { attachment: Attachment; files: AttachmentFiles }) {
  const { url, error } = useObjectUrl(files, attachment, 'thumbnail');
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="thumb" aria-label={`Open ${attachment.name}`} onClick={() => setOpen(true)}>
        {url ? <img src={url} alt={attachment.name} width={attachment.width} height={attachment.height} /> : <span className={error ? 'error' : 'muted'}>{error ?? attachment.name}</span>}
      </button>
      {open && <Lightbox attachment={attachment} files={files} onClose={() => setOpen(false)} />}
    </>
  );
}

/** The image full size in a native modal <dialog>: Escape, a click or the button closes it. */
function Lightbox({ attachment, files, onClose }: { attachment: Attachment; files: AttachmentFiles; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { url, error } = useObjectUrl(files, attachment, 'file');
  useEffect(() => dialog.current?.showModal(), []);
  return (
    <dialog ref={dialog} className="lightbox" aria-label={attachment.name} onClose={onClose} onClick={() => dialog.current?.close()}>
      {url ? <img src={url} alt={attachment.name} /> : <p className={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>}
      <button type="button" className="close">
        Close
      </button>
    </dialog>
  );
}

function FileRow({ attachment, files }: { attachment: Attachment; files: AttachmentFiles }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  async function download() {
    setState({ busy: true, error: null });
    try {
      const link = document.createElement('a');
      link.href = await files.url(attachment, 'file');
      link.download = attachment.name;
      link.click();
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error: (error as Error).message || 'The file could not be downloaded' });
    }
  }
  return (
    <>
      <button type="button" className="file-row" aria-label={`Download ${attachment.name}, ${formatBytes(attachment.size)}`} disabled={state.busy} onClick={() => void download()}>
        <span aria-hidden="true">📄</span> <span className="file-name">{attachment.name}</span> <span className="file-size muted">{formatBytes(attachment.size)}</span>
      </button>
      {state.error && (
        <span role="alert" className="error">
          {state.error}
        </span>
      )}
    </>
  );
}
