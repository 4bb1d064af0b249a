import { formatBytes, type AttachmentFiles, type OutboxItem } from '../../../client/src/index.js';
import type { Message } from '../api/trpc.js';
import { RelativeTime } from '../ui/relative-time.js';
import { AttachmentList } from './attachment-view.js';

/** A stored message: the customer's, an agent's (Sent or Read) or the system's; a file message shows its files above its caption. */
export function MessageItem({ message, customer, files }: { message: Message; customer: string; files: AttachmentFiles }) {
  const side = message.senderType === 'admin' ? 'agent' : message.senderType === 'system' || message.messageType === 'auth_code' ? 'system' : 'customer';
  return (
    <li className={`msg msg-${side}`} data-seq={message.seq} data-id={message.id}>
      <div className="msg-meta">
        <span className="who">{side === 'customer' ? customer : side === 'agent' ? 'Agent' : 'System'}</span>
        <RelativeTime iso={message.createdAt} />
        {side === 'agent' && <span className="msg-status">{message.isRead ? 'Read' : 'Sent'}</span>}
      </div>
      {message.attachments?.length ? <AttachmentList attachments={message.attachments} files={files} /> : null}
      {message.message && <div className="msg-text">{message.message}</div>}
    </li>
  );
}

/**
 * A reply not stored yet: Sending…, or Failed with the server's reason and Retry. A file
 * message lists its files with their upload's progress, and can be cancelled until stored.
 */
export function OutgoingItem({ item, onRetry, onCancel }: { item: OutboxItem; onRetry: () => void; onCancel: () => void }) {
  return (
    <li className="msg msg-agent msg-outgoing" data-state={item.state}>
      <div className="msg-meta">
        <span className="who">You</span>
        <span className="msg-status">{item.state === 'failed' ? `Failed: ${item.error ?? 'not sent'}` : 'Sending…'}</span>
        {item.state === 'failed' && (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        )}
        {item.files.length > 0 && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {item.files.length > 0 && (
        <ul className="attachments outbox-files" aria-label="Files">
          {item.files.map((file) => (
            <li key={file.id} className="file-row">
              <span className="file-name">{file.name}</span> <span className="file-size">{formatBytes(file.size)}</span>
              <progress max={1} value={file.progress} aria-label={`Upload of ${file.name}`} />
            </li>
          ))}
        </ul>
      )}
      {item.text && <div className="msg-text">{item.text}</div>}
    </li>
  );
}
