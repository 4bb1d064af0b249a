import type { OutboxItem } from '../../../client/src/index.js';
import type { Message } from '../api/trpc.js';
import { RelativeTime } from '../ui/relative-time.js';

/** A stored message: the customer's, an agent's (Sent or Read) or the system's. */
export function MessageItem({ message, customer }: { message: Message; customer: string }) {
  const side = message.senderType === 'admin' ? 'agent' : message.senderType === 'system' || message.messageType === 'auth_code' ? 'system' : 'customer';
  return (
    <li className={`msg msg-${side}`} data-seq={message.seq} data-id={message.id}>
      <div className="msg-meta">
        <span className="who">{side === 'customer' ? customer : side === 'agent' ? 'Agent' : 'System'}</span>
        <RelativeTime iso={message.createdAt} />
        {side === 'agent' && <span className="msg-status">{message.isRead ? 'Read' : 'Sent'}</span>}
      </div>
      <div className="msg-text">{message.message}</div>
    </li>
  );
}

/** A reply not stored yet: Sending…, or Failed with the server's reason and Retry. */
export function OutgoingItem({ item, onRetry }: { item: OutboxItem; onRetry: () => void }) {
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
      </div>
      <div className="msg-text">{item.text}</div>
    </li>
  );
}
