import { findCall } from '../db/calls.js';
import { findConversation } from '../db/conversations.js';
import { toCall } from '../router/calls.schema.js';
import type { Db } from '../db/connect.js';
import { messageColumns } from '../db/message-columns.js';
import type { WebhookDeliveryRow } from '../db/schema.js';
import type { AttachmentFiles } from '../files/attachment-files.js';
import { toConversation } from '../router/conversations.schema.js';
import { toMessage } from '../router/messages.schema.js';
import { withAttachments } from '../router/present-messages.js';

/**
 * The body of one delivery, in the Standard Webhooks shape `{type, timestamp, data}`. The
 * conversation and the message are read now, as agents would see them (auth codes masked,
 * files with links signed for minutes), so an erased customer's text never leaves later;
 * what changed is kept from the moment of the change.
 */
export async function webhookPayload(deps: { db: Db; files: AttachmentFiles }, delivery: WebhookDeliveryRow): Promise<string> {
  const base = { type: delivery.event_type, timestamp: delivery.created_at.toISOString() };
  if (delivery.event_type === 'webhook.test') return JSON.stringify({ ...base, data: delivery.data });
  const conversation = delivery.conversation_id ? await findConversation(deps.db, delivery.conversation_id) : undefined;
  const data: Record<string, unknown> = {
    conversationId: delivery.conversation_id,
    conversation: conversation ? toConversation(conversation) : null,
  };
  if (delivery.event_type === 'message.created' && delivery.message_id) {
    const row = await deps.db.selectFrom('messages').select(messageColumns).where('id', '=', delivery.message_id).executeTakeFirst();
    const [message] = row ? await withAttachments(deps, [toMessage(row)]) : [];
    data.message = message ?? null;
  } else if (delivery.event_type === 'call.updated') {
    const callId = (delivery.data as { callId?: string } | null)?.callId;
    const call = callId ? await findCall(deps.db, callId) : undefined;
    data.call = call ? toCall(call) : null;
    data.changes = { status: (delivery.data as { status?: unknown }).status };
  } else {
    data.changes = delivery.data;
  }
  return JSON.stringify({ ...base, data });
}
