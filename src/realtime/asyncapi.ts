import { z } from 'zod';
import { IdentitySchema, ConversationSchema, TypingInput } from '../router/conversations.schema.js';
import { MarkReadInput, MessageSchema, MessagesPageSchema, SendMessageInput } from '../router/messages.schema.js';
import { jsonSchema } from '../rest/json-schema.js';

const ConversationRef = z.object({ conversationId: z.uuid() });
const TypingPayload = TypingInput.omit({ isTyping: true }).extend({ senderId: z.string(), senderType: z.enum(['user', 'admin', 'guest']) });
const SyncPayload = z.object({ conversationId: z.uuid(), afterSeq: z.number().int().min(0), limit: z.number().int().min(1).max(100).optional() });

interface SocketEvent {
  name: string;
  direction: 'client' | 'server';
  summary: string;
  payload: z.ZodType;
  /** The acknowledgement's `data` on success (client events). */
  ack?: z.ZodType;
}

/** Every socket event, with the schemas the procedures use. */
export const socketEvents: SocketEvent[] = [
  { name: 'conversation:join', direction: 'client', summary: 'Join a conversation room', payload: ConversationRef, ack: ConversationRef.extend({ lastSeq: z.number().int() }) },
  { name: 'conversation:leave', direction: 'client', summary: 'Leave a conversation room', payload: ConversationRef, ack: ConversationRef },
  { name: 'message:send', direction: 'client', summary: 'Send a message; retry with the same clientMessageId', payload: SendMessageInput, ack: MessageSchema },
  { name: 'message:read', direction: 'client', summary: 'Mark a message of the other side read', payload: MarkReadInput, ack: MarkReadInput.extend({ conversationId: z.uuid(), isRead: z.boolean() }) },
  { name: 'typing:start', direction: 'client', summary: 'Tell the others you are typing', payload: ConversationRef, ack: ConversationRef },
  { name: 'typing:stop', direction: 'client', summary: 'Tell the others you stopped typing', payload: ConversationRef, ack: ConversationRef },
  { name: 'conversation:sync', direction: 'client', summary: 'Catch up: messages with seq > afterSeq', payload: SyncPayload, ack: MessagesPageSchema },
  { name: 'connection:success', direction: 'server', summary: 'Who the connection is', payload: IdentitySchema },
  { name: 'message:received', direction: 'server', summary: 'A new message in a conversation you follow (you included)', payload: MessageSchema },
  { name: 'conversation:new_message', direction: 'server', summary: 'To admins: a new message anywhere', payload: ConversationRef.extend({ message: MessageSchema }) },
  { name: 'conversation:updated', direction: 'server', summary: 'Assignee, status or priority changed', payload: z.object({ conversation: ConversationSchema, change: z.enum(['assigned', 'unassigned', 'status', 'priority']) }) },
  { name: 'typing:start', direction: 'server', summary: 'Someone else in the room is typing', payload: TypingPayload },
  { name: 'typing:stop', direction: 'server', summary: 'Someone else in the room stopped typing', payload: TypingPayload },
  { name: 'message:read', direction: 'server', summary: 'A message was read by the other side', payload: z.object({ messageId: z.uuid(), conversationId: z.uuid() }) },
  { name: 'conversation:joined', direction: 'server', summary: 'You joined the room', payload: ConversationRef },
  { name: 'conversation:left', direction: 'server', summary: 'You left the room', payload: ConversationRef },
  { name: 'message:error', direction: 'server', summary: 'An event of yours failed', payload: z.object({ error: z.string(), event: z.string(), code: z.string() }) },
];

const key = (e: SocketEvent) => `${e.direction}_${e.name.replace(/[^A-Za-z0-9]/g, '_')}`;

/** AsyncAPI 3.0 description of namespace /support, beside the OpenAPI document. */
export function asyncApiDocument() {
  const messages = Object.fromEntries(
    socketEvents.map((e) => [
      key(e),
      {
        name: e.name,
        summary: e.summary,
        payload: jsonSchema(e.payload, e.direction === 'client' ? 'input' : 'output'),
        ...(e.ack && {
          description: 'Acknowledged with {"success": true, "data": <ack>} or {"success": false, "message", "errors"?}.',
          'x-ack': jsonSchema(e.ack, 'output'),
        }),
      },
    ]),
  );
  const operations = Object.fromEntries(
    socketEvents.map((e) => [
      key(e),
      {
        action: e.direction === 'client' ? 'receive' : 'send',
        channel: { $ref: '#/channels/support' },
        summary: e.summary,
        messages: [{ $ref: `#/channels/support/messages/${key(e)}` }],
      },
    ]),
  );
  return {
    asyncapi: '3.0.0',
    info: { title: 'Support chat realtime API', version: '1.0.0', description: 'Socket.IO 4, namespace /support. Connect with auth {token} or {guestId}.' },
    servers: { local: { host: 'localhost:3001', protocol: 'ws', pathname: '/socket.io' } },
    channels: { support: { address: '/support', messages } },
    operations,
  };
}
